"""Stage 2's train / held-out split: the worked tasks of each category and seeds (see :mod:`embtaskgen.tune.tuning`).

A tuning example is one call: a kind, a task (none for ``sts`` and ``bitext``) and a seed.

Example:
    >>> train = example_training_set("text-retrieval", 3, seed=0)
    >>> [e.kind for e in train], all(e.task in TRAIN_TASKS["text-retrieval"] for e in train)
    (['text-retrieval', 'text-retrieval', 'text-retrieval'], True)
    >>> [(e.task, e.seed) for e in example_heldout_set("sts", tasks=2, seeds=(1000000,))]
    [('', 1000000), ('', 1010000)]
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import dspy

from embtaskgen.errors import ConfigError, check_int
from embtaskgen.examples.kinds import SYMMETRIC_KINDS, TASK_KINDS, resolve_kinds
from embtaskgen.signatures.seed_tasks import SEED_TASKS
from embtaskgen.stage_tuning import HELDOUT_SEED_BASE, draw_calls, split_heldout

__all__ = [
    "EXAMPLE_TUNING_INPUTS",
    "HELDOUT_TASKS",
    "TRAIN_TASKS",
    "example_heldout_set",
    "example_training_set",
    "make_example_call",
]

#: The inputs of a stage-2 tuning example (the program's ``forward`` arguments).
EXAMPLE_TUNING_INPUTS: tuple[str, ...] = ("kind", "task", "task_id", "index", "seed")
#: Held-out calls of a symmetric kind differ by seed: ``seed + i * _SEED_STRIDE``.
_SEED_STRIDE = 10_000
_SPLITS = {kind: split_heldout(SEED_TASKS[kind]) for kind in TASK_KINDS}
#: Tasks tuning may use, per task kind.
TRAIN_TASKS: dict[str, tuple[str, ...]] = {kind: split[0] for kind, split in _SPLITS.items()}
#: Tasks kept out of tuning, for held-out evaluation.
HELDOUT_TASKS: dict[str, tuple[str, ...]] = {kind: split[1] for kind, split in _SPLITS.items()}


def make_example_call(kind: str, task: str, seed: int) -> dspy.Example:
    """One call as a ``dspy.Example`` whose inputs are :data:`EXAMPLE_TUNING_INPUTS`."""
    (kind,) = resolve_kinds(kind)
    if kind in SYMMETRIC_KINDS:
        task, task_id = "", kind
    else:
        task_id = f"{kind}/{hashlib.sha256(task.encode('utf-8')).hexdigest()[:12]}"
    return dspy.Example(kind=kind, task=task, task_id=task_id, index=0, seed=seed).with_inputs(*EXAMPLE_TUNING_INPUTS)


def _tasks(kind: str, tasks: Sequence[str] | None, pool: dict[str, tuple[str, ...]]) -> Sequence[str]:
    if kind in SYMMETRIC_KINDS:
        return ("",)
    chosen = pool[kind] if tasks is None else tuple(tasks)
    if not chosen:
        raise ConfigError(f"no tasks of {kind} to tune on; pass tasks of that category")
    return chosen


def example_training_set(
    kind: str, count: int, *, seed: int = 0, tasks: Sequence[str] | None = None, exclude: Sequence[dspy.Example] = ()
) -> list[dspy.Example]:
    """``count`` distinct training calls of ``kind``: (training task, training seed) pairs.

    ``tasks`` default to :data:`TRAIN_TASKS` (ignored for sts, bitext); ``exclude``: calls not to draw again.

    Raises:
        ConfigError: An unknown kind, a bad count, or no tasks.
    """
    check_int("count", count)
    (kind,) = resolve_kinds(kind)
    return draw_calls(
        count,
        f"embtaskgen-example-train|{seed}|{kind}",
        _tasks(kind, tasks, TRAIN_TASKS),
        lambda task, call_seed: make_example_call(kind, task, call_seed),
        {(e.task, e.seed) for e in exclude},
    )


def example_heldout_set(
    kind: str, *, tasks: int = 5, seeds: Sequence[int] = (HELDOUT_SEED_BASE,)
) -> list[dspy.Example]:
    """The held-out calls of ``kind``: the first ``tasks`` held-out tasks x ``seeds``.

    For ``sts`` and ``bitext`` (no task) the ``tasks`` x ``seeds`` calls differ by seed only.

    Raises:
        ConfigError: An unknown kind, or no tasks or seeds.
    """
    (kind,) = resolve_kinds(kind)
    if tasks < 1 or not seeds:
        raise ConfigError("held-out evaluation needs at least one task and one seed")
    if kind in SYMMETRIC_KINDS:
        return [make_example_call(kind, "", seed + i * _SEED_STRIDE) for seed in seeds for i in range(tasks)]
    return [make_example_call(kind, task, seed) for seed in seeds for task in HELDOUT_TASKS[kind][:tasks]]
