"""The settings of a brainstorm (stage 1), over the model choice both stages share.

:class:`ModelSettings` (the model choice and sampling) is the base of :class:`GenerationSettings`
and of stage 2's :class:`~embtaskgen.examples.settings.ExampleSettings`. Settings are validated
once, where they enter; a change is a new object (:meth:`GenerationSettings.replace`).

Example:
    >>> settings = GenerationSettings(categories=("text-retrieval",), num_generations=2, seed=7)
    >>> settings.replace(num_generations=3).num_generations
    3
    >>> GenerationSettings(temperature=3)
    Traceback (most recent call last):
    ...
    embtaskgen.errors.ConfigError: temperature must be a number in [0, 2], got 3
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator

from embtaskgen.errors import ConfigError
from embtaskgen.frozen_settings import Count, FrozenSettings, Must, OptionalCount, Seed, Temperature
from embtaskgen.lm.adapter_choice import choose_adapter
from embtaskgen.lm.guarded_transport import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT
from embtaskgen.lm.resolve import LazyLM, check_api_bases
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
    "ModelSettings",
    "call_config",
]

#: Tasks in each few-shot example.
DEMO_SIZE = 3

# Defaults chosen by benchmarks/diversity.py on the embedded model: two examples per call gave
# the most unique on-category tasks; topics and the archive gave fewer (the model copies them).
DEFAULT_TOPICS = False
DEFAULT_FEW_SHOT = 2
DEFAULT_AVOID_ARCHIVE = 0

#: The most few-shot examples a call can draw from the smallest seed pool.
_MOST_FEW_SHOT = min(len(pool) for pool in SEED_TASKS.values()) // DEMO_SIZE

Penalty = Annotated[
    float | None, Field(strict=True, ge=-2, le=2, allow_inf_nan=False), Must("a number in [-2, 2] or None (not sent)")
]
FewShot = Annotated[int, Field(strict=True, ge=0, le=_MOST_FEW_SHOT), Must(f"between 0 and {_MOST_FEW_SHOT}")]
Seconds = Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False), Must("a number of seconds > 0")]
Flag = Annotated[bool, BeforeValidator(bool)]  # any truthy value, as bool() reads it


class ModelSettings(FrozenSettings):
    """The model choice and sampling of a call, shared by the settings of both stages.

    Attributes:
        seed: Run seed, or ``None`` (a run draws one with :func:`~embtaskgen.seeds.decide_seed`).
        lm: Model choice: ``None`` (embedded default), ``"local[:name|file.gguf]"``, a
            LiteLLM id, or a ``dspy.BaseLM``.
        api_base: Base URL of an OpenAI-compatible server (with a model id string), or the
            URLs of replicas of one served model, called round-robin (:mod:`embtaskgen.lm.replicas`).
        no_repeat: The embedded model's repeated-phrase penalty (``None``: the model's).
        temperature: Sampling temperature in [0, 2].
        max_tokens: Completion budget per call (``None``: the LM's default).
        concurrency: Calls in flight (``None``: 8, or what the LM allows).
        timeout: Seconds an attempt at ``api_base`` may take (:mod:`embtaskgen.lm.guarded_transport`).
        max_response_bytes: Longest answer body from ``api_base``; a longer one fails the call.
    """

    seed: Seed = None
    lm: Any = None
    api_base: str | tuple[str, ...] | None = None
    no_repeat: float | None = None
    temperature: Temperature = 1.0
    max_tokens: OptionalCount = None
    concurrency: OptionalCount = None
    timeout: Seconds = DEFAULT_TIMEOUT
    max_response_bytes: Count = DEFAULT_MAX_RESPONSE_BYTES

    @field_validator("api_base", mode="before")
    @classmethod
    def _replicas(cls, api_base: Any) -> Any:
        return check_api_bases(api_base)

    @field_validator("no_repeat", mode="before")
    @classmethod
    def _no_repeat(cls, no_repeat: Any, info: ValidationInfo) -> float | None:
        return check_no_repeat(no_repeat, info.data.get("lm"))

    def lazy_lm(self) -> LazyLM:
        """The model these settings choose, resolved on first use."""
        model = ("max_tokens", "no_repeat", "timeout", "max_response_bytes")
        return LazyLM(self.lm, api_base=self.api_base, **{name: getattr(self, name) for name in model})


class GenerationSettings(ModelSettings):
    """What a brainstorm call and run need, validated at construction.

    The model fields (``seed``, ``lm``, ``api_base``, ``no_repeat``, ``temperature``,
    ``max_tokens``, ``concurrency``) are those of :class:`ModelSettings`.

    Attributes:
        categories: The categories, in order (``resolve_categories`` of the request).
        flatten: One row per task (``task``) instead of one row per call (``tasks``).
        num_generations: Model calls per category.
        adapter: The adapter chosen by the user: a name of
            :data:`~embtaskgen.lm.adapter_choice.ADAPTER_CHOICES` (stored as the adapter
            it names) or a ``dspy.Adapter`` (``None``/``"auto"``: ``embtaskgen.lm.adapters``).
        num_tasks: Tasks asked for per call.
        topic: Domain every call focuses on ("" for any).
        frequency_penalty: OpenAI-style penalty in [-2, 2] on tokens by how often they
            were written (``None``: not sent).
        presence_penalty: OpenAI-style penalty in [-2, 2] on tokens written at all.
        keep_duplicates: Keep duplicate tasks.
        topic_pool: Domains a topic is drawn from per call (``None``: off).
        few_shot: Worked examples per call drawn from the seed pool (0: off).
        avoid_archive: Accepted tasks passed as ``avoid`` per call (0: off).
        keep_rejected: Keep the tasks the precision gate drops in row metadata ``rejected``.

    Raises:
        ConfigError: Any value out of range; the message names the valid choices.
    """

    categories: Annotated[tuple[str, ...], BeforeValidator(resolve_categories)] = CATEGORIES
    flatten: Flag = False
    num_generations: Count = 1
    adapter: Any = None
    num_tasks: Count = 20
    topic: Annotated[str, Field(strict=True), Must("a string")] = ""
    frequency_penalty: Penalty = None
    presence_penalty: Penalty = None
    keep_duplicates: Flag = False
    topic_pool: tuple[str, ...] | None = None
    few_shot: FewShot = DEFAULT_FEW_SHOT
    avoid_archive: Annotated[int, Field(strict=True, ge=0), Must("an integer >= 0")] = DEFAULT_AVOID_ARCHIVE
    keep_rejected: Flag = False

    @field_validator("adapter", mode="before")
    @classmethod
    def _adapter(cls, adapter: Any, info: ValidationInfo) -> Any:
        return choose_adapter(adapter, info.data.get("lm"))

    @field_validator("topic_pool", mode="before")
    @classmethod
    def _topic_pool(cls, pool: Any) -> tuple[str, ...] | None:
        if pool is not None and not (pool := tuple(str(t) for t in pool)):
            raise ConfigError("topic pool is empty; pass topics, True for the built-in pool, or False")
        return pool

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
            topics: ``True`` draws a domain per call from the built-in pool, a list from that list.
            **options: Any other field of :class:`GenerationSettings` by name.

        Raises:
            ConfigError: An unknown option (the message lists the valid ones) or a bad value.

        Example:
            >>> GenerationSettings.build("text-retrieval", topics=["law"]).topic_pool
            ('law',)
        """
        fields = set(cls.model_fields) - {"categories", "flatten", "topic_pool"}
        unknown = sorted(set(options) - fields)
        if unknown:
            raise ConfigError(f"unknown setting {unknown[0]!r}; valid settings are {', '.join(sorted(fields))}")
        # categories: its validator resolves a name or a list (mypy reads only the stored type)
        return cls(categories=category, flatten=flatten_tasks, topic_pool=_topic_pool(topics), **options)  # type: ignore[arg-type]

    @property
    def sequential(self) -> bool:
        """Whether generations of one category depend on earlier ones (the avoid archive)."""
        return self.avoid_archive > 0


def _topic_pool(topics: bool | Sequence[str] | None) -> tuple[str, ...] | None:
    if isinstance(topics, str):
        raise ConfigError("topics must be True/False or a list of topics; use topic= for one fixed topic")
    if topics is True:
        return TOPICS
    if topics is False or topics is None:
        return None
    return tuple(str(t) for t in topics)


def call_config(settings: ModelSettings, rollout_id: int, *, seed: bool) -> dict[str, Any]:
    """The sampling settings of one call (DSPy's ``config``); ``seed``: pass ``rollout_id`` as the seed too.

    Example:
        >>> settings = GenerationSettings(frequency_penalty=0.5, max_tokens=300)
        >>> call_config(settings, 7, seed=True)
        {'rollout_id': 7, 'temperature': 1.0, 'max_tokens': 300, 'frequency_penalty': 0.5, 'seed': 7}
    """
    config: dict[str, Any] = {"rollout_id": rollout_id, "temperature": settings.temperature}
    for name in ("max_tokens", "frequency_penalty", "presence_penalty"):  # the penalties are stage 1's
        if getattr(settings, name, None) is not None:
            config[name] = getattr(settings, name)
    if seed:
        config["seed"] = rollout_id
    return config
