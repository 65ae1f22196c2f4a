"""Tune the embedded default model's prompts, category by category, and compare on held-out calls.

For each category: evaluate the untuned prompts on held-out topics and seeds (``evaluate``'s
defaults: 8 held-out topics, 1 held-out seed), tune with
``embtaskgen.optimize`` (training topics and seeds only), evaluate the tuned
prompts on the same held-out calls, then save, reload and re-evaluate the program to
check that the saved score is reproduced. Prints one JSON document:

    {"model", "optimizer", "budget", "heldout": {"topics", "seeds"},
     "categories": {"<category>": {"untuned": {score, unique_on_category_per_call,
                                               parse_failures, ...},
                                   "tuned": {...}, "ratio": {score, unique_on_category_per_call},
                                   "meets_target": bool, "lm_calls": {...}, "seconds": ...}},
     "total": {"seconds", "lm_calls", "program_calls"}, "reload_reproduces": bool}

DSPy's cache goes to a fresh temporary directory (unless ``--keep-cache``), so every
model call is real and the wall time is honest. ``--write-program`` saves the categories
whose held-out metric score and distinct on-category tasks per call both improved (with
all held-out scores in the metadata); that is
how ``embtaskgen/programs/default.json`` is made.

``--merge OUT RESULT.json ...`` joins the programs of several runs (one category each,
say) into one file: each RESULT.json is a run's printed JSON; the categories it wrote
come with their prompts and held-out scores, the others are recorded apart as
``heldout_not_shipped``. No model is loaded.

Usage:
    python benchmarks/optimize.py --budget 40 --write-program embtaskgen/programs/default.json
    for c in text-retrieval text-matching-short text-matching-long text-classification; do
        python benchmarks/optimize.py --budget 40 --categories $c --write-program $c.json > $c.result.json
    done
    python benchmarks/optimize.py --merge embtaskgen/programs/default.json *.result.json
    python benchmarks/optimize.py --categories text-retrieval --optimizers bootstrap,gepa,mipro
"""

from __future__ import annotations

import argparse
import inspect
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET = 1.15
_KEYS = (
    "calls",
    "score",
    "unique_on_category_per_call",
    "parse_failures",
    "returned_per_call",
    "copied_per_call",
    "demos",
)


def _brief(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in _KEYS if k in row}


def _ratio(new: float, old: float) -> float | None:
    return round(new / old, 3) if old else None


class CallCounter:
    """Count the calls an LM makes while open, from DSPy's ``lm.history`` (cache hits apart).

    A cache hit's history entry has no ``usage``. The entries after the one that was last
    on entry are counted (by identity: a full history drops its oldest entry).
    """

    def __init__(self, lm: Any) -> None:
        self.lm = lm
        self.calls = self.cache_hits = 0

    def __enter__(self) -> CallCounter:
        history = self.lm.history
        self._last = history[-1] if history else None
        return self

    def __exit__(self, *exc: object) -> None:
        history = list(self.lm.history)
        start = next((i + 1 for i in range(len(history) - 1, -1, -1) if history[i] is self._last), 0)
        new = history[start:]
        self.cache_hits = sum(1 for entry in new if not entry.get("usage"))
        self.calls = len(new) - self.cache_hits


