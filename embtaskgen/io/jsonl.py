"""The one strict JSONL line reader: ``(line number, object)`` pairs, every line checked.

Files come from anything, so a line that cannot be read stops with a
:class:`~embtaskgen.errors.ConfigError` naming file and line (never a traceback): longer
than :data:`MAX_LINE_BYTES`, not UTF-8 (a leading byte-order mark is allowed), not JSON,
nested deeper than :data:`MAX_DEPTH`, or not an object. Blank lines are skipped; the file
is streamed.

Example:
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "rows.jsonl"
    >>> _ = path.write_text('{"task": "x"}\\n\\n{"task": "y"}\\n[1]\\n')
    >>> rows = iter_jsonl(path)
    >>> next(rows), next(rows)
    ((1, {'task': 'x'}), (3, {'task': 'y'}))
    >>> next(rows)
    Traceback (most recent call last):
    ...
    embtaskgen.errors.ConfigError: ...rows.jsonl:4: expected a JSON object, got list
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any

from embtaskgen.errors import ConfigError

__all__ = ["MAX_DEPTH", "MAX_LINE_BYTES", "iter_jsonl"]

#: Longest line read (16 MiB: a row of about 100,000 tasks of 100 characters).
MAX_LINE_BYTES = 16 * 2**20
#: Deepest nesting of arrays and objects accepted in a line.
MAX_DEPTH = 64

_BOM = "\ufeff"
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def _depth(text: str) -> int:
    """Deepest nesting of arrays and objects in ``text`` (brackets inside strings skipped)."""
    depth = deepest = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


def _parse(text: str) -> Any:
    """``json.loads`` with a bound on nesting; ValueError for anything that is not JSON."""
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(text) > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise ValueError(f"not valid JSON ({exc})") from None


def iter_jsonl(path: str | os.PathLike[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each non-blank line (numbers count blank lines); see the module docstring."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, also when abandoned
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    with handle:
        number = 0
        while line := handle.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(line.rstrip(b"\r\n")) > MAX_LINE_BYTES:
                raise ConfigError(f"{path}:{number}: line longer than {MAX_LINE_BYTES // 2**20} MiB; not read")
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ConfigError(
                    f"{path}:{number}: not UTF-8 text (byte 0x{line[exc.start]:02x} "
                    f"at byte {exc.start + 1} of the line)"
                ) from None
            if number == 1 and text.startswith(_BOM):
                text = text[1:]
            if not text.strip():
                continue
            try:
                value = _parse(text)
                if not isinstance(value, dict):
                    raise ValueError(f"expected a JSON object, got {type(value).__name__}")
            except ValueError as exc:
                raise ConfigError(f"{path}:{number}: {exc}") from None
            yield number, value
