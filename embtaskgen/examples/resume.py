"""Stage 2's :class:`ExampleRunIdentity`, the ``run`` line of an examples journal (``"stage": "examples"``).

Example:
    >>> identity = ExampleRunIdentity(seed=1, kinds=["sts"], count=2)
    >>> identity.mismatch(identity.model_copy(update={"count": 3}))
    'count: the file was made with 2, this run has 3'
"""

from __future__ import annotations

from typing import Any, ClassVar

from embtaskgen.programs.files import prompts_digest
from embtaskgen.runs.files import RunFiles
from embtaskgen.runs.journal import JournalIdentity, served_at
from embtaskgen.runs.resume import check_fresh

__all__ = ["ExampleRunIdentity", "check_fresh_examples"]


class ExampleRunIdentity(JournalIdentity):
    """Every setting that shapes the rows of one examples file (``seed=None``: not chosen yet)."""

    run_head: ClassVar[dict[str, Any]] = {"stage": "examples"}

    seed: int | None
    kinds: list[str]
    format: str = "jsonl"
    model_name: str | None = None
    api_base: str | list[str] | None = None
    program: str | None = None
    examples_per_task: int | None = None
    count: int | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    no_repeat: float | None = None
    languages: str | list[str] | None = None
    max_num_words: int | None = None

    @classmethod
    def of(cls, generator: Any, format_: str) -> ExampleRunIdentity:
        """The identity of the rows ``generator`` writes in ``format_``."""
        settings = generator.settings
        languages = settings.languages if isinstance(settings.languages, str) else list(settings.languages)
        same = ("seed", "examples_per_task", "count", "temperature", "max_tokens", "no_repeat", "max_num_words")
        return cls(
            kinds=list(settings.kinds),
            format=format_,
            model_name=generator.model_name,
            api_base=served_at(generator),
            program=prompts_digest(generator.named_predictors()),
            languages=languages,
            **{name: getattr(settings, name) for name in same},
        )


def check_fresh_examples(files: RunFiles) -> None:
    """Refuse to start a new run over an earlier one's output or journal (suggesting ``--resume``)."""
    check_fresh(files, any_journal=True)
