"""How useful are the embedded models? Calls, parse failures, unique on-category tasks, speed.

Runs each candidate model on all four categories x N generations (fixed seed) through
``EmbeddingTaskGenerator`` (with the adapter the library picks for a local LM), writes
the rows as JSONL under ``--output-dir`` and prints one JSON document:

    {"<model>": {"<category>": {calls, parse_failures, tasks_returned, unique_after_cleaning,
                                 on_category, on_category_share, novel_on_category,
                                 unique_on_category_per_call, seconds_per_call,
                                 prompt_tokens_per_call, completion_tokens_per_call}, ...,
                 "overall": {...}}}

"On category" is ``embtaskgen.on_category`` (rules over the task's words); "novel"
additionally excludes tasks that copy an example of the project's seed pool
(``embtaskgen.copies_example``), since worked examples come from it.
DSPy's cache is off, so every call is a real generation; the model is loaded before the
clock starts.

Usage:
    python benchmarks/embedded_quality.py --models smollm2,gemma-3-270m --generations 5 --seed 0
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from pathlib import Path
from typing import Any

from embtaskgen import (
    CATEGORIES,
    LOCAL_MODELS,
    CompactListAdapter,
    EmbeddingTaskGenerator,
    adapter_for,
    copies_example,
    load_local_lm,
    on_category,
)

logger = logging.getLogger("embedded_quality")

_ENGINE_KEYS = ("prompt_style", "top_k", "min_p", "repeat_penalty")
_ADAPTER_KEYS = ("style", "num_examples", "example_size", "max_items", "min_items", "min_chars", "max_chars", "item_pattern")


def _category_report(category: str, prediction: Any, seconds: float, generations: int) -> dict[str, Any]:
    stats = prediction.stats
    kept = prediction.tasks
    on_cat = [t for t in kept if on_category(t, category)]
    novel = [t for t in on_cat if not copies_example(t, category)]
    usage = stats.get("usage", {})
    calls = stats["calls"]
    return {
        "calls": calls,
        "parse_failures": stats["parse_failures"],
        "errors": stats.get("errors", 0),
        "tasks_returned": stats["returned"],
        "unique_after_cleaning": len(kept),
        "on_category": len(on_cat),
        "on_category_share": round(len(on_cat) / len(kept), 3) if kept else 0.0,
        "novel_on_category": len(novel),
        "unique_on_category_per_call": round(len(on_cat) / calls, 2),
        "novel_on_category_per_call": round(len(novel) / calls, 2),
        "seconds_per_call": round(seconds / calls, 2),
        "prompt_tokens_per_call": round(usage.get("prompt_tokens", 0) / calls, 1),
        "completion_tokens_per_call": round(usage.get("completion_tokens", 0) / calls, 1),
    }


def _overall(per_category: dict[str, dict[str, Any]]) -> dict[str, Any]:
    calls = sum(r["calls"] for r in per_category.values())
    kept = sum(r["unique_after_cleaning"] for r in per_category.values())
    on_cat = sum(r["on_category"] for r in per_category.values())
    novel = sum(r["novel_on_category"] for r in per_category.values())
    return {
        "calls": calls,
        "parse_failures": sum(r["parse_failures"] for r in per_category.values()),
        "unique_after_cleaning": kept,
        "on_category_share": round(on_cat / kept, 3) if kept else 0.0,
        "unique_on_category_per_call": round(on_cat / calls, 2),
        "novel_on_category_per_call": round(novel / calls, 2),
        "seconds_per_call": round(
            sum(r["seconds_per_call"] * r["calls"] for r in per_category.values()) / calls, 2
        ),
    }


def run_model(
    spec: str,
    *,
    generations: int,
    seed: int,
    num_tasks: int,
    topic: str,
    output_dir: Path,
    adapter_options: dict[str, Any],
    engine_options: dict[str, Any],
    samples: int,
    levers_off: bool = False,
) -> dict[str, Any]:
    """Benchmark one model; write its rows; return its report."""
    lm = load_local_lm(spec, cache=False)
    for name, value in engine_options.items():
        if name not in _ENGINE_KEYS:
            raise ValueError(f"unknown engine option {name!r}; choose from {', '.join(_ENGINE_KEYS)}")
        setattr(lm.engine, name, value)
    started = time.perf_counter()
    lm.engine.load()
    load_seconds = time.perf_counter() - started
    adapter = adapter_for(lm)  # the settings the catalog tuned; each call names its category
    if adapter_options:
        base = {k: getattr(adapter, k) for k in _ADAPTER_KEYS}
        adapter = CompactListAdapter(**{**base, **adapter_options})
    rows_path = output_dir / f"embedded_quality-{spec}.jsonl"
    report: dict[str, Any] = {}
    picked: dict[str, list[str]] = {}
    with rows_path.open("w", encoding="utf-8") as rows_file:
        for category in CATEGORIES:
            generator = EmbeddingTaskGenerator(
                category, num_generations=generations, seed=seed, lm=lm, num_tasks=num_tasks,
                topic=topic, adapter=adapter,
                # What a user gets: the library's default levers (``--levers-off`` for none).
                **({"topics": False, "few_shot": 0, "avoid_archive": 0} if levers_off else {}),
            )
            started = time.perf_counter()
            prediction = generator()
            seconds = time.perf_counter() - started
            for row in prediction.rows:
                rows_file.write(json.dumps(row, ensure_ascii=False) + "\n")
            report[category] = _category_report(category, prediction, seconds, generations)
            rng = random.Random(f"{seed}|{category}")
            picked[category] = rng.sample(prediction.tasks, min(samples, len(prediction.tasks)))
            logger.info("%s %s: %s", spec, category, report[category])
    report["overall"] = _overall({c: report[c] for c in CATEGORIES})
    report["model"] = lm.model
    report["load_seconds"] = round(load_seconds, 2)
    report["adapter"] = {k: getattr(adapter, k) for k in _ADAPTER_KEYS}
    report["engine"] = {k: getattr(lm.engine, k) for k in _ENGINE_KEYS}
    report["levers"] = generator.levers.as_dict()
    report["rows"] = str(rows_path)
    if samples:
        report["samples"] = picked
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=",".join(LOCAL_MODELS),
                        help="comma-separated local specs (names or .gguf paths)")
    parser.add_argument("--generations", type=int, default=5, help="calls per category")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--num-tasks", type=int, default=20, help="num_tasks asked per call")
    parser.add_argument("--topic", default="")
    parser.add_argument("--output-dir", type=Path, default=Path("runs"))
    parser.add_argument("--adapter-options", type=json.loads, default={},
                        help='JSON overrides of CompactListAdapter settings, e.g. {"max_items": 8}')
    parser.add_argument("--engine-options", type=json.loads, default={},
                        help='JSON overrides of the engine sampling defaults, e.g. {"repeat_penalty": 1.1}')
    parser.add_argument("--samples", type=int, default=0, help="random kept tasks to show per category")
    parser.add_argument("--levers-off", action="store_true",
                        help="switch every diversity lever off (default: the library's default levers)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    results = {}
    for spec in [s.strip() for s in args.models.split(",") if s.strip()]:
        results[spec] = run_model(
            spec, generations=args.generations, seed=args.seed, num_tasks=args.num_tasks, topic=args.topic,
            output_dir=args.output_dir, adapter_options=args.adapter_options,
            engine_options=args.engine_options, samples=args.samples, levers_off=args.levers_off,
        )
    text = json.dumps(results, indent=2, ensure_ascii=False)
    (args.output_dir / "embedded_quality.json").write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
