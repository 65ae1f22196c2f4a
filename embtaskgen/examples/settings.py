"""One frozen, validated settings object for writing training examples (stage 2).

:class:`ExampleSettings` is to ``EmbeddingExampleGenerator`` what
:class:`~embtaskgen.settings.GenerationSettings` is to the brainstorm: every option,
validated once where it enters, with messages that name the valid choices; a change is a
new object (:meth:`ExampleSettings.replace`, validated again).

Example:
    >>> settings = ExampleSettings(kinds=("sts",), count=3, seed=7)
    >>> settings.kinds, settings.replace(count=5).count
    (('sts',), 5)
    >>> ExampleSettings(languages=["German", "French"]).languages
    ('German', 'French')
    >>> ExampleSettings().max_num_words, ExampleSettings(lm="openai/gpt-4o-mini").max_num_words
    (100, None)
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints, ValidationInfo, field_validator

from embtaskgen.examples.kinds import EXAMPLE_KINDS, resolve_kinds
from embtaskgen.frozen_settings import Count, FrozenSettings, Must, OptionalCount, Seed, Temperature
from embtaskgen.lm.resolve import check_api_bases
from embtaskgen.lm.spec import check_no_repeat, is_local_spec
from embtaskgen.signatures.attributes import NUM_WORDS

__all__ = ["EMBEDDED_MAX_NUM_WORDS", "ExampleSettings"]

#: ``max_num_words`` of an embedded model when none is given. Time goes into the tokens a
#: call writes (prefill of the ~400-token prompt is under a second on 2 cores, writing
#: runs at ~25-30 tokens/s): two documents of 100 words are ~300 tokens, ~5-11 s a call;
#: 200 words needed ~350-450 tokens and 14-15 s, and the 900-character bound of a
#: document cuts longer ones anyway (benchmarks/examples.py, README "Stage 2 on the
#: embedded model"). Served models keep the paper's pool, up to 500.
EMBEDDED_MAX_NUM_WORDS = 100

Languages = Annotated[
    Literal["english", "paper"] | tuple[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)], ...],
    Field(min_length=1),
    Must("'english' or 'paper', or a non-empty list of language names"),
]
MaxNumWords = Annotated[
    int | None,
    Field(strict=True, ge=min(NUM_WORDS), validate_default=True),
    Must(f"an integer >= {min(NUM_WORDS)} or None"),
]


class ExampleSettings(FrozenSettings):
    """What an example call and run need, validated at construction.

    Attributes:
        kinds: The example kinds to write (see ``EXAMPLE_KINDS``; ``"all"`` for the six).
            Tasks of a category not among them are skipped.
        examples_per_task: Examples written per task (one model call each).
        count: Examples of each symmetric kind (``sts``, ``bitext``) among ``kinds``.
        seed: Run seed, or ``None`` (a run draws one).
        lm: Model choice: ``None`` (embedded default), ``"local[:name|file.gguf]"``, a
            LiteLLM id, or a ``dspy.BaseLM``.
        api_base: Base URL of an OpenAI-compatible server (with a model id string), or a list
            of URLs of replicas of the same served model: calls are spread over them round-robin
            (:mod:`embtaskgen.lm.replicas`). Each must be an http(s) URL, none twice.
        max_tokens: Completion budget per call (``None``: the LM's default).
        no_repeat: The embedded model's repeated-phrase penalty (``None``: the model's).
        adapter: A DSPy adapter chosen by the user (``None``: the library decides).
        temperature: Sampling temperature in [0, 2].
        concurrency: Calls in flight (``None``: 8, or what the LM allows).
        languages: ``"english"`` (default), ``"paper"`` (the XLM-R list with the paper's
            weighting) or a tuple of language names drawn uniformly.
        max_num_words: Largest document length (words) a retrieval example may ask for:
            caps the ``num_words`` pool (``None``: the paper's pool, up to 500; for an
            embedded model, :data:`EMBEDDED_MAX_NUM_WORDS`).

    Raises:
        ConfigError: Any value out of range; the message names the valid choices.
    """

    kinds: Annotated[tuple[str, ...], BeforeValidator(resolve_kinds)] = EXAMPLE_KINDS
    examples_per_task: Count = 1
    count: Annotated[int, Field(strict=True, ge=0), Must("an integer >= 0")] = 0
    seed: Seed = None
    lm: Any = None
    api_base: str | tuple[str, ...] | None = None
    max_tokens: OptionalCount = None
    no_repeat: float | None = None
    adapter: Any = None
    temperature: Temperature = 1.0
    concurrency: OptionalCount = None
    languages: Languages = "english"
    max_num_words: MaxNumWords = None

    @field_validator("api_base", mode="before")
    @classmethod
    def _replicas(cls, api_base: Any) -> Any:
        return api_base if api_base is None or isinstance(api_base, str) else check_api_bases(api_base)

    @field_validator("no_repeat", mode="before")
    @classmethod
    def _no_repeat(cls, no_repeat: Any, info: ValidationInfo) -> float | None:
        return check_no_repeat(no_repeat, info.data.get("lm"))

    @field_validator("max_num_words")
    @classmethod
    def _embedded_cap(cls, max_num_words: int | None, info: ValidationInfo) -> int | None:
        if max_num_words is None and _embedded(info.data.get("lm"), info.data.get("api_base")):
            return EMBEDDED_MAX_NUM_WORDS
        return max_num_words

    @property
    def num_words_pool(self) -> tuple[int, ...]:
        """The ``num_words`` values a retrieval example may ask for (capped by ``max_num_words``).

        Example:
            >>> ExampleSettings(max_num_words=120).num_words_pool
            (50, 100)
        """
        if self.max_num_words is None:
            return NUM_WORDS
        return tuple(n for n in NUM_WORDS if n <= self.max_num_words)


def _embedded(lm: Any, api_base: Any) -> bool:
    """Whether ``lm`` runs the embedded model (a ``local`` spec, or an LM over llama.cpp)."""
    if isinstance(lm, str) or lm is None:
        return api_base is None and is_local_spec(lm)
    try:
        from embtaskgen.lm.local.catalog import is_local_lm
    except ImportError:  # pragma: no cover - the local extra is missing
        return False
    return is_local_lm(lm)
