"""Stage 1's train / held-out split of topics and seeds (see :mod:`embtaskgen.tune.tuning`).

A tuning example is one call: a category, a topic and a seed (the seed gives the call its
``rollout_id`` and sampling seed). Every 5th topic of :data:`embtaskgen.signatures.topics.TOPICS`
is held out; the empty topic ("any domain", what ``generate`` sends by default) is in both
lists: its held-out calls differ by seed.

Example:
    >>> "agriculture" in TRAIN_TOPICS, "automotive repair" in HELDOUT_TOPICS
    (True, True)
    >>> examples = heldout_examples("text-retrieval", topics=HELDOUT_TOPICS[:2], seeds=heldout_seeds(1))
    >>> [(e.topic, e.seed) for e in examples]
    [('', 1000000), ('automotive repair', 1000000)]
"""

from __future__ import annotations

from collections.abc import Sequence

import dspy

from embtaskgen.errors import ConfigError, check_int
from embtaskgen.signatures.categories import signature_for
from embtaskgen.signatures.topics import TOPICS
from embtaskgen.stage_tuning import HELDOUT_EVERY, HELDOUT_SEED_BASE, draw_calls, heldout_seeds, split_heldout

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

_train, _heldout = split_heldout(TOPICS)
#: Topics tuning may use ("" = any domain).
TRAIN_TOPICS: tuple[str, ...] = ("", *_train)
#: Topics kept out of tuning, for held-out evaluation ("" = any domain, held-out seeds).
HELDOUT_TOPICS: tuple[str, ...] = ("", *_heldout)

#: The inputs of a tuning example (the program's ``forward`` arguments).
EXAMPLE_INPUTS: tuple[str, ...] = ("category", "num_tasks", "topic", "seed")


def make_example(category: str, topic: str, seed: int, num_tasks: int = 20) -> dspy.Example:
    """One call as a ``dspy.Example`` whose inputs are :data:`EXAMPLE_INPUTS`."""
    signature_for(category)  # validates the name
    return dspy.Example(category=category, num_tasks=num_tasks, topic=topic, seed=seed).with_inputs(*EXAMPLE_INPUTS)


def training_examples(
    category: str, count: int, *, seed: int = 0, num_tasks: int = 20, exclude: Sequence[dspy.Example] = ()
) -> list[dspy.Example]:
    """``count`` distinct training calls of ``category``: (train topic, train seed) pairs.

    ``seed`` seeds the draw (equal seeds, equal examples); ``exclude`` lists calls not to
    draw again (the trainset, when drawing a valset).

    Raises:
        ConfigError: Unknown category or a bad count.
    """
    check_int("count", count)
    signature_for(category)
    return draw_calls(
        count,
        f"embtaskgen-train|{seed}|{category}",
        TRAIN_TOPICS,
        lambda topic, call_seed: make_example(category, topic, call_seed, num_tasks),
        {(e.topic, e.seed) for e in exclude},
    )


def heldout_examples(
    category: str,
    *,
    topics: Sequence[str] = HELDOUT_TOPICS,
    seeds: Sequence[int] = (HELDOUT_SEED_BASE,),
    num_tasks: int = 20,
) -> list[dspy.Example]:
    """The held-out calls of ``category``: every seed x every topic, seed-major.

    Raises:
        ConfigError: Unknown category, no topics or no seeds.
    """
    if isinstance(topics, str):
        topics = (topics,)  # one topic, not its letters
    if not topics or not seeds:
        raise ConfigError("held-out evaluation needs at least one topic and one seed")
    return [make_example(category, topic, seed, num_tasks) for seed in seeds for topic in topics]
