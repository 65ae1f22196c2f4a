"""Files of rows: the one strict JSONL line reader (``jsonl``) and folders of shards (``shards``)."""

__all__: list[str] = []
