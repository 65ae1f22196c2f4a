"""One frozen, validated settings object for a brainstorm, and the seeds derived from it.

:class:`GenerationSettings` holds everything a call and a run need: categories, calls
per category, the row shape, the seed, the prompt options and levers, and the model
choice. It is validated once, where it enters (``EmbeddingTaskGenerator(...)`` or the
CLI), with messages that name the valid choices; the generator, the runner, tuning and
evaluation all read the same object, and a change is a new object
(:meth:`GenerationSettings.replace`, validated again).

Seeds: one run seed determines every model call of a run. Each (category, generation)
pair gets its own DSPy ``rollout_id`` (a distinct cache entry and, at temperature > 0, a
distinct sample) and its own sampling seed for engines that take one. Derivation hashes
the parts, so a category's calls are the same whether it runs alone or with others. A
run without a seed draws one in exactly one place, :func:`decide_seed`.

Example:
    >>> settings = GenerationSettings(categories=("text-retrieval",), num_generations=2, seed=7)
    >>> settings.replace(num_generations=3).num_generations
    3
    >>> derive_id(7, "text-retrieval", 0) == derive_id(7, "text-retrieval", 0)
    True
    >>> derive_id(7, "text-retrieval", 0) != derive_id(7, "text-retrieval", 1)
    True
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from embtaskgen.errors import ConfigError, check_int
from embtaskgen.lm.adapter_choice import choose_adapter
from embtaskgen.lm.resolve import check_api_bases
from embtaskgen.lm.spec import check_no_repeat
from embtaskgen.signatures.categories import CATEGORIES, resolve_categories
from embtaskgen.signatures.seed_tasks import SEED_TASKS
from embtaskgen.signatures.topics import TOPICS

__all__ = [
    "DEFAULT_AVOID_ARCHIVE",
    "DEFAULT_FEW_SHOT",
    "DEFAULT_TOPICS",
    "DEMO_SIZE",
    "GenerationSettings",
    "call_config",
    "decide_seed",
    "derive_id",
    "derive_rng",
    "fresh_seed",
]

logger = logging.getLogger(__name__)

#: Tasks in each few-shot example.
DEMO_SIZE = 3

# Defaults of the generator and the CLI; chosen by benchmarks/diversity.py (README): on
# the embedded model two shuffled examples per call gave the most unique on-category
# tasks per call; topics and the archive gave fewer (the model copies them).
DEFAULT_TOPICS = False
DEFAULT_FEW_SHOT = 2
DEFAULT_AVOID_ARCHIVE = 0


@dataclass(frozen=True)
class GenerationSettings:
    """What a brainstorm call and run need, validated at construction.

    Attributes:
        categories: The categories, in order (``resolve_categories`` of the request).
        flatten: One row per task (``task``) instead of one row per call (``tasks``).
        num_generations: Model calls per category.
        seed: Run seed, or ``None`` (a run draws one with :func:`decide_seed`).
        lm: Model choice: ``None`` (embedded default), ``"local[:name|file.gguf]"``, a
            LiteLLM id, or a ``dspy.BaseLM``.
        api_base: Base URL of an OpenAI-compatible server (with a model id string), or a list
            of URLs of replicas of the same served model: calls are spread over them round-robin
            (:mod:`embtaskgen.lm.replicas`). Each must be an http(s) URL, none twice.
        no_repeat: The embedded model's repeated-phrase penalty (``None``: the model's).
        adapter: The adapter chosen by the user: a name of
            :data:`~embtaskgen.lm.adapter_choice.ADAPTER_CHOICES` (stored as the adapter
            it names) or a ``dspy.Adapter`` (``None``/``"auto"``: ``embtaskgen.lm.adapters``).
        num_tasks: Tasks asked for per call.
        topic: Domain every call focuses on ("" for any).
        temperature: Sampling temperature in [0, 2].
        max_tokens: Completion budget per call (``None``: the LM's default).
        frequency_penalty: OpenAI-style penalty in [-2, 2] on tokens by how often they
            were written (``None``: not sent); the nearest knob a served model has to the
            embedded model's repeated-phrase penalty (README, "The embedded model").
        presence_penalty: OpenAI-style penalty in [-2, 2] on tokens written at all
            (``None``: not sent).
        keep_duplicates: Keep duplicate tasks.
        concurrency: Calls in flight (``None``: 8, or what the LM allows).
        topic_pool: Domains a topic is drawn from per call (``None``: off).
        few_shot: Worked examples per call drawn from the seed pool (0: off).
        avoid_archive: Accepted tasks passed as ``avoid`` per call (0: off).
        keep_rejected: Keep the tasks the precision gate drops, for inspection (row
            metadata ``rejected``; README, "The precision gate").

    Raises:
        ConfigError: Any value out of range; the message names the valid choices.
    """

    categories: tuple[str, ...] = CATEGORIES
    flatten: bool = False
    num_generations: int = 1
    seed: int | None = None
    lm: Any = None
    api_base: str | tuple[str, ...] | None = None
    no_repeat: float | None = None
    adapter: Any = None
    num_tasks: int = 20
    topic: str = ""
    temperature: float = 1.0
    max_tokens: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    keep_duplicates: bool = False
    concurrency: int | None = None
    topic_pool: tuple[str, ...] | None = None
    few_shot: int = DEFAULT_FEW_SHOT
    avoid_archive: int = DEFAULT_AVOID_ARCHIVE
    keep_rejected: bool = False

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "categories", resolve_categories(self.categories))
        set_(self, "flatten", bool(self.flatten))
        set_(self, "keep_duplicates", bool(self.keep_duplicates))
        set_(self, "keep_rejected", bool(self.keep_rejected))
        check_int("num_generations", self.num_generations)
        check_int("num_tasks", self.num_tasks)
        check_int("concurrency", self.concurrency, optional=True)
        check_int("max_tokens", self.max_tokens, optional=True)
        temperature = self.temperature
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 <= temperature <= 2:
            raise ConfigError(f"temperature must be a number in [0, 2], got {temperature!r}")
        set_(self, "temperature", float(temperature))
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)):
            raise ConfigError(f"seed must be an integer or None, got {self.seed!r}")
        if not isinstance(self.topic, str):
            raise ConfigError(f"topic must be a string, got {type(self.topic).__name__}")
        if self.api_base is not None and not isinstance(self.api_base, str):
            set_(self, "api_base", check_api_bases(self.api_base))  # replicas; one URL stays a string
        set_(self, "no_repeat", check_no_repeat(self.no_repeat, self.lm))
        set_(self, "adapter", choose_adapter(self.adapter, self.lm))
        for name in ("frequency_penalty", "presence_penalty"):
            set_(self, name, _check_penalty(name, getattr(self, name)))
        for name in ("few_shot", "avoid_archive"):
            check_int(name, getattr(self, name), minimum=0)
        largest = min(len(pool) for pool in SEED_TASKS.values()) // DEMO_SIZE
        if self.few_shot > largest:
            raise ConfigError(f"few_shot must be between 0 and {largest}, got {self.few_shot}")
        if self.topic_pool is not None:
            set_(self, "topic_pool", tuple(str(t) for t in self.topic_pool))
            if not self.topic_pool:
                raise ConfigError("topic pool is empty; pass topics, True for the built-in pool, or False")

    @classmethod
    def build(
        cls,
        category: str | Sequence[str] = "all",
        *,
        flatten_tasks: bool = False,
        topics: bool | Sequence[str] = DEFAULT_TOPICS,
        **options: Any,
    ) -> GenerationSettings:
        """Settings from user options, as ``EmbeddingTaskGenerator`` and the CLI take them.

        Args:
            category: One category, a list, or ``"all"``.
            flatten_tasks: One row per task.
            topics: ``True`` draws a domain per call from the built-in pool, a list
                draws from that list, ``False`` is off.
            **options: Any other field of :class:`GenerationSettings` by name.

        Raises:
            ConfigError: An unknown option (the message lists the valid ones) or a bad value.

        Example:
            >>> GenerationSettings.build("text-retrieval", topics=["law"]).topic_pool
            ('law',)
        """
        fields = {f.name for f in dataclasses.fields(cls)} - {"categories", "flatten", "topic_pool"}
        unknown = sorted(set(options) - fields)
        if unknown:
            raise ConfigError(f"unknown setting {unknown[0]!r}; valid settings are {', '.join(sorted(fields))}")
        return cls(categories=category, flatten=flatten_tasks, topic_pool=_topic_pool(topics), **options)

    def replace(self, **changes: Any) -> GenerationSettings:
        """A copy with ``changes`` applied, validated again (``None`` values are ignored)."""
        changes = {key: value for key, value in changes.items() if value is not None}
        return dataclasses.replace(self, **changes) if changes else self

    @property
    def sequential(self) -> bool:
        """Whether generations of one category depend on earlier ones (the avoid archive)."""
        return self.avoid_archive > 0


def _check_penalty(name: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not -2 <= value <= 2:
        raise ConfigError(f"{name} must be a number in [-2, 2] or None (not sent), got {value!r}")
    return float(value)


def _topic_pool(topics: bool | Sequence[str] | None) -> tuple[str, ...] | None:
    if isinstance(topics, str):
        raise ConfigError("topics must be True/False or a list of topics; use topic= for one fixed topic")
    if topics is True:
        return TOPICS
    if topics is False or topics is None:
        return None
    return tuple(str(t) for t in topics)


def call_config(settings: GenerationSettings, rollout_id: int, *, seed: bool) -> dict[str, Any]:
    """The sampling settings of one call (DSPy's ``config``), from the run settings.

    Args:
        settings: The run settings.
        rollout_id: The call's rollout id (from :func:`derive_id`).
        seed: Pass ``rollout_id`` as the sampling seed too (the model takes one).

    Example:
        >>> settings = GenerationSettings(frequency_penalty=0.5, max_tokens=300)
        >>> call_config(settings, 7, seed=True)
        {'rollout_id': 7, 'temperature': 1.0, 'max_tokens': 300, 'frequency_penalty': 0.5, 'seed': 7}
    """
    config: dict[str, Any] = {"rollout_id": rollout_id, "temperature": settings.temperature}
    for name in ("max_tokens", "frequency_penalty", "presence_penalty"):
        if getattr(settings, name) is not None:
            config[name] = getattr(settings, name)
    if seed:
        config["seed"] = rollout_id
    return config


def decide_seed(given: int | None, recorded: int | None = None) -> int:
    """The seed of a run: the one an earlier session recorded, the one given, or a fresh one.

    Args:
        given: The seed the user gave (``None``: none).
        recorded: The seed an output being resumed was written with (``None``: none).

    Example:
        >>> decide_seed(5), decide_seed(None, recorded=9)
        (5, 9)
    """
    if recorded is not None:
        return recorded
    if given is not None:
        return given
    seed = fresh_seed()
    logger.info("no seed given; drew seed %d", seed)
    return seed


_BITS = 31


def fresh_seed() -> int:
    """Draw a new run seed from the OS (never from the global ``random`` state)."""
    return secrets.randbelow(2**_BITS)


def derive_id(seed: int, *parts: object) -> int:
    """A stable non-negative 31-bit integer from a seed and any parts."""
    text = "\x1f".join([str(seed), *map(str, parts)])
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % (2**_BITS)


def derive_rng(seed: int, *parts: object) -> random.Random:
    """A local ``random.Random`` seeded from a seed and any parts."""
    return random.Random(derive_id(seed, "rng", *parts))
