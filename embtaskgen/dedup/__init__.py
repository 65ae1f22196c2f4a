"""Near-duplicates across a dataset with MinHash LSH: one sketch, one index.

* ``run.py`` - ``embtaskgen dedup`` (:func:`embtaskgen.dedup_rows`,
  :func:`embtaskgen.near_duplicate_clusters`): two streamed passes, keep the first of
  each cluster; its settings in ``settings.py``.
* ``shingling.py`` (the token sets), ``sketch.py`` (the one MinHash sketch, by rensa),
  ``lsh_index.py`` (the one LSH index: bands, bounded buckets, keep-first).
* ``source.py`` (the rows and texts read), ``outputs.py`` (the kept rows and the
  report, written whole or not at all), ``shard_signatures.py`` (the signatures of a folder's
  shards computed by Ray Data).
* ``near_duplicates.py`` - the diversity report's and the metric's search for texts
  that repeat an earlier one (exact prefix filtering, or the same sketch and index).
"""

__all__: list[str] = []
