"""A built-in pool of domains to condition calls on (a diversity lever).

When topic conditioning is on and no fixed topic is given, every call draws one domain
from this pool with a local ``random.Random`` derived from the run seed, the category and
the generation index, so a run is reproducible.

Example:
    >>> import random
    >>> pick_topic(random.Random(0)) in TOPICS
    True
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from embtaskgen.errors import ConfigError

__all__ = ["TOPICS", "pick_topic"]

TOPICS: tuple[str, ...] = (
    "agriculture",
    "architecture",
    "art history",
    "astronomy",
    "automotive repair",
    "aviation",
    "banking",
    "biology",
    "chemistry",
    "childcare",
    "civil engineering",
    "climate science",
    "computer security",
    "construction",
    "cooking",
    "cryptocurrency",
    "customer support",
    "cybersecurity",
    "dentistry",
    "e-commerce",
    "economics",
    "education",
    "electrical engineering",
    "energy",
    "entertainment",
    "environmental policy",
    "fashion",
    "film",
    "finance",
    "fitness",
    "food safety",
    "gaming",
    "gardening",
    "genealogy",
    "geography",
    "geology",
    "government",
    "healthcare",
    "history",
    "hospitality",
    "human resources",
    "insurance",
    "journalism",
    "labor law",
    "linguistics",
    "literature",
    "logistics",
    "manufacturing",
    "maritime shipping",
    "marketing",
    "mathematics",
    "mental health",
    "meteorology",
    "military history",
    "mining",
    "music",
    "neuroscience",
    "nutrition",
    "oceanography",
    "open-source software",
    "parenting",
    "patents",
    "pharmacology",
    "philosophy",
    "photography",
    "physics",
    "politics",
    "psychology",
    "public transport",
    "real estate",
    "religion",
    "retail",
    "robotics",
    "scientific publishing",
    "social media",
    "sociology",
    "software engineering",
    "sports",
    "statistics",
    "supply chains",
    "taxation",
    "telecommunications",
    "tourism",
    "urban planning",
    "veterinary medicine",
    "video production",
    "wildlife conservation",
    "wine making",
)


def pick_topic(rng: random.Random, pool: Sequence[str] = TOPICS) -> str:
    """Draw one topic from ``pool`` with ``rng``.

    Raises:
        ValueError: ``pool`` is empty.
    """
    if not pool:
        raise ConfigError("topic pool is empty; pass at least one topic or use the built-in TOPICS")
    return pool[rng.randrange(len(pool))]