def run(args: argparse.Namespace) -> dict[str, Any]:
    from embtaskgen import EmbeddingTaskGenerator, GenerationSettings, evaluate, load_program, optimize, save_program

    categories = GenerationSettings(categories=args.categories.split(",")).categories
    # program=None: the untuned prompts (the default would load the shipped tuned program).
    generator = EmbeddingTaskGenerator(list(categories), lm=args.model, num_tasks=args.num_tasks, program=None)
    lm = generator.lm
    started = time.perf_counter()
    if hasattr(getattr(lm, "engine", None), "load"):
        lm.engine.load()
    load_seconds = time.perf_counter() - started
    optimizers = args.optimizers.split(",")
    result: dict[str, Any] = {
        "model": lm.model,
        "optimizers": optimizers,
        "budget": args.budget,
        "num_tasks": args.num_tasks,
        "heldout": None,  # evaluate's default held-out topics and seeds, as its first report names them
        "load_seconds": round(load_seconds, 1),
        "categories": {},
    }
    programs: dict[str, Any] = {}
    heldout: dict[str, Any] = {}
    total_calls = program_calls = 0
    for category in categories:
        row: dict[str, Any] = {}
        clock = time.perf_counter()
        with CallCounter(lm) as counter:
            report = evaluate(generator, [category])
        result["heldout"] = result["heldout"] or {"topics": report["topics"], "seeds": report["seeds"]}
        untuned = report["categories"][category]
        row["untuned"] = _brief(untuned)
        eval_calls = counter.calls
        for name in optimizers:
            clock_opt = time.perf_counter()
            with CallCounter(lm) as counter:
                tuned = optimize(generator, name, budget=args.budget, seed=args.seed, categories=[category])
                after = evaluate(tuned, [category])["categories"][category]
            stats = tuned.program_info["categories"][category]
            key = "tuned" if len(optimizers) == 1 else f"tuned_{name}"
            row[key] = {
                **_brief(after),
                "optimizer": name,
                "valset": stats["valset_score"],
                "optimization_program_calls": stats["program_calls"],
                "optimization_lm_calls": stats["lm_calls"],
                "seconds": round(time.perf_counter() - clock_opt, 1),
            }
            row[key]["ratio"] = {
                "score": _ratio(after["score"], untuned["score"]),
                "unique_on_category_per_call": _ratio(
                    after["unique_on_category_per_call"], untuned["unique_on_category_per_call"]
                ),
            }
            row[key]["meets_target"] = all(r is not None and r >= TARGET for r in row[key]["ratio"].values())
            eval_calls += counter.calls
            program_calls += stats["program_calls"]
            if name == optimizers[0]:
                programs[category] = tuned
                heldout[category] = {"untuned": _brief(untuned), "tuned": _brief(after)}
        row["lm_calls"] = eval_calls
        row["seconds"] = round(time.perf_counter() - clock, 1)
        total_calls += eval_calls
        result["categories"][category] = row
        logging.getLogger("benchmark").warning("%s: %s", category, json.dumps(row))

    # Save, reload and re-evaluate: the saved held-out score must come back.
    combined = EmbeddingTaskGenerator(list(categories), lm=lm, num_tasks=args.num_tasks, program=None)
    for category, tuned in programs.items():
        attribute = category.replace("-", "_")
        setattr(combined, attribute, getattr(tuned, attribute))
    first = next(iter(programs.values()))
    combined.program_info = {
        **first.program_info,
        "categories": {c: p.program_info["categories"][c] for c, p in programs.items()},
    }
    metadata = {"heldout": heldout, "heldout_split": result["heldout"], "benchmark": "benchmarks/optimize.py"}
    with tempfile.TemporaryDirectory() as tmp:
        path = save_program(combined, Path(tmp) / "program.json", metadata=metadata)
        reloaded = load_program(path, lm=lm, num_tasks=args.num_tasks)
        with CallCounter(lm) as counter:
            again = evaluate(reloaded, list(categories))["categories"]
        result["reload_reproduces"] = all(again[c]["score"] == heldout[c]["tuned"]["score"] for c in categories)
        result["reload_lm_calls"] = {"calls": counter.calls, "cache_hits": counter.cache_hits}
    if args.write_program:
        # Ship a category only if the tuned prompts beat the untuned ones on held-out calls in
        # both the metric score and the distinct on-category tasks per call.
        better = [
            c
            for c in categories
            if all(heldout[c]["tuned"][k] > heldout[c]["untuned"][k] for k in ("score", "unique_on_category_per_call"))
        ]
        if better:
            args.write_program.parent.mkdir(parents=True, exist_ok=True)
            # The loader ships a category whose held-out score improved: record only the
            # written ones as "heldout", the others apart.
            shipped = {
                **metadata,
                "heldout": {c: heldout[c] for c in better},
                "heldout_not_shipped": {c: heldout[c] for c in categories if c not in better},
            }
            save_program(combined, args.write_program, categories=better, metadata=shipped)
            result["written"] = {"path": str(args.write_program), "categories": better}
        else:
            result["written"] = {"path": None, "categories": []}
    result["total"] = {
        "seconds": round(time.perf_counter() - started, 1),
        "lm_calls": total_calls,
        "optimization_program_calls": program_calls,
    }
    return result


