"""What does the embedded default keep, how precise is it, how fast? (issue 15, item 7)

Runs the embedded model on all four categories, ``--generations`` calls per category
for each of ``--seeds``, through ``EmbeddingTaskGenerator`` as a user gets it (the
shipped tuned program, the library's levers, the precision gate with ``keep_rejected``),
and prints one JSON document:

    {"model", "settings", "per_category": {"<category>": {calls, parse_failures, returned,
       kept, kept_per_call, on_category_kept_per_call, seed_copies, gate_drops,
       gate_drop_samples, seconds_per_call}}, "overall": {...},
     "labelled": {"dev": ..., "heldout": ..., "all": ..., "per_category": ...}}

``kept`` is what the rows keep (cleaning and the precision gate); ``on_category_kept``
additionally passes the on-category rule (what the quality report counts);
``seed_copies`` counts kept tasks the report flags as copies of the seed pool (shown
apart; the gate drops near-copies already); ``gate_drops`` are the reasons of the tasks
the run returns as rejected, ``other_drops`` the rest of its drops. ``labelled`` is the
gate's precision and recall of "keep" against the hand-labelled set
(``tests/fixtures/labelled_tasks.jsonl``; the gate was tuned on its ``dev`` split;
``heldout`` is a later run's every task, kept and rejected, labelled blind; ``gated``
passed an early gate), for the gate alone, with the on-category rule, and with no gate
(the share a reader keeps): each labelled call is replayed as one call's answer through
``EmbeddingTaskGenerator`` (``keep_rejected``, the program the tasks were made with), so
the run's own cleaning and gate judge it.

``--rows FILE ...`` skips the model and reads rows a run wrote (``embtaskgen generate``
JSONL, one row per call, with their ``.summary.json`` for seconds), each row's tasks
replayed the same way with the shipped program: the "before" figures of a run made
without the gate, judged by the gate now. ``--adapter`` picks the generator's adapter
by name.

Usage (the embedded model must run alone):
    flock /tmp/embtaskgen-bench.lock python benchmarks/embedded_quality.py --seeds 101,202,303 --generations 5
    python benchmarks/embedded_quality.py --rows run1.jsonl run2.jsonl   # no model
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from embtaskgen import CATEGORIES, EmbeddingTaskGenerator, load_local_lm, score_tasks

logger = logging.getLogger("embedded_quality")

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "fixtures" / "labelled_tasks.jsonl"
#: The program the labelled tasks were generated with: its demos are what "prompt_copy"
#: means for them, whatever program ships now.
LABELLED_PROGRAM = ROOT / "tests" / "fixtures" / "labelled_tasks_program.json"


class _ReplayEngine:
    """A DSPy engine that answers every call with the list in ``self.tasks``."""

    tasks: list[str] = []

    def complete(self, request: Any) -> Any:
        from dspy.lm15 import Message, Response, TextPart, Usage

        text = "[[ ## tasks ## ]]\n" + json.dumps(self.tasks) + "\n\n[[ ## completed ## ]]"
        return Response(
            id=None,
            model="replay",
            message=Message.assistant([TextPart(text)]),
            finish_reason="stop",
            usage=Usage(input_tokens=0, output_tokens=0),
        )

    def close(self) -> None:
        pass


def replay(calls: list[tuple[str, list[str]]], program: str | Path | None) -> list[Any]:
    """Each ``(category, tasks)`` through ``EmbeddingTaskGenerator`` as one call's answer.

    The run's own cleaning and precision gate (``keep_rejected``) judge the tasks, with the
    demos of ``program`` as the prompts' shown examples; returns one prediction per call.
    """
    import dspy

    engine = _ReplayEngine()
    lm = dspy.LM("replay/tasks", engine=engine, cache=False)
    predictions = []
    for category, tasks in calls:
        engine.tasks = tasks
        generator = EmbeddingTaskGenerator(
            category, num_generations=1, lm=lm, keep_rejected=True, program=program, concurrency=1
        )
        predictions.append(generator())
    return predictions


def _parts(task: str, category: str) -> dict[str, float]:
    """``score_tasks``'s parts for one task (``on_category`` 1.0: on-category; ``novelty`` 0.0: a seed-task copy)."""
    return score_tasks([task], category, num_tasks=1).parts


