"""Runs: the one executor of model calls, and what makes a large run safe.

``runner.py`` (:func:`embtaskgen.run`) puts the parts together, one concept per module:
``files`` (output and sidecar paths, whole-line appends), ``journal`` (the progress
sidecar and the run identity), ``resume`` (reading an earlier run back), ``recorder``
(writing and counting outcomes), ``pool`` (worker threads), ``scheduler`` (the loop),
``faults`` (what is retried), ``interrupt`` (Ctrl-C), ``binding`` (per-run LM copy and
settings), ``progressbar`` and ``summary``.

The folder is ``runs`` and not ``run`` so that it never shadows the function
``embtaskgen.run``.
"""

__all__: list[str] = []
