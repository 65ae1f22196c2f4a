"""The names ``embtaskgen`` exported before its API was made smaller, kept one release as warning aliases.

``embtaskgen`` re-exports this module's ``__getattr__`` and ``__dir__`` (PEP 562): an old
name gives the old object (imported only then) with a ``DeprecationWarning`` naming what to
use instead. The list is the one in ``docs/deprecated.md``.

Example:
    >>> import warnings, embtaskgen
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     alias = embtaskgen.save_example_program
    >>> alias is embtaskgen.save_program, caught[0].category.__name__
    (True, 'DeprecationWarning')
"""

from __future__ import annotations

import importlib
import sys
import warnings
from typing import Any, NamedTuple

__all__ = ["DEPRECATED", "Deprecated"]


class Deprecated(NamedTuple):
    """One removed name: its object's ``"module:attribute"``, and what to use instead (``None``: internal)."""

    target: str
    replacement: str | None


#: Every removed name of ``embtaskgen``, in isort-style order.
DEPRECATED: dict[str, Deprecated] = {
    "DEFAULT_AVOID_ARCHIVE": Deprecated(
        "embtaskgen.settings:DEFAULT_AVOID_ARCHIVE", "GenerationSettings().avoid_archive"
    ),
    "DEFAULT_BUDGET": Deprecated("embtaskgen.tune.optimizers:DEFAULT_BUDGET", "optimize(budget=...)"),
    "DEFAULT_EVAL_TOPICS": Deprecated("embtaskgen.brainstorm.tuning:DEFAULT_EVAL_TOPICS", "evaluate(topics=...)"),
    "DEFAULT_FEW_SHOT": Deprecated("embtaskgen.settings:DEFAULT_FEW_SHOT", "GenerationSettings().few_shot"),
    "DEFAULT_OPTIMIZER": Deprecated("embtaskgen.tune.optimizers:DEFAULT_OPTIMIZER", "optimize(optimizer=...)"),
    "DEFAULT_TOPICS": Deprecated("embtaskgen.settings:DEFAULT_TOPICS", "EmbeddingTaskGenerator(topics=...)"),
    "EXAMPLE_METRIC_VERSION": Deprecated(
        "embtaskgen.quality.grading:EXAMPLE_METRIC_VERSION", "read_program(path)['embtaskgen']['metric_version']"
    ),
    "HELDOUT_TOPICS": Deprecated("embtaskgen.brainstorm.tuning_splits:HELDOUT_TOPICS", "evaluate"),
    "SIGNATURES": Deprecated("embtaskgen.signatures:SIGNATURES", "EmbeddingTaskGenerator"),
    "CallResult": Deprecated("embtaskgen.brainstorm.call_result:CallResult", None),
    "CompactListAdapter": Deprecated("embtaskgen.embedded.adapter:CompactListAdapter", "load_local_lm"),
    "LMCallCounter": Deprecated("embtaskgen.tune.lm_calls:LMCallCounter", None),
    "TaskDeduper": Deprecated("embtaskgen.brainstorm.cleaning:TaskDeduper", "dedup_rows"),
    "adapter_for": Deprecated("embtaskgen.lm.adapters:adapter_for", "EmbeddingTaskGenerator(adapter=...)"),
    "apply_example_program": Deprecated("embtaskgen.programs.files:apply_program", "load_program"),
    "copies_example": Deprecated("embtaskgen.quality.novelty:copies_seed_task", "score_tasks"),
    "derive_id": Deprecated("embtaskgen.seeds:derive_id", None),
    "evaluate_examples": Deprecated("embtaskgen.tune.evaluation:evaluate_examples", "evaluate"),
    "format_comparison": Deprecated("embtaskgen.tune.evaluation:format_comparison", "evaluate"),
    "format_table": Deprecated("embtaskgen.tune.evaluation:format_table", "evaluate"),
    "heldout_seeds": Deprecated("embtaskgen.brainstorm.tuning_splits:heldout_seeds", "evaluate"),
    "near_duplicate_clusters": Deprecated("embtaskgen.dedup.run:near_duplicate_clusters", "dedup_rows"),
    "normalise_task": Deprecated("embtaskgen.text.normalise:normalise_task", None),
    "on_category": Deprecated("embtaskgen.quality.metric:on_category", "score_tasks"),
    "optimize_examples": Deprecated("embtaskgen.tune.optimize:optimize_examples", "optimize"),
    "resolve_categories": Deprecated("embtaskgen.signatures.categories:resolve_categories", "CATEGORIES"),
    "run_examples": Deprecated("embtaskgen.runs.runner:run_examples", "run"),
    "save_example_program": Deprecated("embtaskgen.programs.files:save_program", "save_program"),
    "strip_task": Deprecated("embtaskgen.text.normalise:strip_task", None),
    "task_metric": Deprecated("embtaskgen.quality.metric:task_metric", "score_tasks"),
}


def __getattr__(name: str) -> Any:
    """The object of a removed name, with a ``DeprecationWarning`` (PEP 562's module ``__getattr__``).

    Raises:
        AttributeError: ``name`` is neither public nor a removed name.
    """
    entry = DEPRECATED.get(name)
    if entry is None:
        raise AttributeError(f"module 'embtaskgen' has no attribute {name!r}")
    instead = f"use {entry.replacement}" if entry.replacement else "it is internal, with no public replacement"
    warnings.warn(
        f"embtaskgen.{name} is deprecated and will be removed in the next release; {instead}",
        DeprecationWarning,
        stacklevel=2,
    )
    module, _, attribute = entry.target.partition(":")
    return getattr(importlib.import_module(module), attribute)


def __dir__() -> list[str]:
    """The names of ``embtaskgen``, the removed ones too (PEP 562's module ``__dir__``)."""
    return sorted(set(vars(sys.modules["embtaskgen"])) | set(DEPRECATED))
