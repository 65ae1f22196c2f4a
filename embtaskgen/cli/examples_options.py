"""The options of ``embtaskgen examples`` and ``pipeline`` (stage 2), and the example generator they make."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from embtaskgen.cli.check_command import check_levels_of, check_options, run_checks
from embtaskgen.cli.mining import NEGATIVE_CHOICES, NEGATIVE_FORMATS, export_examples, mine_examples
from embtaskgen.cli.options import Decorator, choice_option, command_errors, count_option, model_options, options
from embtaskgen.cli.run_options import check_executor, cost_options, ray_options, run_options, session_options
from embtaskgen.errors import ConfigError
from embtaskgen.mining.negatives import MINED_KINDS

__all__ = ["RunArgs", "example_generator", "kinds_option", "split_kinds", "stage_2_options"]

_SYMMETRIC = ("sts", "bitext")


def kinds_option(help: str) -> Decorator:
    """``--kinds KIND[,KIND...]``, repeatable (:func:`split_kinds` reads it)."""
    return click.option("--kinds", "kinds", multiple=True, metavar="KIND[,KIND...]", help=help)


#: ``--mine-negatives`` and its knobs, ``--negative``.
_mining_options = options(
    click.option(
        "--mine-negatives",
        is_flag=True,
        help="After the run, mine hard negatives per retrieval / matching example among the other "
        "examples' positives (all-MiniLM-L6-v2, the semantic extra) and record mined_negatives.",
    ),
    count_option("--negatives", default=1, help="--mine-negatives: negatives kept per example (at most --mine-top-k)."),
    count_option("--mine-top-k", default=10, help="--mine-negatives: candidates looked at per example."),
    click.option(
        "--mine-margin",
        type=click.FloatRange(0, 1, min_open=True),
        default=0.95,
        show_default=True,
        help="--mine-negatives: drop candidates scoring above this share of the positive's score.",
    ),
    choice_option(
        "--negative",
        choices=NEGATIVE_CHOICES,
        default="written",
        help="--format sentence-transformers: the negatives, written by the model or mined (needs --mine-negatives).",
    ),
    choice_option(
        "--negative-format",
        choices=NEGATIVE_FORMATS,
        default="triplet",
        help="--format sentence-transformers --negative mined: several negatives as a triplet each, "
        "one n-tuple, or an n-tuple with their cosines (scores, for MarginMSELoss).",
    ),
)

#: The options ``examples`` and ``pipeline`` share with ``generate`` (the Ray ones first), and stage 2's own.
stage_2_options = options(
    ray_options,
    model_options,
    kinds_option(
        "Example kinds (comma-separated, repeatable): text-retrieval, text-matching-short, "
        "text-matching-long, text-classification, sts, bitext, or all."
    ),
    count_option("--count", help="Examples of each symmetric kind (sts, bitext) among --kinds."),
    count_option("--per-task", default=1, help="Examples (model calls) per task."),
    choice_option(
        "--languages",
        choices=("english", "paper"),
        default="english",
        help="Languages of the examples: english, or the paper's XLM-R list and weighting.",
    ),
    choice_option(
        "--format",
        "format_",
        choices=("jsonl", "sentence-transformers", "parquet"),
        default="jsonl",
        help="Examples file: example rows; sentence-transformers: the rows and beside them a "
        "file per column shape (FILE.st-pairs.jsonl, FILE.st-triplets.jsonl, ...); "
        "with --executor ray: jsonl or parquet shards of example rows.",
    ),
    run_options,
    session_options(),
    cost_options,
    _mining_options,
    check_options(stage_2=True),
)


@dataclass(frozen=True)
class RunArgs:
    """The options of :func:`stage_2_options`, as click passes them (an unknown name is a TypeError)."""

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
    timeout: float
    max_response_bytes: int
    resume: bool
    max_failures: int | None
    max_rpm: int | None
    max_tpm: int | None
    progress: bool
    wait_lock: bool
    mine_negatives: bool
    negatives: int
    mine_top_k: int
    mine_margin: float
    negative: str
    negative_format: str
    executor: str
    ray_address: str | None
    ray_workers: int | None
    dry_run: bool = False
    sample: int | None = None
    max_cost: float | None = None
    levels: str | None = None
    judge_model: str | None = None
    judge_api_base: str | None = None

    def sampling(self) -> dict[str, Any]:
        """The model and sampling settings both stages take from these options."""
        names = ("seed", "temperature", "max_tokens", "concurrency", "api_base", "timeout", "max_response_bytes")
        return {"lm": self.model, **{name: getattr(self, name) for name in names}}

    def run_kwargs(self, batch: Any = None) -> dict[str, Any]:
        """:func:`embtaskgen.run`'s keyword arguments (Ray's only with ``--executor ray``; ``batch`` if given)."""
        kwargs: dict[str, Any] = {"resume": self.resume, "max_failures": self.max_failures}
        kwargs.update(progress=self.progress, wait_lock=self.wait_lock, max_rpm=self.max_rpm, max_tpm=self.max_tpm)
        if self.max_cost is not None:
            kwargs["max_cost"] = self.max_cost
        if batch is not None:
            kwargs["batch"] = batch
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
        if self.check_levels() and self.executor == "ray":
            raise click.BadParameter("--checks reads one examples file; it does not run with --executor ray")

    def check_levels(self) -> tuple[str, ...]:
        """The levels of ``--checks`` / ``--judge`` (``()``: none asked; bad ones exit 2)."""
        if self.levels is None and self.judge_model is None:
            if self.judge_api_base is not None:
                raise click.BadParameter("--judge-api-base needs --judge MODEL", param_hint="--judge-api-base")
            return ()
        return check_levels_of(self.levels, self.judge_model, self.judge_api_base)

    def mining_embedder(self, kinds: tuple[str, ...]) -> Any:
        """Check the mining options (usage errors, exit 2) and load the embedding model before any call."""
        unmined = {"--negative mined": self.negative == "mined", "--negatives": self.negatives != 1}
        unmined["--negative-format"] = self.negative_format != "triplet"
        for option, given in unmined.items():
            if given and not self.mine_negatives:
                raise click.BadParameter(f"{option} is about mined negatives: add --mine-negatives", param_hint=option)
        if not self.mine_negatives:
            return None
        if self.format_ != "sentence-transformers" and (self.negative == "mined" or self.negative_format != "triplet"):
            raise click.BadParameter(
                "JSONL rows keep every negative (mined_negatives beside the written one); --negative mined and "
                "--negative-format lay out the files of --format sentence-transformers",
                param_hint="--negative",
            )
        if self.format_ == "sentence-transformers" and self.negative != "mined":
            raise click.BadParameter(
                "--mine-negatives with --format sentence-transformers puts the mined negatives in its files: "
                "add --negative mined (valid choices: written, mined)",
                param_hint="--negative",
            )
        if self.negatives > self.mine_top_k:
            raise click.BadParameter(
                f"--negatives {self.negatives} is more than the {self.mine_top_k} candidates of --mine-top-k",
                param_hint="--negatives",
            )
        if not any(kind in MINED_KINDS for kind in kinds):
            raise click.BadParameter(
                f"negatives are mined for {', '.join(MINED_KINDS)}; none is among the kinds {', '.join(kinds)}",
                param_hint="--mine-negatives",
            )
        from embtaskgen.quality import semantic

        with command_errors("loading the embedding model"):
            return semantic.load_default_model()

    @property
    def run_format(self) -> str:
        """What the run writes: rows for ``sentence-transformers`` (its files come after, from the rows)."""
        return "jsonl" if self.format_ == "sentence-transformers" and self.executor == "local" else self.format_

    def finish(self, output: Path, embedder: Any) -> None:
        """``--mine-negatives``: mine into the finished rows; ``--checks``: record each row's checks in it;
        ``--format sentence-transformers``: write its files."""
        if self.mine_negatives:
            mine_examples(output, embedder, self.mine_top_k, self.mine_margin, self.negatives)
        levels = self.check_levels()
        if levels and output.is_file() and output.stat().st_size:
            run_checks(output, output, levels, self.judge_model, self.judge_api_base, overwrite=True, what="checks")
        if self.format_ == "sentence-transformers":
            export_examples(output, self.negative, self.negative_format)


def example_generator(kinds: list[str], args: RunArgs, *, has_tasks: bool) -> Any:
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
        languages=args.languages,
        **args.sampling(),
    )
    _ = generator.lm  # resolve the model now: a bad --model is a usage error
    return generator


def split_kinds(kinds: tuple[str, ...]) -> list[str]:
    """``--kinds`` values, comma-separated and repeated, as one list."""
    return [part.strip() for item in kinds for part in item.split(",") if part.strip()]
