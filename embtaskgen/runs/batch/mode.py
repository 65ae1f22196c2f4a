"""How a run uses a batch (``run(..., batch=...)``), validated once where it enters.

Example:
    >>> BatchMode.of(True)
    BatchMode(poll=30.0, requests=None, results=None)
    >>> BatchMode.of(False) is None
    True
    >>> BatchMode.of(BatchMode(poll=0))
    Traceback (most recent call last):
    ...
    embtaskgen.errors.ConfigError: batch poll must be a number of seconds > 0, got 0
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from embtaskgen.errors import ConfigError

__all__ = ["DEFAULT_POLL", "BatchMode"]

#: Seconds between two looks at a submitted batch.
DEFAULT_POLL = 30.0


@dataclass(frozen=True)
class BatchMode:
    """A run's batch: through the provider's batch API, or through files.

    Attributes:
        poll: Seconds between two looks at a submitted batch.
        requests: Write the batch input file here and stop (the file route; nothing submitted).
        results: Read the answers from this output file (as ``vllm run-batch -o`` writes it)
            instead of submitting a batch.
    """

    poll: float = DEFAULT_POLL
    requests: Path | None = None
    results: Path | None = None

    @classmethod
    def of(cls, value: object) -> BatchMode | None:
        """``run``'s ``batch``: ``False``/``None`` (online), ``True`` (the batch API) or a ``BatchMode``."""
        if value is None or value is False:
            return None
        if value is True:
            return cls()
        if not isinstance(value, BatchMode):
            raise ConfigError(f"batch must be True, False or a BatchMode, got {type(value).__name__}")
        poll = value.poll
        if isinstance(poll, bool) or not isinstance(poll, (int, float)) or not math.isfinite(poll) or poll <= 0:
            raise ConfigError(f"batch poll must be a number of seconds > 0, got {poll!r}")
        if value.requests is not None and value.results is not None:
            raise ConfigError("batch: give requests (write the input file) or results (read answers), not both")
        for name in ("requests", "results"):
            path = getattr(value, name)
            if path is not None and not isinstance(path, (str, os.PathLike)):
                raise ConfigError(f"batch {name} must be a file path, got {type(path).__name__}")
        requests = None if value.requests is None else Path(value.requests)
        results = None if value.results is None else Path(value.results)
        if results is not None and not results.is_file():
            raise ConfigError(f"batch results {results} is not a file")
        return cls(float(poll), requests, results)

    @property
    def api(self) -> bool:
        """Whether the run submits a batch to the provider (neither file route)."""
        return self.requests is None and self.results is None
