"""Score one brainstormed list: a number in [0, 1] and feedback naming the items at fault.

``score = parsed * (0.5 * yield + 0.5 * sum(WEIGHTS[part] * part))``: ``parsed`` is 0 for
anything but a list; each part is the share of items passing one check (length, unique,
distinct, form, on_category, novelty, clean); ``yield`` is the usable items (passing every
check, duplicates counted once) over ``max(n, num_tasks)``. The yield half makes a list
that is bad in one way score low, the weighted half gives partial credit an optimizer can
climb. The checks in full: docs/quality/metric.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from embtaskgen.brainstorm.precision_gate import PrecisionGate
from embtaskgen.dedup.near_duplicates import first_near_duplicates
from embtaskgen.errors import ConfigError
from embtaskgen.quality.conformance import check_category, check_category_name
from embtaskgen.quality.form import form_problem, markup_problem
from embtaskgen.quality.novelty import SeedTaskSet, copied_seed_task, default_seed_tasks, seed_task_features
from embtaskgen.quality.text import TaskText

__all__ = [
    "METRIC_VERSION",
    "WEIGHTS",
    "YIELD_WEIGHT",
    "ItemProblem",
    "TaskScore",
    "check_num_tasks",
    "score_list",
    "score_tasks",
]

#: Changes whenever a weight, threshold or rule changes (scores are comparable within one).
METRIC_VERSION = "1.1"

#: Weights of the per-part scores in the weighted half of the score (they sum to 1).
WEIGHTS: dict[str, float] = {
    "length": 0.10,
    "unique": 0.20,
    "distinct": 0.15,
    "form": 0.10,
    "on_category": 0.20,
    "novelty": 0.10,
    "clean": 0.15,
}
#: Share of the score given to the yield of usable tasks.
YIELD_WEIGHT = 0.5

#: The gate's reader checks (no prompt examples: novelty is its own part).
_GATE = PrecisionGate()

_MAX_FEEDBACK_ITEMS = 12
_QUOTE_CHARS = 70


class ItemProblem(BaseModel):
    """What is wrong with one item: its 0-based ``index``, the item as text (``repr`` for
    non-strings) and one short reason per failed check."""

    model_config = ConfigDict(frozen=True)

    index: int
    task: str
    reasons: tuple[str, ...]


class TaskScore(BaseModel):
    """The quality of one list.

    Attributes:
        score: Overall score in [0, 1].
        feedback: Text naming the items at fault and why (for people and for GEPA).
        category: The category scored against.
        num_items: Items in the list (0 when it did not parse).
        usable: Items that pass every check (duplicates counted once).
        parts: The part scores in [0, 1]: ``parsed``, ``yield`` and the keys of ``WEIGHTS``.
        problems: The items at fault, in list order.
        on_category_flags: Per item, whether it is on-category.
        metric_version: ``METRIC_VERSION`` when scored.
    """

    model_config = ConfigDict(frozen=True)

    score: float = Field(ge=0.0, le=1.0)
    feedback: str
    category: str
    num_items: int
    usable: int
    parts: dict[str, float]
    problems: tuple[ItemProblem, ...] = ()
    on_category_flags: tuple[bool, ...] = ()
    metric_version: str = METRIC_VERSION


def check_num_tasks(num_tasks: object) -> None:
    """Raise a ``ConfigError`` (a ``ValueError``) unless ``num_tasks`` is a positive int."""
    if isinstance(num_tasks, bool) or not isinstance(num_tasks, int) or num_tasks < 1:
        raise ConfigError(f"num_tasks must be a positive int, got {num_tasks!r}")


def _length_part(n: int, target: int) -> float:
    if n == 0:
        return 0.0
    ratio = n / target
    if ratio < 0.75:
        return ratio / 0.75
    if ratio <= 1.5:
        return 1.0
    return max(0.0, 1.0 - (ratio - 1.5) / 1.5)


def _quote(item: object) -> str:
    text = item if isinstance(item, str) else repr(item)
    text = " ".join(text.split())
    if len(text) > _QUOTE_CHARS:
        text = text[: _QUOTE_CHARS - 3] + "..."
    return f'"{text}"'


def score_tasks(tasks: object, category: str, num_tasks: int = 20, examples: Sequence[str] | None = None) -> TaskScore:
    """Score one brainstormed list of tasks (deterministic, no model, ~1 ms for 20).

    Args:
        tasks: The parsed output, a list of task strings; anything but a list or tuple
            scores 0.
        category: One of ``embtaskgen.signatures.categories.CATEGORIES``.
        num_tasks: How many tasks were asked for.
        examples: The example tasks shown in the prompt (copying them scores low);
            ``None``: the category's seed pool.

    Returns:
        A :class:`TaskScore`: ``0.5 * yield + 0.5 * sum(WEIGHTS[part] * part)``, the yield
        being the usable tasks over ``max(len(tasks), num_tasks)``.

    Raises:
        ValueError: Unknown ``category`` (the message lists the choices) or a bad
            ``num_tasks``.

    Example:
        >>> task = "Classify museum catalogue entries by the art movement they belong to."
        >>> result = score_tasks([task, task], "text-classification", num_tasks=2)
        >>> round(result.score, 2), result.usable
        (0.7, 1)
        >>> result.problems[0].index, result.problems[0].reasons
        (1, ('exact duplicate of item 1',))
    """
    check_category_name(category)
    check_num_tasks(num_tasks)
    if not isinstance(tasks, (list, tuple)):
        return TaskScore(
            score=0.0,
            category=category,
            num_items=0,
            usable=0,
            parts={"parsed": 0.0, "yield": 0.0, **{k: 0.0 for k in WEIGHTS}},
            feedback=(
                f"Score 0.00: the output is not a list of strings "
                f"(got {type(tasks).__name__}); nothing could be scored."
            ),
        )
    seed_set = seed_task_features(default_seed_tasks(category) if examples is None else examples)
    return score_list(list(tasks), category, num_tasks, seed_set)


def score_list(
    items: Sequence[object],
    category: str,
    target: int,
    seed_set: SeedTaskSet,
    features: Sequence[TaskText | None] | None = None,
) -> TaskScore:
    """:func:`score_tasks` on checked arguments, optionally with the report's features."""
    n = len(items)
    reasons = [[problem] if (problem := markup_problem(item)) else [] for item in items]
    texts = (
        list(features)
        if features is not None
        else [TaskText.of(item) if isinstance(item, str) and item.strip() else None for item in items]
    )
    clean = [not r for r in reasons]
    form, on_cat, novel, unique, distinct = ([False] * n for _ in range(5))

    first_of: dict[str, int] = {}
    unique_idx: list[int] = []
    for i, t in enumerate(texts):
        if t is None or not t.norm:
            continue
        problem = form_problem(t.raw)
        if not problem:
            gate = _GATE.check(t.raw, category)
            problem = "" if gate else f"{gate.reason.replace('_', ' ')} ({gate.detail})"
        if problem:
            reasons[i].append(problem)
        else:
            form[i] = True
        if t.norm in first_of:
            reasons[i].append(f"exact duplicate of item {first_of[t.norm] + 1}")
        else:
            first_of[t.norm] = i
            unique[i] = True
            unique_idx.append(i)
        copied = copied_seed_task(t, seed_set)
        if copied is None:
            novel[i] = True
        else:
            reasons[i].append(f"copies the prompt example {_quote(copied)}")
        verdict = check_category(t, category)
        if verdict.ok:
            on_cat[i] = True
        else:
            reasons[i].append(f"off-category for {category}: {verdict.reason}")

    unique_texts = [texts[i] for i in unique_idx]
    near_of: dict[int, int] = {}
    for b, a in enumerate(first_near_duplicates(unique_texts).first):  # type: ignore[arg-type]
        if a is not None:
            near_of[unique_idx[b]] = unique_idx[a]
    for i in unique_idx:
        if i in near_of:
            reasons[i].append(f"near-duplicate of item {near_of[i] + 1}")
        else:
            distinct[i] = True

    usable = sum(1 for i in range(n) if clean[i] and form[i] and on_cat[i] and novel[i] and unique[i] and distinct[i])
    share = (lambda flags: sum(flags) / n) if n else (lambda flags: 0.0)
    parts = {
        "parsed": 1.0,
        "yield": usable / max(n, target),
        "length": _length_part(n, target),
        "unique": share(unique),
        "distinct": sum(distinct) / len(unique_idx) if unique_idx else 0.0,
        "form": share(form),
        "on_category": share(on_cat),
        "novelty": share(novel),
        "clean": share(clean),
    }
    weighted = sum(w * parts[k] for k, w in WEIGHTS.items())
    score = min(1.0, max(0.0, YIELD_WEIGHT * parts["yield"] + (1 - YIELD_WEIGHT) * weighted))
    problems = tuple(
        ItemProblem(index=i, task=item if isinstance(item, str) else repr(item), reasons=tuple(r))
        for i, (item, r) in enumerate(zip(items, reasons, strict=True))
        if r
    )
    return _with_feedback(
        TaskScore(
            score=score,
            category=category,
            num_items=n,
            usable=usable,
            parts=parts,
            problems=problems,
            on_category_flags=tuple(on_cat),
            feedback="",
        ),
        target,
    )


def _with_feedback(result: TaskScore, target: int) -> TaskScore:
    """``result`` with the feedback text naming its items at fault and why."""
    n, problems = result.num_items, result.problems
    lines = [
        f"Score {result.score:.2f}: {result.usable} of {max(n, target)} tasks usable for {result.category} "
        f"(distinct, on-category, one sentence each, not copied from the examples)."
    ]
    if n == 0:
        lines.append(f"The list is empty; {target} tasks were asked for.")
    for problem in problems[:_MAX_FEEDBACK_ITEMS]:
        lines.append(f"Item {problem.index + 1} {_quote(problem.task)}: " + "; ".join(problem.reasons))
    if len(problems) > _MAX_FEEDBACK_ITEMS:
        lines.append(f"... and {len(problems) - _MAX_FEEDBACK_ITEMS} more items with problems.")
    if n and result.parts["length"] < 1.0:
        lines.append(f"The list has {n} items; about {target} were asked for.")
    if n and not problems:
        lines.append("Every item is distinct, on-category, one sentence and new.")
    lines.append("Parts: " + ", ".join(f"{k} {v:.2f}" for k, v in result.parts.items()))
    return result.model_copy(update={"feedback": "\n".join(lines)})
