"""Fit the checks on the labelled sets and measure them on the held-out splits.

:func:`calibrate_checks` is what ``benchmarks/fit_checks.py`` prints and what the docs'
tables come from (``docs/quality/checks.md``): the task scorer fitted on the labelled
tasks' ``dev`` split, its floor chosen on out-of-fold scores; the floors of the example
checks fitted on the ``fit`` splits of the labelled examples and the planted set; every
split measured with the shipped floors; optionally a judge's verdicts against the
reader's.

Example:
    >>> figures = calibrate_checks(tasks=None, examples=None, planted=None)  # nothing asked: nothing measured
    >>> figures
    {}
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from embtaskgen.checks.fitting import fit_floors
from embtaskgen.checks.glued import GluedWordChecks
from embtaskgen.checks.judge import Judge
from embtaskgen.checks.labelled import evaluate_checks, evaluate_planted, read_labelled_rows
from embtaskgen.checks.registry import Checker, default_families
from embtaskgen.checks.similarity import Similarity
from embtaskgen.checks.task_scorer import SHIPPED_SCORER, TaskScorer
from embtaskgen.checks.tasks import TaskEmbedChecks, TaskFormChecks
from embtaskgen.quality.semantic import Embedder

__all__ = ["calibrate_checks", "task_gate"]

Path_ = str | os.PathLike[str]
_FOLDS = 5


def task_gate(program: Path_ | None = None) -> Any:
    """The precision gate with the demos of ``program`` (the one the labelled tasks were made
    with: its demos are what "a copy of a prompt example" means for them) among its examples."""
    from embtaskgen.brainstorm.prompt_demos import demo_tasks, gate_for
    from embtaskgen.signatures.categories import PREDICTOR_NAMES

    gate = gate_for()
    if program is not None:
        state = json.loads(Path(program).read_text(encoding="utf-8"))
        for category, name in PREDICTOR_NAMES.items():
            if name in state:
                gate.add_shown(category, demo_tasks(state[name]["demos"]))
    return gate


def _task_checker(embedder: Embedder, levels: tuple[str, ...], gate: Any, embed: TaskEmbedChecks) -> Checker:
    return Checker(levels, embedder=embedder, families=[TaskFormChecks(gate=gate), embed, GluedWordChecks()])


def _fit_tasks(
    path: Path_, program: Path_ | None, embedder: Embedder, penalty: float, min_recall: float, write: bool
) -> dict[str, Any]:
    rows = read_labelled_rows(path, key="label")
    dev = [r for r in rows if r["split"] == "dev"]
    vectors = np.asarray(embedder([r["task"] for r in dev]))
    cats = [r["category"] for r in dev]
    keep = np.array([r["label"] == "keep" for r in dev])
    gate = task_gate(program)
    passed = np.array([f["passed"] for f in _task_checker(embedder, ("form",), gate, TaskEmbedChecks()).check(dev)])
    out_of_fold = np.zeros(len(dev))
    folds = np.arange(len(dev)) % _FOLDS
    for fold in range(_FOLDS):
        train = folds != fold
        chosen = [c for c, t in zip(cats, train, strict=True) if t]
        scorer = TaskScorer.fit(vectors[train], chosen, keep[train], penalty=penalty)
        out_of_fold[~train] = scorer.score(vectors[~train], [c for c, t in zip(cats, ~train, strict=True) if t])
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
    figures: dict[str, Any] = {"penalty": penalty, "floor": best[1], "dev_out_of_fold_precision": round(best[0], 3)}
    embed = TaskEmbedChecks(floor={"task_scored_low": best[1]})
    embed.__dict__["scorer"] = scorer  # the scorer just fitted (the shipped one after --write)
    for split in ("dev", "heldout", "gated"):
        part = [r for r in rows if r["split"] == split]
        for name, levels in (("form", ("form",)), ("form+embed", ("form", "embed"))):
            checker = _task_checker(embedder, levels, gate, embed)
            figures[f"{split} {name}"] = evaluate_checks(part, checker, key="label")["kept"]
    return figures


def _fit_examples(examples: Path_, planted: Path_, embedder: Embedder, min_recall: float) -> dict[str, Any]:
    rows = read_labelled_rows(examples)
    spoiled = read_labelled_rows(planted)
    fit = [r for r in [*rows, *spoiled] if r["split"] == "fit"]
    sim = Similarity(embedder)
    fitted, shipped = {}, {}
    for family in default_families():
        if hasattr(family, "FITTED") and family.kinds != frozenset({"task"}):
            fitted[family.name] = fit_floors(fit, family, sim, min_recall=min_recall)
            shipped[family.name] = family.floors()
    figures: dict[str, Any] = {"fitted_floors": fitted, "shipped_floors": shipped}
    for split in ("fit", "heldout"):
        part = [r for r in rows if r["split"] == split]
        for levels in (("form",), ("form", "embed")):
            figures[f"{split} {'+'.join(levels)}"] = evaluate_checks(part, Checker(levels, embedder=embedder))
        part = [r for r in spoiled if r["split"] == split]
        for levels in (("form",), ("form", "embed")):
            figures[f"planted {split} {'+'.join(levels)}"] = evaluate_planted(part, Checker(levels, embedder=embedder))
    return figures


def _judge(examples: Path_, model: str, count: int, api_base: str | None) -> dict[str, Any]:
    rows = [r for r in read_labelled_rows(examples) if r["split"] == "heldout"][:count]
    judge = Judge(model, api_base=api_base)
    started = time.perf_counter()
    figures = evaluate_checks(rows, Checker(("judge",), judge=judge, families=[]))
    seconds = time.perf_counter() - started
    usage = dict(judge.usage)
    return {"model": judge.model_name, "rows": len(rows), "verdicts": dict(judge.verdicts),
            "seconds_per_row": round(seconds / max(len(rows), 1), 2), "usage": usage, **figures}  # fmt: skip


def calibrate_checks(
    *,
    tasks: Path_ | None = None,
    task_program: Path_ | None = None,
    examples: Path_ | None = None,
    planted: Path_ | None = None,
    embedder: Embedder | None = None,
    penalty: float = 1.0,
    task_min_recall: float = 0.7,
    check_min_recall: float = 0.95,
    write_scorer: bool = False,
    judge: str | None = None,
    judge_api_base: str | None = None,
    judge_rows: int = 20,
) -> dict[str, Any]:
    """Fit and measure the checks against the labelled sets given (``None``: skipped).

    Args:
        tasks: Labelled tasks (``label`` keep/drop, ``split`` dev/heldout/gated).
        task_program: The program the labelled tasks were generated with (its demos).
        examples: Labelled examples (``reader``, ``reader_reason``, ``split`` fit/heldout).
        planted: The planted set (``planted``, ``reader``, ``split``); needed with ``examples``.
        embedder: ``texts -> (n, d)``; ``None`` loads all-MiniLM-L6-v2.
        penalty: L2 penalty of the task scorer.
        task_min_recall: Recall of the dev keeps the task scorer's floor must keep.
        check_min_recall: Recall of the keeps each example check's floor must keep alone.
        write_scorer: Replace the shipped task scorer with the one fitted.
        judge: A judge model to grade the first ``judge_rows`` held-out examples with.
        judge_api_base: The judge's server.
        judge_rows: How many held-out examples the judge grades.

    Returns:
        ``{"tasks": ..., "examples": ..., "judge": ...}`` for what was asked.
    """
    result: dict[str, Any] = {}
    if (tasks or examples) and embedder is None:
        from embtaskgen.quality.semantic import load_default_embedder

        embedder = load_default_embedder()
    if tasks is not None and embedder is not None:
        result["tasks"] = _fit_tasks(tasks, task_program, embedder, penalty, task_min_recall, write_scorer)
    if examples is not None and planted is not None and embedder is not None:
        result["examples"] = _fit_examples(examples, planted, embedder, check_min_recall)
    if judge is not None and examples is not None:
        result["judge"] = _judge(examples, judge, judge_rows, judge_api_base)
    return result
