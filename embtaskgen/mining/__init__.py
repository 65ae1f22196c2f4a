"""Mined hard negatives (``negatives.py``) and their mining into a run's examples file
(``examples_file.py``); the command-line glue is ``embtaskgen/cli/mining.py``."""

__all__: list[str] = []
