"""A folder of row shards: which files it holds, how they are read, how one is written.

A Ray run writes one shard per batch (``part-000000.jsonl`` ... or ``.parquet``), each
whole (:func:`write_shard`); names starting with ``_`` or ``.`` (sidecars, pending files)
are skipped. Every reader of rows takes a path through :func:`iter_shard_rows`: a JSONL
file, a Parquet file or a folder of shards in name order. Parquet stores each
object-valued field (``metadata``, ``attributes``) as a JSON string, listed in the
file's metadata, so every shard has one schema and a row reads back exactly as written.

Example:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_shard(folder / "part-000000.jsonl", [{"category": "text-retrieval", "task": "x"}])
    1
    >>> [row for _, _, row in iter_shard_rows(folder)]
    [{'category': 'text-retrieval', 'task': 'x'}]
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from embtaskgen.errors import ConfigError, MissingDependency
from embtaskgen.io.jsonl import iter_jsonl
from embtaskgen.io.targets import fresh_temporary
from embtaskgen.lm.untrusted import sanitize_text

__all__ = ["SHARD_FORMATS", "iter_shard_rows", "shard_name", "shard_paths", "write_shard"]

#: Shard file formats, by ``--format`` name.
SHARD_FORMATS = ("jsonl", "parquet")

_SUFFIXES = {".jsonl": "jsonl", ".parquet": "parquet"}
_JSON_COLUMNS = b"embtaskgen.json_columns"


def shard_name(number: int, format_: str) -> str:
    """The name of shard ``number`` (zero-padded, so names sort in write order).

    Example:
        >>> shard_name(12, "parquet")
        'part-000012.parquet'
    """
    if format_ not in SHARD_FORMATS:
        raise ConfigError(f"format must be one of {', '.join(SHARD_FORMATS)}, got {format_!r}")
    return f"part-{number:06d}.{format_}"


def shard_paths(folder: str | os.PathLike[str]) -> list[Path]:
    """The shards of ``folder`` in name order (``*.jsonl``, ``*.parquet``; sidecars and temporary files skipped)."""
    path = Path(folder)
    if not path.is_dir():
        raise ConfigError(f"{path} is not a folder of shards")
    return sorted(
        item
        for item in path.iterdir()
        if item.suffix in _SUFFIXES and not item.name.startswith(("_", ".")) and item.is_file()
    )


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401 - the submodule is used through pyarrow
    except ImportError as exc:  # pragma: no cover - pyarrow comes with ray[data] and datasets
        raise MissingDependency(
            "Parquet shards need pyarrow: pip install 'embtaskgen[ray]' (or pip install pyarrow)"
        ) from exc
    return pyarrow


def _iter_parquet(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    pa = _pyarrow()
    try:
        table = pa.parquet.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise ConfigError(f"{path}: not a readable Parquet file ({exc})") from exc
    meta = table.schema.metadata or {}
    encoded = set(json.loads(meta.get(_JSON_COLUMNS, b"[]")))
    for number, row in enumerate(table.to_pylist(), start=1):
        record = {}
        for key, value in row.items():
            if value is None:
                continue  # a column another row of the shard has
            record[key] = json.loads(value) if key in encoded and isinstance(value, str) else value
        yield number, record


def iter_shard_rows(path: str | os.PathLike[str]) -> Iterator[tuple[Path, int, dict[str, Any]]]:
    """Yield ``(file, number, row)`` for a JSONL file, a ``.parquet`` file or a folder of shards.

    A line or a Parquet file that cannot be read is a ``ConfigError`` naming it.
    """
    target = Path(path)
    files = shard_paths(target) if target.is_dir() else [target]
    for file in files:
        rows = _iter_parquet(file) if file.suffix == ".parquet" else iter_jsonl(file)
        for number, row in rows:
            yield file, number, row


def write_shard(path: str | os.PathLike[str], rows: Sequence[dict[str, Any]]) -> int:
    """Write ``rows`` as one shard in the format of its suffix, whole or not at all; the rows written."""
    target = Path(path)
    tmp = fresh_temporary(target)
    try:
        if target.suffix == ".parquet":
            _write_parquet(tmp, rows)
        else:
            text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
            try:
                data = text.encode("utf-8")
            except UnicodeEncodeError:  # lone surrogates: what no UTF-8 file can hold is replaced
                data = sanitize_text(text).encode("utf-8")
            with open(tmp, "xb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(rows)


def _write_parquet(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    pa = _pyarrow()
    encoded = sorted({key for row in rows for key, value in row.items() if isinstance(value, dict)})
    records = [
        {key: json.dumps(value, ensure_ascii=False) if key in encoded else value for key, value in row.items()}
        for row in rows
    ]
    table = pa.Table.from_pylist(records)
    table = table.replace_schema_metadata({_JSON_COLUMNS: json.dumps(encoded).encode()})
    pa.parquet.write_table(table, path)
