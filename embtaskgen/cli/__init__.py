"""The command line: ``main.py`` (``generate``, ``report``, ``categories``) and ``tuning.py``
(``optimize``, ``evaluate``). The console script is ``embtaskgen.cli.main:main``."""

__all__: list[str] = []
