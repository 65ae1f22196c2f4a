"""The tasks a category's prompt can show (seed tasks, demos), for the gate's ``prompt_copy`` check.

What a prompt can show: the category's seed tasks (the few-shot lever and the adapter's
fixed demos draw from them), the task sentences its instructions quote, and the demos of a
loaded program. :func:`gate_for` builds the gate a generator's calls are judged by.

Example:
    >>> shown = prompt_tasks("text-matching-short")
    >>> "Given a word, find its dictionary definition." in shown
    True
    >>> quoted_tasks('Write, for example: "Given a claim, find\\nits source." Stay on topic.')
    ['Given a claim, find its source.']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from embtaskgen.brainstorm.precision_gate import PrecisionGate
from embtaskgen.signatures.categories import CATEGORIES, signature_for
from embtaskgen.signatures.seed_tasks import SEED_TASKS

__all__ = ["demo_tasks", "gate_for", "prompt_tasks", "quoted_tasks"]

_QUOTED = re.compile(r"[\"\u201c]([^\"\u201d]{8,300})[\"\u201d]")


def quoted_tasks(instructions: str) -> list[str]:
    """The task sentences a signature's instructions quote as examples (whitespace folded)."""
    found = (" ".join(text.split()) for text in _QUOTED.findall(instructions or ""))
    return [text for text in found if text[:1].isupper() and text.endswith((".", "?"))]


def demo_tasks(demos: Iterable[Any], output: str = "tasks") -> list[str]:
    """The task strings of a predictor's demos (dicts or ``dspy.Example``), in order."""
    tasks: list[str] = []
    for demo in demos or ():
        value = demo.get(output) if hasattr(demo, "get") else getattr(demo, output, None)
        if isinstance(value, (list, tuple)):
            tasks.extend(t for t in value if isinstance(t, str))
    return tasks


def prompt_tasks(category: str, instructions: str | None = None, demos: Iterable[Any] = ()) -> list[str]:
    """Every task a prompt of ``category`` can show (default ``instructions``: the signature's own)."""
    if instructions is None:
        instructions = signature_for(category).instructions
    return [*SEED_TASKS.get(category, ()), *quoted_tasks(instructions), *demo_tasks(demos)]


def gate_for(generator: Any = None, categories: Sequence[str] | None = None, **options: Any) -> PrecisionGate:
    """The precision gate for the prompts ``generator`` sends (``None``: the untuned prompts).

    ``options`` are ``PrecisionGate``'s; ``categories`` default to all.

    Example:
        >>> gate_for().check("Given a word, find its dictionary definition.", "text-matching-short").reason
        'prompt_copy'
    """
    gate = PrecisionGate(**options)
    for category in categories or CATEGORIES:
        predictor = None
        if generator is not None and hasattr(generator, "predictor_for"):
            predictor = generator.predictor_for(category)
        signature = getattr(predictor, "signature", None)
        instructions = getattr(signature, "instructions", None)
        gate.add_shown(category, prompt_tasks(category, instructions, getattr(predictor, "demos", ())))
        if instructions is not None:  # the untuned instructions may still be what a lever shows
            gate.add_shown(category, quoted_tasks(signature_for(category).instructions))
    return gate
