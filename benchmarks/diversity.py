"""Diversity levers off vs on, on the same seeds; print the figures as JSON.

Runs the generator on all four categories x N generations twice with the same seed:
once with every lever off, once with the levers on (by default the library's defaults,
the defaults of ``EmbeddingTaskGenerator``; ``--topics/--few-shot/--avoid-archive`` override them),
writes both runs' rows, and reports per configuration and category:

- unique on-category tasks per call: tasks kept after cleaning and de-duplication that
  are on-category and do not copy an example of the seed pool (the examples a prompt
  shows), both as ``embtaskgen.score_tasks`` judges one task, divided by the calls;
- near-duplicate rate across the whole run (``embtaskgen.diversity_report``);
- seconds and tokens per call (DSPy's cache is off unless ``--keep-cache``);
- the engine's repeated-phrase penalty (``--no-repeat``; the same in both runs: it is a
  sampling setting of the embedded model, not a lever);
- the ratios on / off, and the metric's own speed (median ms for a 20-item list).

Usage:
    python benchmarks/diversity.py [--generations 10] [--seed 0] [--model local]
        [--topics|--no-topics] [--few-shot N] [--avoid-archive N] [--no-repeat X]
        [--output-dir runs/diversity]
"""

from __future__ import annotations

import argparse
import inspect
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from embtaskgen import CATEGORIES, EmbeddingTaskGenerator, diversity_report, resolve_lm, score_tasks, to_jsonl

#: The library's lever defaults: the generator's own.
_DEFAULTS = {name: p.default for name, p in inspect.signature(EmbeddingTaskGenerator.__init__).parameters.items()}


def _useful(task: str, category: str) -> bool:
    """On-category and no copy of a seed task the prompt shows (``score_tasks``'s parts for one task)."""
    parts = score_tasks([task], category, num_tasks=1).parts
    return parts["on_category"] == 1.0 and parts["novelty"] == 1.0


def _lm(spec: str | None, cache: bool, no_repeat: float | None = None) -> Any:
    """The model, with DSPy's cache off unless asked (every call real, timings honest).

    ``no_repeat`` sets the embedded model's repeated-phrase penalty (``None``: its default).
    """
    try:
        lm = resolve_lm(spec, no_repeat=no_repeat)
    except ValueError as exc:  # e.g. --no-repeat with a served model
        raise SystemExit(str(exc)) from exc
    return lm if cache else lm.copy(cache=False)


def _run(name: str, levers: dict[str, Any], args: argparse.Namespace, out_dir: Path) -> dict[str, Any]:
    generator = EmbeddingTaskGenerator(
        "all",
        num_generations=args.generations,
        seed=args.seed,
        lm=_lm(args.model, args.keep_cache, args.no_repeat),
        **levers,
    )
    started = time.perf_counter()
    prediction = generator()
    seconds = time.perf_counter() - started
    path = out_dir / f"diversity-{name}.jsonl"
    to_jsonl(prediction.rows, path)
    report = diversity_report(path)
    per_category: dict[str, Any] = {}
    for category in CATEGORIES:
        rows = [r for r in prediction.rows if r["category"] == category]
        kept = [t for r in rows for t in r["tasks"]]
        useful = [t for t in kept if _useful(t, category)]
        figures = report["categories"].get(category, {})
        per_category[category] = {
            "calls": len(rows),
            "kept": len(kept),
            "unique_on_category_novel": len(useful),
            "unique_on_category_per_call": round(len(useful) / max(1, len(rows)), 2),
            "near_duplicate_rate": round(figures.get("near_duplicate_rate", 0.0), 4),
            "on_category_share": round(figures.get("on_category_share", 0.0), 3),
            "distinct_2": round(figures.get("distinct_2", 0.0), 3),
        }
    calls = prediction.stats["calls"]
    usage = prediction.stats["usage"]
    return {
        "levers": levers,
        "calls": calls,
        "parse_failures": prediction.stats["parse_failures"],
        "unique_on_category_per_call": round(
            sum(c["unique_on_category_novel"] for c in per_category.values()) / max(1, calls), 2
        ),
        "near_duplicate_rate": round(report["total"]["near_duplicate_rate"], 4),
        "seconds_per_call": round(seconds / max(1, calls), 2),
        "tokens_per_call": {
            k: round(v / max(1, calls), 1) for k, v in usage.items() if k in ("prompt_tokens", "completion_tokens")
        },
        "model_name": generator.model_name,
        "no_repeat": _no_repeat_of(generator.lm),
        "rows": str(path),
        "categories": per_category,
    }


def _no_repeat_of(lm: Any) -> float | None:
    """The repeated-phrase penalty of an embedded model, ``None`` for any other LM."""
    settings = getattr(getattr(lm, "engine", None), "no_repeat", None)
    return None if settings is None else settings.multiplier


def _metric_speed(runs: int = 500) -> float:
    tasks = [f"Given a question about subject number {i}, retrieve passages that answer it." for i in range(20)]
    score_tasks(tasks, "text-retrieval")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        score_tasks(tasks, "text-retrieval")
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generations", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=None, help="default: the embedded default model")
    parser.add_argument(
        "--topics",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="levers on: topic conditioning (default: the library default)",
    )
    parser.add_argument("--few-shot", type=int, default=None, help="levers on: examples per call")
    parser.add_argument("--avoid-archive", type=int, default=None, help="levers on: archive size")
    parser.add_argument(
        "--no-repeat",
        type=float,
        default=None,
        help="embedded model: repeated-phrase penalty in both runs (0: off; default: the model's)",
    )
    parser.add_argument("--output-dir", type=Path, default=Path("runs/diversity"))
    parser.add_argument(
        "--keep-cache", action="store_true", help="read and write DSPy's cache (default: off, so every call is real)"
    )
    args = parser.parse_args()
    args.output_dir.mkdir(parents=True, exist_ok=True)

    def pick(value: Any, default: Any) -> Any:
        return default if value is None else value

    configs = {
        "off": {"topics": False, "few_shot": 0, "avoid_archive": 0},
        "on": {
            "topics": pick(args.topics, _DEFAULTS["topics"]),
            "few_shot": pick(args.few_shot, _DEFAULTS["few_shot"]),
            "avoid_archive": pick(args.avoid_archive, _DEFAULTS["avoid_archive"]),
        },
    }
    if configs["on"] == configs["off"]:
        parser.error("the 'on' configuration has every lever off; pass --topics, --few-shot or --avoid-archive")
    # Timed before any model runs: llama.cpp's worker threads keep spinning for a while
    # after a generation and, on 2 cores, doubled this figure when it was taken last.
    metric_ms = _metric_speed()
    results = {}
    for name, levers in configs.items():
        print(f"running levers {name} ...", file=sys.stderr, flush=True)
        results[name] = _run(name, levers, args, args.output_dir)
    off, on = results["off"], results["on"]
    summary = {
        "generations_per_category": args.generations,
        "seed": args.seed,
        "off": off,
        "on": on,
        "ratio_unique_on_category_per_call": round(
            on["unique_on_category_per_call"] / max(1e-9, off["unique_on_category_per_call"]), 3
        ),
        "near_duplicate_rate_lower_with_levers": on["near_duplicate_rate"] < off["near_duplicate_rate"],
        "metric_median_ms_20_items": metric_ms,
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