class _Tally:
    """Figures of one category over all seeds."""

    def __init__(self) -> None:
        self.calls = self.failures = self.returned = 0
        self.seconds = 0.0
        self.kept: list[str] = []
        self.drops: Counter[str] = Counter()
        self.samples: dict[str, list[str]] = defaultdict(list)

    def report(self, category: str, samples: int, seed: int) -> dict[str, Any]:
        calls = max(1, self.calls)
        on_cat = [t for t in self.kept if _parts(t, category)["on_category"] == 1.0]
        rng = random.Random(f"{seed}|{category}")
        return {
            "calls": self.calls,
            "parse_failures": self.failures,
            "returned": self.returned,
            "kept": len(self.kept),
            "kept_per_call": round(len(self.kept) / calls, 2),
            "on_category_kept_per_call": round(len(on_cat) / calls, 2),
            "seed_copies": sum(1 for t in self.kept if _parts(t, category)["novelty"] == 0.0),
            "gate_drops": {r: self.drops[r] for r in sorted(self.samples) if self.drops[r]},
            "other_drops": {r: n for r, n in sorted(self.drops.items()) if r not in self.samples and n},
            "gate_drop_samples": {r: rng.sample(ts, min(samples, len(ts))) for r, ts in sorted(self.samples.items())},
            "kept_samples": rng.sample(self.kept, min(samples, len(self.kept))),
            "seconds_per_call": round(self.seconds / calls, 2) if self.seconds else None,
        }


def _overall(per: dict[str, dict[str, Any]]) -> dict[str, Any]:
    calls = sum(r["calls"] for r in per.values()) or 1
    drops: Counter[str] = Counter()
    for r in per.values():
        drops.update(r["gate_drops"])
    timed = [r for r in per.values() if r["seconds_per_call"] is not None]
    return {
        "calls": calls,
        "kept_per_call": round(sum(r["kept"] for r in per.values()) / calls, 2),
        "on_category_kept_per_call": round(
            sum(r["on_category_kept_per_call"] * r["calls"] for r in per.values()) / calls, 2
        ),
        "seed_copies": sum(r["seed_copies"] for r in per.values()),
        "gate_drops": dict(drops),
        "seconds_per_call": round(
            sum(r["seconds_per_call"] * r["calls"] for r in timed) / max(1, sum(r["calls"] for r in timed)), 2
        )
        if timed
        else None,
    }


def run_model(
    spec: str, seeds: list[int], generations: int, adapter: str | None, program: str | None
) -> tuple[dict[str, _Tally], dict[str, Any]]:
    """Generate with the embedded model; tally kept tasks and gate drops per category."""
    lm = load_local_lm(spec, cache=False)
    lm.engine.load()  # before the clock starts
    tallies = {c: _Tally() for c in CATEGORIES}
    settings: dict[str, Any] = {
        "model": lm.model,
        "seeds": seeds,
        "generations": generations,
        "adapter": adapter or "auto",
        "program": program,
    }
    for seed in seeds:
        for category in CATEGORIES:
            generator = EmbeddingTaskGenerator(
                category,
                num_generations=generations,
                seed=seed,
                lm=lm,
                keep_rejected=True,
                program=program,
                adapter=adapter,
            )
            started = time.perf_counter()
            prediction = generator()
            tally = tallies[category]
            tally.seconds += time.perf_counter() - started
            tally.calls += prediction.stats["calls"]
            tally.failures += prediction.stats["parse_failures"]
            tally.returned += prediction.stats["returned"]
            tally.kept.extend(prediction.tasks)
            tally.drops.update(prediction.stats["dropped"])
            for reject in prediction.rejected:
                tally.samples[reject["reason"]].append(reject["task"])
            settings["program_info"] = generator.program_info or None
            logger.info(
                "seed %s %s: kept %s of %s", seed, category, len(prediction.tasks), prediction.stats["returned"]
            )
    return tallies, settings


def read_rows(paths: list[Path]) -> tuple[dict[str, _Tally], dict[str, Any]]:
    """Tally rows a run wrote, each row's tasks judged again by a run now (shipped program)."""
    tallies = {c: _Tally() for c in CATEGORIES}
    for path in paths:
        summary = Path(f"{path}.summary.json")
        seconds = json.loads(summary.read_text())["seconds"] if summary.exists() else 0.0
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        judged = replay([(row["category"], list(row["tasks"])) for row in rows], "default")
        for row, prediction in zip(rows, judged, strict=True):
            tally = tallies[row["category"]]
            tally.calls += 1
            tally.seconds += seconds / max(1, len(rows))
            meta = row.get("metadata") or {}
            tally.failures += bool(meta.get("parse_failure"))
            tally.returned += meta.get("returned", len(row["tasks"]))
            tally.drops.update(meta.get("dropped", {}))
            tally.kept.extend(prediction.tasks)
            for reject in prediction.rejected:
                tally.drops[reject["reason"]] += 1
                tally.samples[reject["reason"]].append(reject["task"])
    return tallies, {"rows": [str(p) for p in paths], "gate": "a run's judgement applied again to the rows' tasks"}


