"""Files of rows: the one strict JSONL line reader (``jsonl``), folders of shards (``shards``),
and what a write may replace and the temporary file it is renamed from (``targets``)."""

__all__: list[str] = []
