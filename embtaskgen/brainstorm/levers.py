"""Diversity levers: topic conditioning, few-shot examples, and an archive to avoid.

Each lever shapes the inputs of one call from the run seed, the category and the
generation alone, so runs stay reproducible. Few-shot examples are drawn from the seed pool
only when the predictor has no demos of its own; with the avoid archive, the generations of
a category run one after another.

Example:
    >>> levers = Levers(topic_pool=("finance", "law"), few_shot=1)
    >>> levers.topic("", seed=1, category="text-retrieval", generation=0) in ("finance", "law")
    True
    >>> len(levers.demos(seed=1, category="text-retrieval", generation=0)[0].tasks)
    3
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import dspy

from embtaskgen.seeds import derive_rng
from embtaskgen.settings import DEMO_SIZE, GenerationSettings
from embtaskgen.signatures.seed_tasks import sample_seed_tasks

__all__ = ["Levers"]


@dataclass(frozen=True)
class Levers:
    """Which diversity levers are on, and what each draws for one call.

    Attributes:
        topic_pool: Domains to draw a topic from per call, or ``None`` (off).
        few_shot: Worked examples per call drawn from the seed pool (0: off).
        avoid_archive: Accepted tasks passed as ``avoid`` per call (0: off).
    """

    topic_pool: tuple[str, ...] | None = None
    few_shot: int = 0
    avoid_archive: int = 0

    @classmethod
    def of(cls, settings: GenerationSettings) -> Levers:
        """The levers of ``settings`` (already validated)."""
        return cls(topic_pool=settings.topic_pool, few_shot=settings.few_shot, avoid_archive=settings.avoid_archive)

    def topic(self, fixed: str, *, seed: int, category: str, generation: int) -> str:
        """The topic of one call: the fixed one, a drawn one, or "" (any)."""
        if fixed or not self.topic_pool:
            return fixed
        rng = derive_rng(seed, "topic", category, generation)
        return self.topic_pool[rng.randrange(len(self.topic_pool))]

    def demos(self, *, seed: int, category: str, generation: int) -> list[dspy.Example] | None:
        """Worked examples for one call, or ``None`` when the lever is off."""
        if not self.few_shot:
            return None
        rng = derive_rng(seed, "demos", category, generation)
        drawn = sample_seed_tasks(category, self.few_shot * DEMO_SIZE, rng)
        return [
            dspy.Example(
                num_tasks=DEMO_SIZE, topic="", avoid=[], tasks=drawn[i * DEMO_SIZE : (i + 1) * DEMO_SIZE]
            ).with_inputs("num_tasks", "topic", "avoid")
            for i in range(self.few_shot)
        ]

    def avoid(self, archive: Sequence[str], *, seed: int, category: str, generation: int) -> list[str]:
        """Up to ``avoid_archive`` tasks from ``archive``, drawn per call."""
        if not self.avoid_archive or not archive:
            return []
        if len(archive) <= self.avoid_archive:
            return list(archive)
        rng = derive_rng(seed, "avoid", category, generation)
        return rng.sample(list(archive), self.avoid_archive)
