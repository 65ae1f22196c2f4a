"""The command line: ``main.py`` (``generate``, ``report``, ``categories``) and ``tune.py``
(``optimize``, ``evaluate``). The console script is ``embtaskgen.cli.main:main``."""
