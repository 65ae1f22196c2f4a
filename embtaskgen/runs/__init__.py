"""Runs: a large run streamed to JSONL, resumable, accounted.

``runner.py`` (:func:`embtaskgen.run`) puts the parts together over the executor
(``embtaskgen.execute``), one concept per module: ``files`` (output and sidecar paths,
whole-line appends), ``journal`` (the progress sidecar and the run identity), ``resume``
(reading an earlier run back), ``recorder`` (writing and counting outcomes),
``binding`` (per-run LM copy and settings), ``progressbar`` and ``summary``.

The folder is ``runs`` and not ``run`` so that it never shadows the function
``embtaskgen.run``.
"""

__all__: list[str] = []
