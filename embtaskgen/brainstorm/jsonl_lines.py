"""The lines of a JSONL file of rows, as ``(line number, object)`` pairs.

The one strict line reader under every reader of rows (:mod:`~embtaskgen.brainstorm.rows`,
:mod:`~embtaskgen.brainstorm.shards`, resume): blank lines are skipped, and a line that
is not a JSON object, or nests too deeply to parse, is refused with its file and line.

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "rows.jsonl"
    >>> _ = path.write_text('{"task": "x"}\\n\\n{"task": "y"}\\n', encoding="utf-8")
    >>> list(iter_jsonl(path))
    [(1, {'task': 'x'}), (3, {'task': 'y'})]
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

from embtaskgen.errors import ConfigError

__all__ = ["iter_jsonl"]


def iter_jsonl(path: str | os.PathLike[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each non-blank line of a JSONL file.

    Raises:
        ConfigError: A line is not a JSON object, or nests too deeply to read (the
            message names file and line).
    """
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
            except RecursionError:
                raise ConfigError(f"{path}:{number}: nested too deeply to read") from None
            if not isinstance(value, dict):
                raise ConfigError(f"{path}:{number}: expected a JSON object, got {type(value).__name__}")
            yield number, value
