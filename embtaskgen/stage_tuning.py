"""What a stage hands ``tune/``: the :class:`StageTuning` base each stage subclasses, and the split both share.

Stage 1's tuning is :mod:`embtaskgen.brainstorm.tuning`, stage 2's :mod:`embtaskgen.examples.tuning`;
:func:`embtaskgen.tune.tuning.tuning_for` picks one for a generator. The split never changes
between versions, so scores recorded in a saved program stay comparable.

Example:
    >>> split_heldout(["a", "b", "c", "d", "e", "f"])
    (('a', 'b', 'c', 'd', 'f'), ('e',))
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

import dspy

from embtaskgen.errors import ConfigError, check_int
from embtaskgen.programs.stages import ProgramStage

__all__ = ["HELDOUT_EVERY", "HELDOUT_SEED_BASE", "StageTuning", "draw_calls", "heldout_seeds", "split_heldout"]

#: Every ``HELDOUT_EVERY``-th topic (stage 1) or worked task (stage 2) is held out.
HELDOUT_EVERY = 5
#: Training seeds are ``0 <= seed < HELDOUT_SEED_BASE``; held-out seeds start here.
HELDOUT_SEED_BASE = 1_000_000


def split_heldout(items: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``items`` as (training, held-out): every :data:`HELDOUT_EVERY`-th one is held out."""
    train = tuple(t for i, t in enumerate(items) if i % HELDOUT_EVERY != HELDOUT_EVERY - 1)
    return train, tuple(items[HELDOUT_EVERY - 1 :: HELDOUT_EVERY])


def heldout_seeds(count: int) -> tuple[int, ...]:
    """The first ``count`` held-out seeds.

    Raises:
        ConfigError: ``count`` is not an integer >= 1.
    """
    check_int("count", count)
    return tuple(HELDOUT_SEED_BASE + i for i in range(count))


def draw_calls(
    count: int, key: str, pool: Sequence[str], make: Callable[[str, int], dspy.Example], taken: set[tuple[str, int]]
) -> list[dspy.Example]:
    """``count`` calls ``make(item, seed)`` of distinct (``pool`` item, training seed) pairs not in ``taken``.

    The pairs are drawn by ``random.Random(key)``: equal keys, equal calls.
    """
    rng = random.Random(key)
    calls: list[dspy.Example] = []
    while len(calls) < count:
        pair = (pool[rng.randrange(len(pool))], rng.randrange(HELDOUT_SEED_BASE))
        if pair not in taken:
            taken.add(pair)
            calls.append(make(*pair))
    return calls


class StageTuning:
    """What a stage hands the optimizer and the held-out evaluation; each stage subclasses it.

    Attributes:
        stage: The stage's program-file description (predictor attribute per unit).
        plural: The ``program_info`` key of the per-unit figures (``categories``, ``kinds``).
        label: Added to log lines after the unit (``""``, ``" examples"``).
        calls_are: What a training call is called in log lines.
        metric_version: Recorded in ``program_info`` and held-out reports.
        leading_info: ``program_info`` keys that come first (stage 2: ``{"stage": "examples"}``).
        count_candidates: Record how many candidates were scored (else the untuned score).
        refused: The ``optimize`` inputs of the other stage, and the message refusing them.
        metric: The optimizers' metric (GEPA's 5-argument form).
        program: Builds the ``dspy.Module`` tuned: ``program(generator, [unit], progress=...)``.
    """

    stage: ProgramStage
    plural: str
    label: str
    calls_are: str
    metric_version: str
    leading_info: dict[str, Any]
    count_candidates: bool
    refused: tuple[tuple[str, ...], str]
    metric: Callable[..., Any]
    program: Callable[..., Any]

    def units(self, generator: Any, chosen: Any) -> Sequence[str]:
        """The units to tune (default: the generator's)."""
        raise NotImplementedError

    def settings_info(self, generator: Any, task_lm: Any) -> dict[str, Any]:
        """The generator settings a tuned program records (what its scores depend on)."""
        raise NotImplementedError

    def draw(
        self, generator: Any, unit: str, count: int, seed: int, exclude: Sequence[Any], tasks: Sequence[str] | None
    ) -> list[dspy.Example]:
        """``count`` training calls of ``unit`` not in ``exclude``."""
        raise NotImplementedError

    def given(self, generator: Any, unit: str, examples: Sequence[Any], name: str) -> list[dspy.Example]:
        """The calls of ``unit`` in a given ``trainset`` or ``valset`` (``name``)."""
        raise NotImplementedError

    def datasets(
        self,
        generator: Any,
        unit: str,
        sizes: tuple[int, int],
        seed: int,
        *,
        trainset: Sequence[Any] | None = None,
        valset: Sequence[Any] | None = None,
        tasks: Sequence[str] | None = None,
    ) -> tuple[list[dspy.Example], list[dspy.Example]]:
        """The training and validation calls of ``unit``: given, or drawn (``sizes``: how many of each)."""
        names, message = self.refused
        if any({"trainset": trainset, "valset": valset, "tasks": tasks}[name] is not None for name in names):
            raise ConfigError(message)
        if trainset is None:
            train = self.draw(generator, unit, sizes[0], seed, (), tasks)
            if valset is None:
                return train, self.draw(generator, unit, sizes[1], seed + 1, train, tasks)
            return train, self.given(generator, unit, valset, "valset")
        train = self.given(generator, unit, trainset, "trainset")
        if valset is not None:
            return train, self.given(generator, unit, valset, "valset")
        if len(train) < 2:
            raise ConfigError(f"the trainset has {len(train)} example(s) of {unit}; give at least 2 or a valset")
        cut = max(1, len(train) // 3)
        return train[cut:], train[:cut]

    def finish(self, predictor: Any, unit: str) -> dict[str, Any]:
        """Finish a tuned predictor; returns the per-unit figures to record."""
        raise NotImplementedError

    def heldout_split(self, generator: Any, topics: Any, tasks: Any) -> dict[str, Any]:
        """The report's record of what the held-out calls are (topics or tasks)."""
        raise NotImplementedError

    def report_head(self, generator: Any, seeds: tuple[int, ...], *, topics: Any, tasks: Any) -> dict[str, Any]:
        """A held-out report before its units: model, metric version, held-out split, seeds."""
        split = self.heldout_split(generator, topics, tasks)
        return {
            "model": generator.model_name,
            "metric_version": self.metric_version,
            **split,
            "seeds": list(seeds),
            self.plural: {},
        }

    def heldout(self, generator: Any, unit: str, report: dict[str, Any]) -> list[dspy.Example]:
        """The held-out calls of ``unit``."""
        raise NotImplementedError

    def heldout_call(self, generator: Any, unit: str, call: dspy.Example, lm: Any) -> Any:
        """One held-out call, made as a run makes it."""
        raise NotImplementedError

    def summarise(self, generator: Any, unit: str, results: list[Any], report: dict[str, Any]) -> dict[str, Any]:
        """A unit's row of the held-out report."""
        raise NotImplementedError

    def complete(self, report: dict[str, Any]) -> None:
        """Add rows over every unit to a held-out report (none by default)."""
