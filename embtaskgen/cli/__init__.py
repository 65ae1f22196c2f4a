"""The command line: ``main.py`` (``generate``, ``report``, ``categories``) and ``tuning.py``
(``optimize --stage tasks|examples``, ``evaluate``),
``examples_commands.py`` (``examples``, ``pipeline``; ``negative_mining.py`` for
``--mine-negatives``), ``dedup_command.py`` (``dedup``, ``pipeline --dedup``),
``ray_options.py`` (``--executor``, ``--ray-address``, ``--ray-workers``). The
console script is ``embtaskgen.cli.main:main``."""

__all__: list[str] = []
