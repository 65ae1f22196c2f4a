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

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from embtaskgen.errors import ConfigError, check_int
from embtaskgen.examples.kinds import EXAMPLE_KINDS, resolve_kinds
from embtaskgen.lm.resolve import check_api_bases
from embtaskgen.lm.spec import check_no_repeat, is_local_spec
from embtaskgen.signatures.attributes import LANGUAGE_CHOICES, NUM_WORDS

__all__ = ["EMBEDDED_MAX_NUM_WORDS", "ExampleSettings"]

#: ``max_num_words`` of an embedded model when none is given. Time goes into the tokens a
#: call writes (prefill of the ~400-token prompt is under a second on 2 cores, writing
#: runs at ~25-30 tokens/s): two documents of 100 words are ~300 tokens, ~5-11 s a call;
#: 200 words needed ~350-450 tokens and 14-15 s, and the 900-character bound of a
#: document cuts longer ones anyway (benchmarks/examples.py, README "Stage 2 on the
#: embedded model"). Served models keep the paper's pool, up to 500.
EMBEDDED_MAX_NUM_WORDS = 100


@dataclass(frozen=True)
class ExampleSettings:
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

    kinds: tuple[str, ...] = EXAMPLE_KINDS
    examples_per_task: int = 1
    count: int = 0
    seed: int | None = None
    lm: Any = None
    api_base: str | tuple[str, ...] | None = None
    max_tokens: int | None = None
    no_repeat: float | None = None
    adapter: Any = None
    temperature: float = 1.0
    concurrency: int | None = None
    languages: str | tuple[str, ...] = "english"
    max_num_words: int | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "kinds", resolve_kinds(self.kinds))
        check_int("examples_per_task", self.examples_per_task)
        check_int("count", self.count, minimum=0)
        check_int("concurrency", self.concurrency, optional=True)
        check_int("max_tokens", self.max_tokens, optional=True)
        check_int("max_num_words", self.max_num_words, minimum=min(NUM_WORDS), optional=True)
        if self.max_num_words is None and _embedded(self.lm, self.api_base):
            set_(self, "max_num_words", EMBEDDED_MAX_NUM_WORDS)
        temperature = self.temperature
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 <= temperature <= 2:
            raise ConfigError(f"temperature must be a number in [0, 2], got {temperature!r}")
        set_(self, "temperature", float(temperature))
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)):
            raise ConfigError(f"seed must be an integer or None, got {self.seed!r}")
        if self.api_base is not None and not isinstance(self.api_base, str):
            set_(self, "api_base", check_api_bases(self.api_base))  # replicas; one URL stays a string
        set_(self, "no_repeat", check_no_repeat(self.no_repeat, self.lm))
        set_(self, "languages", _check_languages(self.languages))

    def replace(self, **changes: Any) -> ExampleSettings:
        """A copy with ``changes`` applied, validated again (``None`` values are ignored).

        Example:
            >>> ExampleSettings().replace(examples_per_task=2).examples_per_task
            2
        """
        changes = {key: value for key, value in changes.items() if value is not None}
        return dataclasses.replace(self, **changes) if changes else self

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


def _check_languages(languages: object) -> str | tuple[str, ...]:
    valid = f"{' or '.join(repr(c) for c in LANGUAGE_CHOICES)}, or a non-empty list of language names"
    if isinstance(languages, str):
        if languages in LANGUAGE_CHOICES:
            return languages
        raise ConfigError(f"unknown languages {languages!r}; valid choices are {valid}")
    if isinstance(languages, Sequence) and languages and all(isinstance(x, str) and x.strip() for x in languages):
        return tuple(x.strip() for x in languages)
    raise ConfigError(f"languages must be {valid}, got {languages!r}")
