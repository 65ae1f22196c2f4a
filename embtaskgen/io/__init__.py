"""Files of rows: one strict JSONL line reader and the folders of shards, used by every reader.

* ``jsonl.py`` - :func:`~embtaskgen.io.jsonl.iter_jsonl`, the one reader of JSONL lines
  (file and line named on a bad line, lines capped at 16 MiB, UTF-8 checked, nesting bounded).
* ``shards.py`` - a JSONL file, a Parquet file or a folder of shards read as rows
  (:func:`~embtaskgen.io.shards.iter_shard_rows`), and one shard written whole
  (:func:`~embtaskgen.io.shards.write_shard`).
"""

__all__: list[str] = []
