"""The fixed train / held-out split of topics and seeds used to tune and evaluate prompts.

A tuning example is one call: a category, a topic and a seed (the seed gives the call its
``rollout_id`` and sampling seed). Tuned prompts are judged on calls they never saw:

* **topics**: every 5th topic of :data:`embtaskgen.signatures.topics.TOPICS` (indices 4, 9, 14, ...)
  is held out; the rest are for training. The empty topic ("any domain", what
  ``generate`` sends by default) is in both lists: its held-out calls differ by seed.
* **seeds**: seeds below :data:`HELDOUT_SEED_BASE` are for training; held-out calls use
  ``HELDOUT_SEED_BASE``, ``HELDOUT_SEED_BASE + 1``, ...

The split never changes between versions: scores recorded in a saved program stay
comparable.

Example:
    >>> "agriculture" in TRAIN_TOPICS, "automotive repair" in HELDOUT_TOPICS
    (True, True)
    >>> examples = heldout_examples("text-retrieval", topics=HELDOUT_TOPICS[:2], seeds=heldout_seeds(1))
    >>> [(e.topic, e.seed) for e in examples]
    [('', 1000000), ('automotive repair', 1000000)]
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import dspy

from embtaskgen.errors import ConfigError
from embtaskgen.signatures.categories import signature_for
from embtaskgen.signatures.topics import TOPICS

__all__ = [
    "EXAMPLE_INPUTS",
    "HELDOUT_EVERY",
    "HELDOUT_SEED_BASE",
    "HELDOUT_TOPICS",
    "TRAIN_TOPICS",
    "heldout_examples",
    "heldout_seeds",
    "make_example",
    "training_examples",
]

#: Every ``HELDOUT_EVERY``-th topic of ``TOPICS`` is held out.
HELDOUT_EVERY = 5
#: Training seeds are ``0 <= seed < HELDOUT_SEED_BASE``; held-out seeds start here.
HELDOUT_SEED_BASE = 1_000_000

#: Topics tuning may use ("" = any domain).
TRAIN_TOPICS: tuple[str, ...] = ("",) + tuple(t for i, t in enumerate(TOPICS) if i % HELDOUT_EVERY != HELDOUT_EVERY - 1)
#: Topics kept out of tuning, for held-out evaluation ("" = any domain, held-out seeds).
HELDOUT_TOPICS: tuple[str, ...] = ("",) + tuple(
    t for i, t in enumerate(TOPICS) if i % HELDOUT_EVERY == HELDOUT_EVERY - 1
)

#: The inputs of a tuning example (the program's ``forward`` arguments).
EXAMPLE_INPUTS: tuple[str, ...] = ("category", "num_tasks", "topic", "seed")


def heldout_seeds(count: int) -> tuple[int, ...]:
    """The first ``count`` held-out seeds.

    Raises:
        ValueError: ``count`` is not a positive int.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ConfigError(f"count must be an integer >= 1, got {count!r}")
    return tuple(HELDOUT_SEED_BASE + i for i in range(count))


def make_example(category: str, topic: str, seed: int, num_tasks: int = 20) -> dspy.Example:
    """One call as a ``dspy.Example`` whose inputs are :data:`EXAMPLE_INPUTS`."""
    signature_for(category)  # validates the name
    return dspy.Example(category=category, num_tasks=num_tasks, topic=topic, seed=seed).with_inputs(*EXAMPLE_INPUTS)


def training_examples(
    category: str, count: int, *, seed: int = 0, num_tasks: int = 20, exclude: Sequence[dspy.Example] = ()
) -> list[dspy.Example]:
    """``count`` distinct training calls of ``category``: (train topic, train seed) pairs.

    Args:
        category: The category of every example.
        count: How many examples.
        seed: Seeds the draw (a local ``random.Random``); equal seeds, equal examples.
        num_tasks: ``num_tasks`` of every example.
        exclude: Examples not to draw again (e.g. the trainset when drawing a valset).

    Raises:
        ValueError: Unknown category or a bad count.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ConfigError(f"count must be an integer >= 1, got {count!r}")
    signature_for(category)
    rng = random.Random(f"embtaskgen-train|{seed}|{category}")
    taken = {(e.topic, e.seed) for e in exclude}
    examples: list[dspy.Example] = []
    while len(examples) < count:
        pair = (TRAIN_TOPICS[rng.randrange(len(TRAIN_TOPICS))], rng.randrange(HELDOUT_SEED_BASE))
        if pair not in taken:
            taken.add(pair)
            examples.append(make_example(category, pair[0], pair[1], num_tasks))
    return examples


def heldout_examples(
    category: str,
    *,
    topics: Sequence[str] = HELDOUT_TOPICS,
    seeds: Sequence[int] = (HELDOUT_SEED_BASE,),
    num_tasks: int = 20,
) -> list[dspy.Example]:
    """The held-out calls of ``category``: every seed x every topic, seed-major.

    Raises:
        ValueError: Unknown category, no topics or no seeds.
    """
    if isinstance(topics, str):
        topics = (topics,)  # one topic, not its letters
    if not topics or not seeds:
        raise ConfigError("held-out evaluation needs at least one topic and one seed")
    return [make_example(category, topic, seed, num_tasks) for seed in seeds for topic in topics]
