"""Fit the checks on the labelled sets and measure them on the held-out splits; print JSON.

``--tasks``: the task scorer (:mod:`embtaskgen.checks.task_scorer`) is fitted on the
``dev`` split of the 825 hand-labelled tasks (``tests/fixtures/labelled_tasks.jsonl``)
with all-MiniLM-L6-v2 and written to ``embtaskgen/checks/task_scorer.json`` (``--write``);
its floor is the one whose out-of-fold scores on dev (5 folds) keep the most precisely at
a recall of at least ``--task-min-recall`` (0.7) among the tasks the gate and the
on-category rule keep. ``--examples``: the floors of the embed checks (and of ``repetitive``) are fitted on the
``fit`` splits of the labelled examples (``tests/fixtures/labelled_examples.jsonl``) and of
the planted set (its even-numbered coherent examples and their plants) by
:func:`embtaskgen.checks.fitting.fit_floors` (each keeping ``--check-min-recall``, 0.95, of
the reader's keeps alone). Both then measure every split and the
planted set (``tests/fixtures/planted_examples.jsonl``) with the shipped floors, as
:mod:`embtaskgen.checks.labelled` does.

``--judge MODEL`` grades the first ``--judge-rows`` held-out labelled examples with a judge
model and compares its verdicts with the reader's (``local``: the embedded default, under
the bench lock).

Usage:
    python benchmarks/fit_checks.py --tasks --examples
    flock /tmp/embtaskgen-bench.lock python benchmarks/fit_checks.py --judge local --judge-rows 20
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LABELLED_TASKS = ROOT / "tests" / "fixtures" / "labelled_tasks.jsonl"
TASK_PROGRAM = ROOT / "tests" / "fixtures" / "labelled_tasks_program.json"
LABELLED_EXAMPLES = ROOT / "tests" / "fixtures" / "labelled_examples.jsonl"
PLANTED = ROOT / "tests" / "fixtures" / "planted_examples.jsonl"


def task_gate() -> Any:
    """The gate of the program the labelled tasks were made with (its demos are prompt copies)."""
    from embtaskgen.brainstorm.prompt_demos import demo_tasks, gate_for
    from embtaskgen.signatures.categories import PREDICTOR_NAMES

    state = json.loads(TASK_PROGRAM.read_text(encoding="utf-8"))
    gate = gate_for()
    for category, name in PREDICTOR_NAMES.items():
        if name in state:
            gate.add_shown(category, demo_tasks(state[name]["demos"]))
    return gate


def task_checker(embedder: Any, levels: tuple[str, ...] = ("form", "embed"), **floor: float) -> Any:
    from embtaskgen.checks.glued import GluedWordChecks
    from embtaskgen.checks.registry import Checker
    from embtaskgen.checks.tasks import TaskEmbedChecks, TaskFormChecks

    families = [TaskFormChecks(gate=task_gate()), TaskEmbedChecks(floor=floor), GluedWordChecks()]
    return Checker(levels, embedder=embedder, families=families)


def fit_tasks(embedder: Any, penalty: float, min_recall: float, write: bool) -> dict[str, Any]:
    from embtaskgen.checks.labelled import evaluate_checks, read_labelled_rows
    from embtaskgen.checks.task_scorer import SHIPPED_SCORER, TaskScorer

    rows = read_labelled_rows(LABELLED_TASKS, key="label")
    dev = [r for r in rows if r["split"] == "dev"]
    vectors = np.asarray(embedder([r["task"] for r in dev]))
    cats = [r["category"] for r in dev]
    keep = np.array([r["label"] == "keep" for r in dev])
    form = task_checker(embedder, ("form",)).check(dev)
    out_of_fold = np.zeros(len(dev))
    folds = np.arange(len(dev)) % 5
    for fold in range(5):
        train = folds != fold
        chosen = [c for c, t in zip(cats, train, strict=True) if t]
        scorer = TaskScorer.fit(vectors[train], chosen, keep[train], penalty=penalty)
        out_of_fold[~train] = scorer.score(vectors[~train], [c for c, t in zip(cats, ~train, strict=True) if t])
    passed = np.array([f["passed"] for f in form])
    best = (0.0, 0.0)
    for floor in np.arange(0.05, 0.9, 0.01):
        kept = passed & (out_of_fold >= floor)
        if (kept & keep).sum() < min_recall * keep.sum():
            break
        precision = (kept & keep).sum() / max(kept.sum(), 1)
        if precision > best[0] + 1e-9:
            best = (float(precision), round(float(floor), 2))
    scorer = TaskScorer.fit(vectors, cats, keep, penalty=penalty, model="sentence-transformers/all-MiniLM-L6-v2")
    if write:
        scorer.save(SHIPPED_SCORER)
    figures = {"penalty": penalty, "floor": best[1], "dev_out_of_fold_precision": round(best[0], 3)}
    for split in ("dev", "heldout", "gated"):
        part = [r for r in rows if r["split"] == split]
        for name, checker in (
            ("form", task_checker(embedder, ("form",))),
            ("form+embed", task_checker(embedder, task_scored_low=best[1])),
        ):
            if name == "form+embed" and not write:
                from embtaskgen.checks.tasks import TaskEmbedChecks

                checker.families[1] = TaskEmbedChecks(floor={"task_scored_low": best[1]})
                checker.families[1].__dict__["scorer"] = scorer
            figures[f"{split} {name}"] = evaluate_checks(part, checker, key="label")["kept"]
    return figures


def fit_examples(embedder: Any, min_recall: float) -> dict[str, Any]:
    from embtaskgen.checks.fitting import fit_floors
    from embtaskgen.checks.labelled import evaluate_checks, evaluate_planted, read_labelled_rows
    from embtaskgen.checks.registry import Checker, default_families
    from embtaskgen.checks.similarity import Similarity

    rows = read_labelled_rows(LABELLED_EXAMPLES)
    planted = read_labelled_rows(PLANTED)
    fit = [r for r in [*rows, *planted] if r["split"] == "fit"]
    sim = Similarity(embedder)
    fitted = {}
    for family in default_families():
        if hasattr(family, "FITTED") and family.kinds != frozenset({"task"}):
            fitted[family.name] = fit_floors(fit, family, sim, min_recall=min_recall)
    figures: dict[str, Any] = {"fitted_floors": fitted, "shipped_floors": {}}
    for family in default_families():
        if hasattr(family, "FITTED") and family.kinds != frozenset({"task"}):
            figures["shipped_floors"][family.name] = family.floors()
    for split in ("fit", "heldout"):
        part = [r for r in rows if r["split"] == split]
        for levels in (("form",), ("form", "embed")):
            figures[f"{split} {'+'.join(levels)}"] = evaluate_checks(part, Checker(levels, embedder=embedder))
    for split in ("fit", "heldout"):
        part = [r for r in planted if r["split"] == split]
        for levels in (("form",), ("form", "embed")):
            figures[f"planted {split} {'+'.join(levels)}"] = evaluate_planted(part, Checker(levels, embedder=embedder))
    return figures


def judge_examples(model: str, count: int, api_base: str | None) -> dict[str, Any]:
    """The judge's verdicts on the first ``count`` held-out labelled examples, against the reader's."""
    import time

    from embtaskgen.checks.judge import Judge
    from embtaskgen.checks.labelled import evaluate_checks, read_labelled_rows
    from embtaskgen.checks.registry import Checker

    rows = [r for r in read_labelled_rows(LABELLED_EXAMPLES) if r["split"] == "heldout"][:count]
    judge = Judge(model, api_base=api_base)
    started = time.perf_counter()
    figures = evaluate_checks(rows, Checker(("judge",), judge=judge, families=[]))
    seconds = time.perf_counter() - started
    return {
        "model": judge.model_name,
        "rows": len(rows),
        "verdicts": dict(judge.verdicts),
        "seconds_per_row": round(seconds / max(len(rows), 1), 2),
        "usage": dict(judge.usage),
        **figures,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", action="store_true", help="Fit and measure the task scorer.")
    parser.add_argument("--examples", action="store_true", help="Fit and measure the example checks.")
    parser.add_argument("--write", action="store_true", help="Write the fitted task scorer into the package.")
    parser.add_argument("--penalty", type=float, default=1.0, help="L2 penalty of the task scorer.")
    parser.add_argument(
        "--task-min-recall", type=float, default=0.7, help="Recall of keeps the task scorer's floor must keep (on dev)."
    )
    parser.add_argument(
        "--check-min-recall", type=float, default=0.95, help="Recall of keeps each example check's floor must keep."
    )
    parser.add_argument("--judge", default=None, help="Grade held-out labelled examples with this model.")
    parser.add_argument("--judge-api-base", default=None, help="The judge's OpenAI-compatible server.")
    parser.add_argument("--judge-rows", type=int, default=20, help="How many held-out examples the judge grades.")
    args = parser.parse_args(argv)
    from embtaskgen.quality.semantic import load_default_embedder

    embedder = load_default_embedder()
    result: dict[str, Any] = {}
    if args.tasks:
        result["tasks"] = fit_tasks(embedder, args.penalty, args.task_min_recall, args.write)
    if args.examples:
        result["examples"] = fit_examples(embedder, args.check_min_recall)
    if args.judge:
        result["judge"] = judge_examples(args.judge, args.judge_rows, args.judge_api_base)
    json.dump(result, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