def _figures(pairs: list[tuple[bool, bool]]) -> dict[str, Any]:
    kept = sum(1 for ok, _ in pairs if ok)
    agreed = sum(1 for ok, keep in pairs if ok and keep)
    keeps = sum(1 for _, keep in pairs if keep)
    return {
        "kept": kept,
        "precision": round(agreed / kept, 3) if kept else 0.0,
        "recall": round(agreed / keeps, 3) if keeps else 0.0,
    }


def _agreement(judged: list[tuple[dict[str, Any], bool, str | None]]) -> dict[str, Any]:
    """Precision and recall of "keep" for the run, the run with the on-category rule, and no gate."""
    reasons: dict[str, dict[str, int]] = defaultdict(lambda: {"keep": 0, "drop": 0})
    for row, _, reason in judged:
        if reason:
            reasons[reason][row["label"]] += 1
    pairs = [(kept, row["label"] == "keep") for row, kept, _ in judged]
    on_cat = [
        (kept and _parts(row["task"], row["category"])["on_category"] == 1.0, row["label"] == "keep")
        for row, kept, _ in judged
    ]
    return {
        "tasks": len(judged),
        "labelled_keep": sum(keep for _, keep in pairs),
        "gate": _figures(pairs),
        "gate_on_category": _figures(on_cat),
        "none": _figures([(True, keep) for _, keep in pairs]),
        "reasons": {reason: dict(counts) for reason, counts in sorted(reasons.items())},
    }


def labelled_figures(path: Path) -> dict[str, Any]:
    """A run's judgement against the hand labels: per split, overall, and per category.

    Each labelled call (category, seed, generation) is replayed as one call's answer
    through the generator with the program the tasks were made with.
    """
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    calls: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        calls[(row["category"], row.get("seed"), row.get("generation"))].append(row)
    keys = list(calls)
    predictions = replay([(key[0], [r["task"] for r in calls[key]]) for key in keys], LABELLED_PROGRAM)
    verdict: dict[int, tuple[bool, str | None]] = {}
    for key, prediction in zip(keys, predictions, strict=True):
        kept = set(prediction.tasks)
        rejected = {r["task"]: r["reason"] for r in prediction.rejected}
        for row in calls[key]:
            verdict[id(row)] = (row["task"] in kept, rejected.get(row["task"]))
    judged = [(row, *verdict[id(row)]) for row in rows]
    figures: dict[str, Any] = {}
    for split in ("dev", "heldout", "gated"):
        part = [j for j in judged if j[0].get("split") == split]
        if part:
            figures[split] = _agreement(part)
    figures["all"] = _agreement(judged)
    figures["per_category"] = {c: _agreement([j for j in judged if j[0]["category"] == c]) for c in CATEGORIES}
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="gemma-3-270m", help="local model spec (name or .gguf)")
    parser.add_argument("--seeds", default="101,202,303", help="comma-separated run seeds")
    parser.add_argument("--generations", type=int, default=5, help="calls per category per seed")
    parser.add_argument("--program", default="default", help="'default', 'none' or a program file")
    parser.add_argument(
        "--adapter", choices=("auto", "chat", "json", "compact"), default="auto", help="the generator's adapter="
    )
    parser.add_argument("--rows", type=Path, nargs="*", help="judge these run files instead of running the model")
    parser.add_argument("--labelled", type=Path, default=LABELLED)
    parser.add_argument("--samples", type=int, default=3, help="sampled tasks per drop reason and category")
    parser.add_argument("-o", "--output", type=Path, help="also write the JSON here")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    if args.rows:
        tallies, settings = read_rows(args.rows)
    else:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
        program = None if args.program == "none" else args.program
        tallies, settings = run_model(args.model, seeds, args.generations, args.adapter, program)
    per = {c: tallies[c].report(c, args.samples, 0) for c in CATEGORIES}
    result = {
        "settings": settings,
        "per_category": per,
        "overall": _overall(per),
        "labelled": labelled_figures(args.labelled) if args.labelled.exists() else None,
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
