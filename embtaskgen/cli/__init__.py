"""The command line: ``main.py`` (``generate``, ``report``, ``categories``) and ``tuning.py``
(``optimize --stage tasks|examples``, ``evaluate``),
``examples_commands.py`` (``examples``, ``pipeline``; ``examples_options.py`` their
options; ``negative_mining.py`` for ``--mine-negatives``), ``dedup_command.py``
(``dedup``, ``pipeline --dedup``), ``run_options.py`` (the options every run has:
seed, sampling, resume, failures, cache, progress, ``--executor`` and the Ray options)
and ``run_report.py`` (a run's summary on stderr and its exit status). The console
script is ``embtaskgen.cli.main:main``."""

__all__: list[str] = []
