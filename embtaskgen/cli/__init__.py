"""The command line: ``main.py`` (``generate``, ``report``, ``categories``, ``models``), ``tuning.py``
(``optimize --stage tasks|examples``, ``evaluate``),
``examples_commands.py`` (``examples``, ``pipeline``; ``examples_options.py`` their
options; ``mining.py`` for ``--mine-negatives``), ``dedup_command.py``
(``dedup``, ``pipeline --dedup``), ``run_options.py`` (the options every run has:
seed, sampling, resume, failures, cache, progress, ``--executor`` and the Ray options)
``run_report.py`` (a run's summary on stderr and its exit status) and ``options.py``
(the options every command shares, the output check, and errors mapped to exit
statuses). The console script is ``embtaskgen.cli.main:main``."""

__all__: list[str] = []
