"""Runs: a large run of either stage streamed to JSONL, resumable, accounted (:func:`embtaskgen.run`).

Named ``runs`` so that it never shadows the function ``embtaskgen.run``; ``ray/`` is the Ray backend,
``batch/`` the provider-batch backend.
"""

__all__: list[str] = []
