"""Runs: a large run of either stage streamed to JSONL, resumable, accounted.

``runner.py`` (:func:`embtaskgen.run`) drives a generator's :class:`~embtaskgen.stage.Stage`
(stage 1 or 2) on an executor, one concept per module: ``files`` (output and sidecar
paths, whole-line appends), ``journal`` (the progress sidecar and stage 1's run
identity), ``resume`` (reading an earlier run back: what it left, the rows the truth),
``recorder`` (writing and counting outcomes, as the stage shapes them), ``binding``
(per-run LM copy and settings), ``progressbar``, ``summary``, ``summary_file`` (the
summary written or kept, the secrets redacted) and ``session`` (the local backend:
worker threads in this process). ``example_mining`` mines hard negatives into a
finished examples file (``--mine-negatives``).

``ray/`` is the Ray backend (``executor="ray"``): one session's calls made by a pool of
Ray Data actors, the rows written as a folder of shards.

The folder is ``runs`` and not ``run`` so that it never shadows the function
``embtaskgen.run``.
"""

__all__: list[str] = []
