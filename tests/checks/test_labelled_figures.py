"""The checks against the labelled sets: the figures docs/quality/checks.md gives, held.

Fast: the labelled sets are what the docs say (sizes, kinds, reasons, splits, planted
kinds). Slow (all-MiniLM-L6-v2): on the held-out splits the checks keep at least their
measured precision at their measured recall, against the labelled stage-2 examples, the
planted mismatches and the 825 labelled tasks. A change that makes the checks agree less
with the reader fails here.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from embtaskgen.brainstorm.prompt_demos import demo_tasks, gate_for
from embtaskgen.checks.glued import GluedWordChecks
from embtaskgen.checks.labelled import DROP_REASONS, evaluate_checks, evaluate_planted, read_labelled_rows
from embtaskgen.checks.registry import Checker
from embtaskgen.checks.tasks import TaskEmbedChecks, TaskFormChecks
from embtaskgen.examples.kinds import EXAMPLE_KINDS
from embtaskgen.signatures.categories import PREDICTOR_NAMES

ROOT = Path(__file__).resolve().parents[2]
# The figures measured when the checks shipped (docs/quality/checks.md), rounded down.
EX_PRECISION, EX_RECALL = 0.32, 0.96  # held-out labelled examples, form + embed (base rate 0.169)
EX_LIFT = 1.9  # precision over base rate (the target was 2: missed, docs/quality/checks.md says why)
PLANTED_FLAGGED, COHERENT_PASSED = 0.83, 0.97  # held-out half of the planted set
TASK_PRECISION, TASK_RECALL = 0.61, 0.85  # held-out labelled tasks (base rate 0.234)
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = read_labelled_rows(FIXTURES / "labelled_examples.jsonl")
PLANTED = read_labelled_rows(FIXTURES / "planted_examples.jsonl")


def test_the_labelled_examples_are_real_rows_of_every_kind_with_a_reason_per_drop():
    assert len(EXAMPLES) >= 300
    assert {r["kind"] for r in EXAMPLES} == set(EXAMPLE_KINDS)
    assert all(r["reader_reason"] in DROP_REASONS for r in EXAMPLES if r["reader"] == "drop")
    assert {r["model_name"] for r in EXAMPLES} == {"local/gemma-3-270m-q4_k_m-a5fd3b62"}
    assert Counter(r["split"] for r in EXAMPLES).keys() == {"fit", "heldout"}


def test_the_planted_set_pairs_each_coherent_example_with_its_spoiled_twin():
    coherent = {r["id"]: r for r in PLANTED if r["planted"] is None}
    planted = [r for r in PLANTED if r["planted"] is not None]
    assert len(coherent) == len(planted) >= 40
    assert {r["planted"] for r in planted} == {"swapped_positive", "pair_of_two", "foreign_label"}
    for row in planted:
        source, other = (coherent[i] for i in row["planted_from"])
        changed = {k for k in row if row[k] != source.get(k)} - {
            "id",
            "planted",
            "planted_from",
            "reader",
            "reader_reason",
        }
        assert len(changed) == 1 and row[changed.pop()] in other.values()


@pytest.fixture(scope="module")
def embedder():
    from embtaskgen.quality.semantic import load_default_embedder

    return load_default_embedder()


def _task_gate():
    """The gate of the program the labelled tasks were made with (its demos are prompt copies)."""
    state = json.loads((FIXTURES / "labelled_tasks_program.json").read_text(encoding="utf-8"))
    gate = gate_for()
    for category, name in PREDICTOR_NAMES.items():
        if name in state:
            gate.add_shown(category, demo_tasks(state[name]["demos"]))
    return gate


def _split(rows, name):
    return [r for r in rows if r["split"] == name]


# Measured (python benchmarks/fit_checks.py --tasks --examples): see docs/quality/checks.md.
@pytest.mark.slow
def test_on_held_out_examples_the_checks_keep_what_the_reader_keeps(embedder):
    heldout = _split(EXAMPLES, "heldout")
    form = evaluate_checks(heldout, Checker("form", embedder=embedder))["kept"]
    both = evaluate_checks(heldout, Checker("form,embed", embedder=embedder))["kept"]
    assert both["precision"] >= EX_PRECISION and both["recall"] >= EX_RECALL
    assert both["precision"] >= EX_LIFT * both["base_rate"]
    assert both["precision"] > form["precision"] > form["base_rate"] - 1e-9


@pytest.mark.slow
def test_planted_mismatches_are_flagged_and_coherent_examples_pass(embedder):
    figures = evaluate_planted(_split(PLANTED, "heldout"), Checker("form,embed", embedder=embedder))
    assert figures["planted_flagged"] >= PLANTED_FLAGGED
    assert figures["coherent_passed"] >= COHERENT_PASSED
    assert figures["per_plant"]["swapped_positive"] == 1.0


@pytest.mark.slow
def test_on_held_out_tasks_the_checks_double_the_readers_keep_rate(embedder):
    rows = [r for r in read_labelled_rows(FIXTURES / "labelled_tasks.jsonl", key="label") if r["split"] == "heldout"]
    families = [TaskFormChecks(gate=_task_gate()), TaskEmbedChecks(), GluedWordChecks()]
    figures = evaluate_checks(rows, Checker("form,embed", embedder=embedder, families=families), key="label")["kept"]
    assert figures["precision"] >= max(TASK_PRECISION, 2 * figures["base_rate"])
    assert figures["recall"] >= TASK_RECALL
