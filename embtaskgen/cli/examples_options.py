"""The options of ``embtaskgen examples`` and ``pipeline`` (stage 2), and the example generator they make.

:func:`stage_2_options` adds the model, the kinds and counts, the languages, the format,
the options every run has (:mod:`embtaskgen.cli.run_options`), ``--mine-negatives``
with its knobs and the Ray options; :class:`RunArgs` holds them as click passes them;
:func:`example_generator` makes the generator, with bad arguments as usage errors
(exit 2, naming the valid choices).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from embtaskgen.cli.negative_mining import NEGATIVE_CHOICES, mine_examples
from embtaskgen.cli.options import API_BASE_OPTION, MODEL_HELP
from embtaskgen.cli.run_options import check_executor, ray_options, run_options, session_options
from embtaskgen.errors import ConfigError

__all__ = ["RunArgs", "example_generator", "split_kinds", "stage_2_options"]

_LANGUAGES = ("english", "paper")
_FORMATS = ("jsonl", "sentence-transformers", "parquet")
_SYMMETRIC = ("sts", "bitext")


def _mining_options(function: Any) -> Any:
    """``--mine-negatives`` and its knobs, ``--negative``."""
    options = [
        click.option(
            "--mine-negatives",
            is_flag=True,
            help="After the run, mine a hard negative per retrieval / matching example among the other "
            "examples' positives (all-MiniLM-L6-v2, the semantic extra) and record mined_negative.",
        ),
        click.option(
            "--mine-top-k",
            type=click.IntRange(min=1),
            default=10,
            show_default=True,
            help="--mine-negatives: candidates looked at per example.",
        ),
        click.option(
            "--mine-margin",
            type=click.FloatRange(0, 1, min_open=True),
            default=0.95,
            show_default=True,
            help="--mine-negatives: drop candidates scoring above this share of the positive's score.",
        ),
        click.option(
            "--negative",
            type=click.Choice(NEGATIVE_CHOICES),
            default="written",
            show_default=True,
            help="--format sentence-transformers: the negative column, written by the model or mined "
            "(needs --mine-negatives).",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def stage_2_options(function: Any) -> Any:
    """The options ``examples`` and ``pipeline`` share with ``generate``, and stage 2's own."""
    options = [
        click.option("-m", "--model", default=None, help=MODEL_HELP),
        API_BASE_OPTION,
        click.option(
            "--kinds",
            "kinds",
            multiple=True,
            metavar="KIND[,KIND...]",
            help="Example kinds (comma-separated, repeatable): text-retrieval, text-matching-short, "
            "text-matching-long, text-classification, sts, bitext, or all.",
        ),
        click.option(
            "--count",
            type=click.IntRange(min=1),
            default=None,
            help="Examples of each symmetric kind (sts, bitext) among --kinds.",
        ),
        click.option(
            "--per-task",
            type=click.IntRange(min=1),
            default=1,
            show_default=True,
            help="Examples (model calls) per task.",
        ),
        click.option(
            "--languages",
            type=click.Choice(_LANGUAGES),
            default="english",
            show_default=True,
            help="Languages of the examples: english, or the paper's XLM-R list and weighting.",
        ),
        click.option(
            "--format",
            "format_",
            type=click.Choice(_FORMATS),
            default="jsonl",
            show_default=True,
            help="Examples file: example rows, or sentence-transformers anchor/positive/negative; "
            "with --executor ray: jsonl or parquet shards of example rows.",
        ),
        run_options,
        session_options(ray=False),
        _mining_options,
    ]
    for option in reversed(options):
        function = option(function)
    return ray_options(function)


@dataclass(frozen=True)
class RunArgs:
    """The options of :func:`_run_options`, as click passes them (an unknown name is a TypeError)."""

    model: str | None
    api_base: str | tuple[str, ...] | None
    kinds: tuple[str, ...]
    count: int | None
    per_task: int
    languages: str
    format_: str
    seed: int | None
    temperature: float
    max_tokens: int | None
    concurrency: int | None
    resume: bool
    max_failures: int | None
    cache: bool
    progress: bool
    mine_negatives: bool
    mine_top_k: int
    mine_margin: float
    negative: str
    executor: str
    ray_address: str | None
    ray_workers: int | None

    def run_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of :func:`embtaskgen.run` (the Ray ones only with ``--executor ray``)."""
        kwargs: dict[str, Any] = {"resume": self.resume, "max_failures": self.max_failures}
        kwargs.update(progress=self.progress, cache=self.cache)
        if self.executor == "ray":
            if self.mine_negatives:
                raise click.BadParameter(
                    "--mine-negatives reads one examples file; it does not run with --executor ray",
                    param_hint="--mine-negatives",
                )
            kwargs.update(executor="ray", ray_address=self.ray_address, ray_workers=self.ray_workers)
        return kwargs

    def check_executor(self, output: Path) -> None:
        """Refuse (exit 2) Ray options without ``--executor ray`` and the mining options it cannot run."""
        check_executor(self.executor, self.ray_address, self.ray_workers, output, parquet=self.format_ == "parquet")
        self.run_kwargs()

    def mine(self, output: Path, embedder: Any) -> None:
        """``--mine-negatives``: mine into the finished examples file."""
        if self.mine_negatives:
            mine_examples(
                output,
                embedder,
                format_=self.format_,
                negative=self.negative,
                top_k=self.mine_top_k,
                margin=self.mine_margin,
            )


def example_generator(kinds: list[str], args: RunArgs, *, has_tasks: bool, seed: int | None) -> Any:
    """The generator of a stage-2 run; bad arguments are usage errors (exit 2)."""
    from embtaskgen.examples.generator import EmbeddingExampleGenerator
    from embtaskgen.examples.kinds import resolve_kinds

    try:
        chosen = resolve_kinds(kinds or "all")
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--kinds") from exc
    symmetric = [kind for kind in chosen if kind in _SYMMETRIC]
    if args.count is not None and not symmetric:
        raise click.BadParameter(
            f"--count writes examples of the symmetric kinds; add {' or '.join(_SYMMETRIC)} to --kinds "
            f"(valid kinds: {', '.join(resolve_kinds('all'))})",
            param_hint="--count",
        )
    named = [kind for kind in kinds if kind in _SYMMETRIC]
    if args.count is None and named:
        raise click.BadParameter(
            f"--kinds {','.join(symmetric)} needs --count N (examples of each)", param_hint="--count"
        )
    if not has_tasks and not symmetric:
        raise click.UsageError(
            "nothing to write: pass --tasks FILE (task rows from 'embtaskgen generate'), "
            f"or --kinds {','.join(_SYMMETRIC)} with --count N"
        )
    generator = EmbeddingExampleGenerator(
        kinds=chosen,
        examples_per_task=args.per_task,
        count=args.count or 0,
        seed=seed,
        lm=args.model,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        concurrency=args.concurrency,
        api_base=args.api_base,
        languages=args.languages,
    )
    _ = generator.lm  # resolve the model now: a bad --model is a usage error
    return generator


def split_kinds(kinds: tuple[str, ...]) -> list[str]:
    """``--kinds`` values, comma-separated and repeated, as one list."""
    return [part.strip() for item in kinds for part in item.split(",") if part.strip()]
