"""Near-duplicates across a dataset with MinHash LSH: ``embtaskgen dedup`` (``run``) and
the report's search (``near_duplicates``), on one sketch and one index.
"""

__all__: list[str] = []
