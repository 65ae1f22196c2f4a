"""The near-duplicate search: the indexed searches against comparing every pair.

The exact search (up to ``EXACT_LIMIT`` distinct texts) must give exactly what comparing
all pairs gives; the sketch search (above it) must report no pair the rule rejects and
find nearly every text that repeats an earlier one, in time linear in the texts.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from embtaskgen.dedup import near_duplicates as dedup
from embtaskgen.dedup.near_duplicates import EXACT_LIMIT, first_near_duplicates, near_duplicate_pairs, redundant_flags
from embtaskgen.quality.metric import score_tasks
from embtaskgen.quality.report import MAX_ROW_TASKS
from embtaskgen.quality.similarity import is_near_duplicate
from embtaskgen.quality.text import TaskText

ROOT = Path(__file__).resolve().parents[2]
LABELLED = Path(__file__).parents[1] / "quality" / "fixtures" / "labelled_lists.json"


def _bench():
    """benchmarks/report_scale.py, whose synthetic tasks these tests share."""
    spec = importlib.util.spec_from_file_location("report_scale", ROOT / "benchmarks" / "report_scale.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _synthetic(n: int, category: str = "text-retrieval", seed: int = 0) -> list[TaskText]:
    return [TaskText.of(t) for t in _bench().synthetic_tasks(n, category, random.Random(seed))]


def _brute_first(texts: list[TaskText]) -> list[int | None]:
    return [next((i for i in range(j) if is_near_duplicate(texts[i], texts[j])), None) for j in range(len(texts))]


def _labelled() -> list[TaskText]:
    doc = json.loads(LABELLED.read_text(encoding="utf-8"))
    return [TaskText.of(t) for x in doc["lists"] for t in x["tasks"] if isinstance(t, str) and t.strip()]


# --- exact search: equal to all pairs --------------------------------------------------------


def test_exact_search_equals_all_pairs_on_the_labelled_and_synthetic_tasks():
    for texts in (_labelled(), _synthetic(300, "text-classification") + _synthetic(300, seed=1)):
        result = first_near_duplicates(texts)
        assert result.exact
        assert result.first == _brute_first(texts)
    texts = _synthetic(400, "text-matching-long")
    brute = [
        (i, j) for i in range(len(texts)) for j in range(i + 1, len(texts)) if is_near_duplicate(texts[i], texts[j])
    ]
    assert len(brute) > 20
    assert near_duplicate_pairs(texts) == brute


def test_exact_search_can_be_forced_beyond_the_limit():
    texts = _synthetic(EXACT_LIMIT + 150, "text-matching-short")
    assert not first_near_duplicates(texts).exact
    forced = first_near_duplicates(texts, exact=True)
    assert forced.exact and forced.first == _brute_first(texts)


def test_copies_of_a_text_point_at_its_first_match():
    texts = [
        TaskText.of(s)
        for s in (
            "Classify emails by how urgent they are for the support team.",
            "Classify e-mails by how urgent they are for the support team!",
            "Label tweets with the emotion their author expresses most strongly.",
            "classify emails by how urgent they are for the support team",
        )
    ] * 8  # more texts than the brute-force shortcut takes
    assert first_near_duplicates(texts).first == _brute_first(texts)


def test_a_row_is_always_searched_exactly():
    assert MAX_ROW_TASKS <= EXACT_LIMIT


# --- sketch search: no false pairs, nearly every repeat, linear ---------------------------------


@pytest.fixture(scope="module")
def sketch_and_exact():
    texts = _synthetic(2500, "text-classification", seed=4)
    return texts, first_near_duplicates(texts, exact=False), first_near_duplicates(texts, exact=True)


def test_sketch_reports_no_pair_the_rule_rejects(sketch_and_exact):
    texts, sketch, _ = sketch_and_exact
    assert not sketch.exact
    for j, i in enumerate(sketch.first):
        assert i is None or (i < j and is_near_duplicate(texts[i], texts[j]))


def test_sketch_finds_nearly_every_repeat(sketch_and_exact):
    _, sketch, exact = sketch_and_exact
    repeats = [j for j, i in enumerate(exact.first) if i is not None]
    found = [j for j in repeats if sketch.first[j] is not None]
    assert len(repeats) > 200
    # Measured: all of them here; 99.9% at 25,000 tasks per category (see dedup.py).
    assert len(found) / len(repeats) >= 0.99


def test_sketch_is_the_same_in_every_process():
    script = (
        "import json, random, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from report_scale import synthetic_tasks\n"
        "from embtaskgen.dedup.near_duplicates import first_near_duplicates\n"
        "from embtaskgen.quality.text import TaskText\n"
        "tasks = synthetic_tasks(1500, 'text-retrieval', random.Random(2))\n"
        "print(json.dumps(first_near_duplicates([TaskText.of(t) for t in tasks]).first))\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", script, str(ROOT / "benchmarks")],
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1]
    assert sum(i is not None for i in json.loads(runs[0])) > 50


def test_a_cluster_of_copies_costs_a_few_comparisons_each(monkeypatch):
    texts = [TaskText.of(f"Retrieve documents about subject {i} that answer a user's question.") for i in range(5000)]
    calls = []
    near = dedup._Groups.near
    monkeypatch.setattr(dedup._Groups, "near", lambda self, a, b: calls.append(1) or near(self, a, b))
    start = time.perf_counter()
    flags = redundant_flags(texts)
    assert flags == [False] + [True] * 4999
    assert len(calls) < 3 * len(texts)
    assert time.perf_counter() - start < 30  # about 1 s; the old pair listing took minutes


def test_the_metric_scores_a_huge_list_without_comparing_all_pairs():
    tasks = [f"Classify support tickets about product {i} by the urgency of the request." for i in range(3000)]
    result = score_tasks(tasks, "text-classification")
    assert result.num_items == 3000
    assert result.parts["distinct"] < 0.01  # each repeats the first
    assert result.problems[1].reasons[-1] == "near-duplicate of item 1"