_NOT_PREDICTORS = ("embtaskgen", "metadata")


def merge(out: Path, results: list[Path]) -> dict[str, Any]:
    """Join the programs written by several runs (their printed JSON in ``results``) into ``out``."""
    from embtaskgen import read_program

    same = ("model", "metric_version", "optimizer", "budget", "seed", "adapter", "num_tasks", "heldout_split")
    info: dict[str, Any] = {}
    predictors: dict[str, Any] = {}
    not_shipped: dict[str, Any] = {}
    dependency_versions: dict[str, Any] = {}
    for result_path in results:
        result = json.loads(result_path.read_text(encoding="utf-8"))
        written = result.get("written") or {}
        state = read_program(written["path"]) if written.get("path") else {}
        run_info = state.get("embtaskgen", {})
        # A program stores its predictors in the order of its saved categories.
        attributes = dict(
            zip(run_info.get("saved_categories", []), [k for k in state if k not in _NOT_PREDICTORS], strict=False)
        )
        for category, row in result["categories"].items():
            if category not in (written.get("categories") or []):
                not_shipped[category] = {
                    "untuned": row["untuned"],
                    "tuned": {k: row["tuned"][k] for k in _KEYS if k in row["tuned"]},
                }
                continue
            if not info:
                info = {**run_info, "categories": {}, "heldout": {}, "base_instructions": {}, "saved_categories": []}
            if mismatch := [k for k in same if run_info.get(k) != info.get(k)]:
                raise SystemExit(f"{result_path}: {', '.join(mismatch)} differ from the first program merged")
            for key in ("categories", "heldout", "base_instructions"):
                info[key][category] = run_info[key][category]
            info["saved_categories"].append(category)
            predictors[attributes[category]] = state[attributes[category]]
            dependency_versions = state["metadata"]
    if not predictors:
        raise SystemExit(f"no run wrote a program; held-out figures: {json.dumps(not_shipped)}")
    info["heldout_not_shipped"] = not_shipped
    info["benchmark"] = "benchmarks/optimize.py --merge"
    state = {"embtaskgen": info, **predictors, "metadata": dependency_versions}
    text = json.dumps(state, indent=2, ensure_ascii=False) + "\n"
    checked = out.with_name(out.name + ".unchecked.json")
    checked.write_text(text, encoding="utf-8")
    try:
        read_program(checked)  # never write a program that would not load
        checked.replace(out)
    finally:
        checked.unlink(missing_ok=True)
    return {"written": {"path": str(out), "categories": info["saved_categories"]}, "not_shipped": sorted(not_shipped)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="model spec (default: the embedded default)")
    parser.add_argument("--categories", default="all")
    parser.add_argument(
        "--optimizers", default=None, help="comma-separated; the first one is saved (default: the library default)"
    )
    parser.add_argument("--budget", type=int, default=None, help="program calls per category")
    parser.add_argument("--num-tasks", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write-program", type=Path, default=None)
    parser.add_argument("--keep-cache", action="store_true", help="use the usual DSPy cache directory")
    parser.add_argument(
        "--merge",
        type=Path,
        nargs="+",
        metavar=("OUT", "RESULT"),
        help="join the programs of earlier runs (their printed JSON) into OUT; no model",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    if args.merge:
        if len(args.merge) < 2:
            parser.error("--merge needs OUT and at least one RESULT file")
        print(json.dumps(merge(args.merge[0], args.merge[1:]), indent=2))
        return 0
    if not args.keep_cache:
        os.environ["DSPY_CACHEDIR"] = tempfile.mkdtemp(prefix="embtaskgen-bench-cache-")
    from embtaskgen import optimize

    defaults = inspect.signature(optimize).parameters
    args.optimizers = args.optimizers or defaults["optimizer"].default
    args.budget = args.budget or defaults["budget"].default
    print(json.dumps(run(args), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
