"""The Ray backend of the runner (``executor="ray"``): a pool of Ray Data actors, rows written as shards."""

__all__: list[str] = []
