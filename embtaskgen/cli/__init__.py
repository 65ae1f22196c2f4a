"""The ``embtaskgen`` command line; the console script is ``embtaskgen.cli.main:main``."""

__all__: list[str] = []
