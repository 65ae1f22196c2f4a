"""One frozen, validated settings object for writing training examples (stage 2)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints, ValidationInfo, field_validator

from embtaskgen.embedded.choice import is_embedded
from embtaskgen.examples.kinds import EXAMPLE_KINDS, resolve_kinds
from embtaskgen.frozen_settings import Count, Must
from embtaskgen.settings import ModelSettings
from embtaskgen.signatures.attributes import NUM_WORDS

__all__ = ["EMBEDDED_MAX_NUM_WORDS", "ExampleSettings"]

#: ``max_num_words`` of an embedded model when none is given: two documents of 100 words
#: take ~5-11 s a call, 200 words 14-15 s, and the 900-character bound of a document cuts
#: longer ones anyway (benchmarks/examples.py). Served models keep the paper's pool.
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


class ExampleSettings(ModelSettings):
    """What an example call and run need, validated at construction.

    The model choice and sampling (``seed``, ``lm``, ``api_base``, ``no_repeat``,
    ``temperature``, ``max_tokens``, ``concurrency``) are those of :class:`~embtaskgen.settings.ModelSettings`.

    Attributes:
        kinds: The example kinds to write (see ``EXAMPLE_KINDS``; ``"all"`` for the six).
            Tasks of a category not among them are skipped.
        examples_per_task: Examples written per task (one model call each).
        count: Examples of each symmetric kind (``sts``, ``bitext``) among ``kinds``.
        adapter: A DSPy adapter chosen by the user (``None``: the library decides).
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
    adapter: Any = None
    languages: Languages = "english"
    max_num_words: MaxNumWords = None

    @field_validator("max_num_words")
    @classmethod
    def _embedded_cap(cls, max_num_words: int | None, info: ValidationInfo) -> int | None:
        if max_num_words is None and is_embedded(info.data.get("lm"), info.data.get("api_base")):
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
