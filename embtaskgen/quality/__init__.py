"""Deterministic quality checks of brainstormed tasks (no model).

The public entry points are re-exported by :mod:`embtaskgen.quality.metric`; the modules here
hold one concept each: text features, near-duplicates, form, markup, category
conformance, novelty, the score, and the DSPy metric wrapper.
"""

from embtaskgen.quality.conformance import CategoryCheck, check_category, on_category
from embtaskgen.quality.dedup import near_duplicate_pairs
from embtaskgen.quality.score import METRIC_VERSION, WEIGHTS, ItemProblem, TaskScore, score_tasks
from embtaskgen.quality.similarity import is_near_duplicate
from embtaskgen.quality.text import TaskText

__all__ = [
    "METRIC_VERSION",
    "WEIGHTS",
    "CategoryCheck",
    "ItemProblem",
    "TaskScore",
    "TaskText",
    "check_category",
    "is_near_duplicate",
    "near_duplicate_pairs",
    "on_category",
    "score_tasks",
]
