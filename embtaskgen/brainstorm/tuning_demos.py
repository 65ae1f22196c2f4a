"""Curate bootstrapped demos: keep only the usable tasks of each worked example.

A small model imitates its worked examples closely, so each demo keeps only the items the
metric finds no problem with and no earlier demo showed (``num_tasks`` updated); a demo left
with fewer than ``min_items`` is dropped. Curation is idempotent, so the prompts scored while
tuning are exactly the prompts a saved program sends.

Example:
    >>> import dspy
    >>> demo = dspy.Example(num_tasks=3, topic="", avoid=[], tasks=[
    ...     "Classify museum catalogue entries by the art movement they belong to.",
    ...     "Classify museum catalogue entries by the art movement they belong to.",
    ...     "Classify customer emails by the product they complain about."])
    >>> [len(d.tasks) for d in curate_demos([demo], "text-classification", min_items=1)]
    [2]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dspy

from embtaskgen.quality.metric import score_tasks
from embtaskgen.text.normalise import normalise_task

__all__ = ["MIN_DEMO_ITEMS", "curate_demos"]

#: A curated demo keeps at least this many tasks, or is dropped.
MIN_DEMO_ITEMS = 3


def curate_demos(
    demos: Sequence[Any], category: str, *, min_items: int = MIN_DEMO_ITEMS, output: str = "tasks"
) -> list[dspy.Example]:
    """New demos with the usable tasks of each of ``demos`` (see the module docstring)."""
    curated: list[dspy.Example] = []
    seen: set[str] = set()
    for demo in demos:
        fields = dict(demo.items()) if hasattr(demo, "items") else dict(demo)
        items = fields.get(output)
        if not isinstance(items, list) or not items:
            continue
        strings = [item for item in items if isinstance(item, str)]
        if len(strings) != len(items):
            continue
        result = score_tasks(strings, category, num_tasks=max(1, len(strings)))
        bad = {problem.index for problem in result.problems}
        kept: list[str] = []
        keys: set[str] = set()
        for index, item in enumerate(strings):
            key = normalise_task(item)
            if index in bad or key in seen or key in keys:
                continue
            keys.add(key)
            kept.append(item)
        if len(kept) < min_items:
            continue  # dropped: its items were never shown, so they do not count as seen
        seen.update(keys)
        fields[output] = kept
        if "num_tasks" in fields:
            fields["num_tasks"] = len(kept)
        example = dspy.Example(**fields)
        inputs = demo.inputs().keys() if _has_inputs(demo) else ()
        curated.append(example.with_inputs(*inputs) if inputs else example)
    return curated


def _has_inputs(demo: Any) -> bool:
    try:
        demo.inputs()
    except (AttributeError, ValueError):
        return False
    return True
