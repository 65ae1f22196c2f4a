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
apart; the gate drops near-copies already). ``labelled`` is the gate's precision and
recall of "keep" against the hand-labelled set (``tests/fixtures/labelled_tasks.jsonl``;
the gate was tuned on its ``dev`` split; ``heldout`` is a later run's every task, kept
and rejected, labelled blind; ``gated`` passed an early gate), for the gate alone, with
the on-category rule, and with no gate (the share a reader keeps).

``--rows FILE ...`` skips the model and reads rows a run wrote (``embtaskgen generate``
JSONL, one row per call, with their ``.summary.json`` for seconds): the "before"
figures of a run made without the gate, judged by the gate now.

Usage (the embedded model must run alone):
    flock /tmp/embtaskgen-model.lock python benchmarks/embedded_quality.py --seeds 101,202,303 --generations 5
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

from embtaskgen import CATEGORIES, LOCAL_MODELS, EmbeddingTaskGenerator, load_local_lm, score_tasks

# Internal on purpose: this benchmark audits the precision gate and the embedded model's adapter.
from embtaskgen.brainstorm.precision_gate import GATE_REASONS
from embtaskgen.brainstorm.prompt_demos import demo_tasks, gate_for
from embtaskgen.embedded.adapter import CompactListAdapter
from embtaskgen.quality.gate_labels import evaluate_gate, read_labelled
from embtaskgen.signatures.categories import PREDICTOR_NAMES

logger = logging.getLogger("embedded_quality")

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "fixtures" / "labelled_tasks.jsonl"
SHIPPED = ROOT / "embtaskgen" / "tune" / "programs" / "default.json"
#: The program the labelled tasks were generated with: its demos are what "prompt_copy"
#: means for them, whatever program ships now.
LABELLED_PROGRAM = ROOT / "tests" / "fixtures" / "labelled_tasks_program.json"
_ADAPTER_KEYS = (
    "style",
    "num_examples",
    "example_size",
    "max_items",
    "min_items",
    "min_chars",
    "max_chars",
    "item_end",
)


def _shipped_demos(program: Path = SHIPPED) -> dict[str, list[str]]:
    state = json.loads(program.read_text(encoding="utf-8"))
    return {c: demo_tasks(state[n].get("demos", [])) for c, n in PREDICTOR_NAMES.items() if n in state}


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
            "gate_drops": {r: self.drops[r] for r in GATE_REASONS if self.drops[r]},
            "other_drops": {r: n for r, n in self.drops.items() if r not in GATE_REASONS and n},
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
    spec: str, seeds: list[int], generations: int, adapter_options: dict[str, Any], program: str | None
) -> tuple[dict[str, _Tally], dict[str, Any]]:
    """Generate with the embedded model; tally kept tasks and gate drops per category."""
    lm = load_local_lm(spec, cache=False)
    lm.engine.load()  # before the clock starts
    adapter = CompactListAdapter(**adapter_options) if adapter_options else None
    tallies = {c: _Tally() for c in CATEGORIES}
    settings: dict[str, Any] = {
        "model": lm.model,
        "seeds": seeds,
        "generations": generations,
        "adapter_options": adapter_options,
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
    """Tally rows a run wrote, judging every kept task by the gate now (with the shipped demos)."""
    gate = gate_for()
    for category, tasks in _shipped_demos().items():
        gate.add_shown(category, tasks)
    tallies = {c: _Tally() for c in CATEGORIES}
    for path in paths:
        summary = Path(f"{path}.summary.json")
        seconds = json.loads(summary.read_text())["seconds"] if summary.exists() else 0.0
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for row in rows:
            tally = tallies[row["category"]]
            tally.calls += 1
            tally.seconds += seconds / max(1, len(rows))
            meta = row.get("metadata") or {}
            tally.failures += bool(meta.get("parse_failure"))
            tally.returned += meta.get("returned", len(row["tasks"]))
            tally.drops.update(meta.get("dropped", {}))
            earlier: list[str] = []
            for task in row["tasks"]:
                verdict = gate.check(task, row["category"], earlier)
                earlier.append(task)
                if verdict:
                    tally.kept.append(task)
                else:
                    tally.drops[verdict.reason] += 1
                    tally.samples[verdict.reason].append(task)
    return tallies, {"rows": [str(p) for p in paths], "gate": "applied offline to the rows' tasks"}


def labelled_figures(path: Path) -> dict[str, Any]:
    """The gate against the hand labels: per split, overall, and per category."""
    rows = read_labelled(path)
    demos = _shipped_demos(LABELLED_PROGRAM)
    figures: dict[str, Any] = {}
    for split in ("dev", "heldout", "gated"):
        part = [r for r in rows if r.get("split") == split]
        if part:
            figures[split] = evaluate_gate(part, demos=demos)
    figures["all"] = evaluate_gate(rows, demos=demos)
    figures["per_category"] = {
        c: evaluate_gate([r for r in rows if r["category"] == c], demos=demos) for c in CATEGORIES
    }
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="gemma-3-270m", help="local model spec (name or .gguf)")
    parser.add_argument("--seeds", default="101,202,303", help="comma-separated run seeds")
    parser.add_argument("--generations", type=int, default=5, help="calls per category per seed")
    parser.add_argument("--program", default="default", help="'default', 'none' or a program file")
    parser.add_argument(
        "--adapter-options",
        type=json.loads,
        default={},
        help='CompactListAdapter settings, e.g. {"max_chars": 200, "item_end": "any"}',
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
        adapter_options = dict(args.adapter_options)
        if adapter_options:  # on top of the catalog's settings for the model
            adapter_options = {**LOCAL_MODELS[args.model].adapter_options, "style": "completion", **adapter_options}
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
        program = None if args.program == "none" else args.program
        tallies, settings = run_model(args.model, seeds, args.generations, adapter_options, program)
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
