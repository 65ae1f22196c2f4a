"""Curate bootstrapped demos: keep only the usable tasks of each worked example.

A bootstrapped demo is one whole answer of the model that scored above a threshold; it
may still hold a few off-category, duplicate or malformed items, and a small model
imitates its worked examples closely. Curation keeps, in each demo, the items that pass
every check of the metric (:func:`embtaskgen.quality.metric.score_tasks` reports no problem),
drops items already shown in an earlier demo, sets the demo's ``num_tasks`` to the
number of items left, and drops demos left with fewer than ``min_items``.

Curation is idempotent (curating curated demos changes nothing), so the prompts scored
while tuning are exactly the prompts a saved program sends.

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
    """Keep the usable tasks of each demo; see the module docstring.

    Args:
        demos: The predictor's demos (``dspy.Example`` or dicts) with a list output.
        category: The category the tasks are scored against.
        min_items: Demos left with fewer tasks are dropped.
        output: The output field name.

    Returns:
        New ``dspy.Example`` demos (the inputs are kept, ``num_tasks`` updated).
    """
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
