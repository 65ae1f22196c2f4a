"""The command line: ``main.py`` (``generate``, ``report``, ``categories``) and ``tuning.py``
(``optimize``, ``evaluate``; ``example_tuning.py`` for ``optimize --stage examples``),
``examples_commands.py`` (``examples``, ``pipeline``; ``mining.py`` for
``--mine-negatives``), ``dedup_command.py`` (``dedup``, ``pipeline --dedup``),
``ray_options.py`` (``--executor``, ``--ray-address``, ``--ray-workers``). The
console script is ``embtaskgen.cli.main:main``."""

__all__: list[str] = []
