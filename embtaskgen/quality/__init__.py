"""Quality, measured without a model: the task metric (``metric.py``, ``score.py`` and the
checks it runs), the example metric (``grading.py``) and the diversity report
(``report.py``); near-duplicate removal is :mod:`embtaskgen.dedup`."""

__all__: list[str] = []
