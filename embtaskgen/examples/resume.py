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
from embtaskgen.runs.journal import GeneratorIdentity
from embtaskgen.runs.resume import check_fresh

__all__ = ["ExampleRunIdentity", "check_fresh_examples"]


class ExampleRunIdentity(GeneratorIdentity):
    """Every setting that shapes the rows of one examples file (``seed=None``: not chosen yet)."""

    run_head: ClassVar[dict[str, Any]] = {"stage": "examples"}

    kinds: list[str]
    format: str = "jsonl"
    examples_per_task: int | None = None
    count: int | None = None
    languages: str | list[str] | None = None
    max_num_words: int | None = None

    @classmethod
    def of(cls, generator: Any, format_: str) -> ExampleRunIdentity:
        """The identity of the rows ``generator`` writes in ``format_``."""
        settings = generator.settings
        languages = settings.languages if isinstance(settings.languages, str) else list(settings.languages)
        same = ("examples_per_task", "count", "max_num_words")
        return cls(
            **cls.values_of(generator, prompts_digest(generator.named_predictors())),
            kinds=list(settings.kinds),
            format=format_,
            languages=languages,
            **{name: getattr(settings, name) for name in same},
        )


def check_fresh_examples(files: RunFiles) -> None:
    """Refuse to start a new run over an earlier one's output or journal (suggesting ``--resume``)."""
    check_fresh(files, any_journal=True)
