"""Near-duplicates across a dataset with MinHash LSH: one sketch, one index.

``run`` (``embtaskgen dedup``) with its ``settings``, ``source`` (rows read), ``outputs``
(rows and report written) and ``shard_signatures`` (the Ray step); ``shingling``,
``sketch`` (rensa) and ``lsh_index``, shared with ``near_duplicates``, the report's and
the metric's search for texts that repeat an earlier one.
"""

__all__: list[str] = []
