"""Tune the example prompts of stage 2 against ``score_example`` (``optimize --stage examples``).

:func:`optimize_examples` returns a tuned copy of an
:class:`~embtaskgen.examples.example_generator.EmbeddingExampleGenerator`: for each
kind, one optimizer run (the same plans as stage 1, :mod:`embtaskgen.tune.optimizers`:
``bootstrap`` by default, ``mipro``, ``gepa``) on
:class:`~embtaskgen.tune.example_program.ExampleProgram` (that kind's predictor, called
exactly as ``embtaskgen examples`` calls it) with
:func:`~embtaskgen.tune.example_scoring.example_tuning_metric`. The calls are training
tasks x training seeds (:mod:`embtaskgen.tune.example_splits`); held-out tasks and seeds
never enter tuning. Save the result with
:func:`~embtaskgen.tune.example_program_files.save_example_program` and load it with
``embtaskgen examples --program FILE``.

Example:
    >>> import dspy
    >>> from embtaskgen import EmbeddingExampleGenerator
    >>> lm = dspy.utils.DummyLM([{"S1": "A dog runs.", "S2": "A dog is running.", "S3": "Stocks fell."}] * 30)
    >>> tuned = optimize_examples(EmbeddingExampleGenerator("sts", lm=lm), budget=8)
    >>> tuned.program_info["stage"], sorted(tuned.program_info["kinds"])
    ('examples', ['sts'])
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import dspy

from embtaskgen.errors import ConfigError
from embtaskgen.examples.kinds import EXAMPLE_PREDICTOR_NAMES, resolve_kinds
from embtaskgen.lm.resolve import resolve_lm
from embtaskgen.quality.grading import EXAMPLE_METRIC_VERSION
from embtaskgen.tune.example_program import ExampleProgram
from embtaskgen.tune.example_scoring import example_tuning_metric
from embtaskgen.tune.example_splits import example_training_set
from embtaskgen.tune.lm_calls import LMCallCounter
from embtaskgen.tune.optimizers import DEFAULT_BUDGET, DEFAULT_OPTIMIZER, OPTIMIZERS, plan_for, run_optimizer

__all__ = ["optimize_examples"]

logger = logging.getLogger(__name__)


def optimize_examples(
    generator: Any,
    optimizer: str = DEFAULT_OPTIMIZER,
    budget: int = DEFAULT_BUDGET,
    prompt_lm: str | dspy.BaseLM | None = None,
    reflection_lm: str | dspy.BaseLM | None = None,
    seed: int = 0,
    *,
    kinds: str | Sequence[str] | None = None,
    tasks: Sequence[str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Any:
    """Tune the example prompts of ``generator`` and return a tuned copy (the original is untouched).

    Args:
        generator: The ``EmbeddingExampleGenerator`` to tune; its LM, adapter,
            temperature and languages are the ones tuned for.
        optimizer: One of ``OPTIMIZERS`` (``bootstrap``, ``mipro``, ``gepa``).
        budget: Program calls per kind (see :mod:`embtaskgen.tune.optimizers`).
        prompt_lm: MIPROv2's instruction proposer (default: the model being tuned).
        reflection_lm: GEPA's reflection model (default: the model being tuned).
        seed: Seeds the draw of training calls and the optimizers.
        kinds: Kinds to tune (default: the generator's).
        tasks: Tasks to tune the task kinds on (default: the training part of the
            project's worked examples, ``TRAIN_TASKS``); only tasks are taken, for every kind.
        progress: Called as ``progress(kind, calls_so_far, budget)`` after each call.

    Returns:
        A tuned copy whose ``program_info`` records ``stage`` ("examples"), the optimizer,
        budget, model, metric version and per-kind validation scores and call counts.

    Raises:
        ConfigError: An unknown optimizer or kind (the message names the valid choices),
            or a bad budget.
        ImportError: ``mipro`` without optuna.
    """
    if optimizer not in OPTIMIZERS:
        raise ConfigError(f"unknown optimizer {optimizer!r}; choose from {', '.join(OPTIMIZERS)}")
    chosen = generator.settings.kinds if kinds is None else resolve_kinds(kinds)
    plan = plan_for(optimizer, budget)
    task_lm = generator.lm
    prompt = resolve_lm(prompt_lm) if prompt_lm is not None else task_lm
    reflection = resolve_lm(reflection_lm) if reflection_lm is not None else task_lm
    tuned = generator.deepcopy()
    info: dict[str, Any] = {
        "stage": "examples",
        "model": str(getattr(task_lm, "model", type(task_lm).__name__)),
        "metric_version": EXAMPLE_METRIC_VERSION,
        "optimizer": optimizer,
        "budget": budget,
        "seed": seed,
        "prompt_lm": str(getattr(prompt, "model", "")),
        "reflection_lm": str(getattr(reflection, "model", "")),
        "temperature": generator.settings.temperature,
        "kinds": {},
    }
    for kind in chosen:
        train = example_training_set(kind, plan.train_size, seed=seed, tasks=tasks)
        val = example_training_set(kind, plan.valset_size, seed=seed + 1, tasks=tasks, exclude=train)
        started = time.perf_counter()
        report = (lambda calls, k=kind: progress(k, calls, budget)) if progress else None
        program = ExampleProgram(generator, [kind], progress=report)
        logger.info(
            "tuning %s examples with %s: %d train, %d val calls, budget %d",
            kind,
            optimizer,
            len(train),
            len(val),
            budget,
        )
        with (
            dspy.context(lm=task_lm),
            LMCallCounter({"task_lm": task_lm, "prompt_lm": prompt, "reflection_lm": reflection}) as counter,
        ):
            compiled = run_optimizer(
                plan,
                program,
                example_tuning_metric,
                train,
                val,
                task_lm=task_lm,
                prompt_lm=prompt,
                reflection_lm=reflection,
                seed=seed,
            )
        attribute = EXAMPLE_PREDICTOR_NAMES[kind]
        predictor = getattr(compiled, attribute).deepcopy()
        predictor.lm = None
        predictor.traces, predictor.train = [], []
        setattr(tuned, attribute, predictor)
        info["kinds"][kind] = {
            "plan": plan.as_dict(),
            "train_size": len(train),
            "valset_size": len(val),
            "program_calls": program.calls,
            "parse_failures": program.parse_failures,
            "lm_calls": counter.counts(),
            "valset_score": _valset_score(compiled),
            "demos": len(predictor.demos),
            "seconds": round(time.perf_counter() - started, 1),
        }
        logger.info("tuned %s examples: %s", kind, info["kinds"][kind])
    tuned.program_info = info
    return tuned


def _valset_score(compiled: Any) -> dict[str, float] | None:
    """The best validation score an optimizer attached to its result (``dspy.Evaluate`` percentages)."""
    candidates = getattr(compiled, "candidate_programs", None) or []
    scores = [float(c["score"]) / 100 for c in candidates if isinstance(c, dict) and c.get("score") is not None]
    if not scores:
        return None
    return {"best": round(max(scores), 4), "candidates": len(scores)}
