"""Tune the prompts of either stage's generator against that stage's metric: one :func:`optimize`.

One optimizer run per unit (stage 1: category, stage 2: example kind); what differs
between the stages is their :class:`~embtaskgen.tune.tuning.StageTuning`. Held-out topics,
tasks and seeds never enter tuning. The optimizer plans are :mod:`embtaskgen.tune.optimizers`.

Example:
    >>> import dspy
    >>> from embtaskgen import EmbeddingExampleGenerator
    >>> lm = dspy.utils.DummyLM([{"S1": "A dog runs.", "S2": "A dog is running.", "S3": "Stocks fell."}] * 30)
    >>> tuned = optimize(EmbeddingExampleGenerator("sts", lm=lm), budget=8)
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
from embtaskgen.lm.resolve import resolve_lm
from embtaskgen.tune.lm_calls import LMCallCounter
from embtaskgen.tune.optimizers import DEFAULT_BUDGET, DEFAULT_OPTIMIZER, OPTIMIZERS, plan_for, run_optimizer
from embtaskgen.tune.tuning import tuning_for

__all__ = ["DEFAULT_BUDGET", "DEFAULT_OPTIMIZER", "OPTIMIZERS", "optimize", "optimize_examples"]

logger = logging.getLogger(__name__)

ProgressFn = Callable[[str, int, int], None]


def optimize(
    generator: Any,
    optimizer: str = DEFAULT_OPTIMIZER,
    trainset: Sequence[dspy.Example] | None = None,
    valset: Sequence[dspy.Example] | None = None,
    budget: int = DEFAULT_BUDGET,
    prompt_lm: str | dspy.BaseLM | None = None,
    reflection_lm: str | dspy.BaseLM | None = None,
    seed: int = 0,
    *,
    categories: str | Sequence[str] | None = None,
    kinds: str | Sequence[str] | None = None,
    tasks: Sequence[str] | None = None,
    progress: ProgressFn | None = None,
) -> Any:
    """Tune the prompts of ``generator`` and return a tuned copy (the original is untouched).

    Args:
        generator: The generator to tune (either stage), with the settings tuned for.
        optimizer: One of ``OPTIMIZERS`` (``bootstrap``, ``mipro``, ``gepa``).
        trainset: Stage 1: examples with ``category`` and optionally ``topic``, ``seed``,
            ``num_tasks``; built from training topics and seeds when ``None``.
        valset: Stage 1: examples to select candidates on (default: drawn, or split off a trainset).
        budget: Program calls per category or kind (see :mod:`embtaskgen.tune.optimizers`).
        prompt_lm: MIPROv2's instruction proposer (default: the model being tuned).
        reflection_lm: GEPA's reflection model (default: the model being tuned).
        seed: Seeds the draw of training calls and the optimizers.
        categories: Stage 1: the categories to tune (default: the generator's).
        kinds: Stage 2: the kinds to tune (default: the generator's).
        tasks: Stage 2: tasks to tune the task kinds on (default: ``TRAIN_TASKS``).
        progress: Called as ``progress(unit, calls_so_far, budget)`` after each call.

    Returns:
        A tuned copy of ``generator`` whose ``program_info`` records the optimizer, budget,
        model, metric version and per-unit validation scores and call counts.

    Raises:
        ConfigError: Unknown optimizer, category or kind, a bad budget, a trainset without
            examples of a category, or the other stage's inputs.
        ImportError: ``mipro`` without optuna.

    Example:
        >>> tuned = optimize(generator, "gepa", budget=60,                 # doctest: +SKIP
        ...                  reflection_lm="openai/gpt-4o-mini")
    """
    if optimizer not in OPTIMIZERS:
        raise ConfigError(f"unknown optimizer {optimizer!r}; choose from {', '.join(OPTIMIZERS)}")
    tuning, chosen = tuning_for(generator, categories=categories, kinds=kinds)
    plan = plan_for(optimizer, budget)  # validates the budget before any call
    task_lm = generator.lm
    prompt = resolve_lm(prompt_lm) if prompt_lm is not None else task_lm
    reflection = resolve_lm(reflection_lm) if reflection_lm is not None else task_lm
    tuned = generator.deepcopy()
    info: dict[str, Any] = {
        **tuning.leading_info,
        "model": str(getattr(task_lm, "model", type(task_lm).__name__)),
        "metric_version": tuning.metric_version,
        "optimizer": optimizer,
        "budget": budget,
        "seed": seed,
        "prompt_lm": str(getattr(prompt, "model", "")),
        "reflection_lm": str(getattr(reflection, "model", "")),
        **tuning.settings_info(generator, task_lm),
        tuning.plural: {},
    }
    sizes = (plan.train_size, plan.valset_size)
    for unit in chosen:
        train, val = tuning.datasets(generator, unit, sizes, seed, trainset=trainset, valset=valset, tasks=tasks)
        started = time.perf_counter()
        report = (lambda calls, u=unit: progress(u, calls, budget)) if progress else None
        program = tuning.program(generator, [unit], progress=report)
        logger.info(
            "tuning %s%s with %s: %d train, %d val %s, budget %d",
            unit,
            tuning.label,
            optimizer,
            len(train),
            len(val),
            tuning.calls_are,
            budget,
        )
        with (
            dspy.context(lm=task_lm),
            LMCallCounter({"task_lm": task_lm, "prompt_lm": prompt, "reflection_lm": reflection}) as counter,
        ):
            compiled = run_optimizer(
                plan,
                program,
                tuning.metric,
                train,
                val,
                task_lm=task_lm,
                prompt_lm=prompt,
                reflection_lm=reflection,
                seed=seed,
            )
        attribute = tuning.stage.attributes[unit]
        predictor = getattr(compiled, attribute).deepcopy()
        predictor.lm = None
        predictor.traces, predictor.train = [], []
        figures = tuning.finish(predictor, unit)
        setattr(tuned, attribute, predictor)
        info[tuning.plural][unit] = {
            "plan": plan.as_dict(),
            "train_size": len(train),
            "valset_size": len(val),
            "program_calls": program.calls,
            "parse_failures": program.parse_failures,
            "lm_calls": counter.counts(),
            "valset_score": _valset_score(compiled, tuning.count_candidates),
            **figures,
            "seconds": round(time.perf_counter() - started, 1),
        }
        logger.info("tuned %s%s: %s", unit, tuning.label, info[tuning.plural][unit])
    tuned.program_info = info
    return tuned


def optimize_examples(
    generator: Any,
    optimizer: str = DEFAULT_OPTIMIZER,
    budget: int = DEFAULT_BUDGET,
    prompt_lm: str | dspy.BaseLM | None = None,
    reflection_lm: str | dspy.BaseLM | None = None,
    seed: int = 0,
    **options: Any,
) -> Any:
    """:func:`optimize` with stage 2's positional arguments (kept for old callers)."""
    return optimize(
        generator, optimizer, budget=budget, prompt_lm=prompt_lm, reflection_lm=reflection_lm, seed=seed, **options
    )


def _valset_score(compiled: Any, count_candidates: bool) -> dict[str, Any] | None:
    """The best validation score an optimizer attached, with the candidate count or the untuned score."""
    candidates = getattr(compiled, "candidate_programs", None) or []
    scores = [_fraction(c["score"]) for c in candidates if isinstance(c, dict) and c.get("score") is not None]
    if not scores:
        return None
    result: dict[str, Any] = {"best": round(max(scores), 4)}
    if count_candidates:
        result["candidates"] = len(scores)
        return result
    # How many candidates there were is the plan's to say ("plan": {"candidates": ...}), once.
    untuned = [c["score"] for c in candidates if isinstance(c, dict) and c.get("seed") == -3]
    trial_logs = getattr(compiled, "trial_logs", None) or {}
    if not untuned and 1 in trial_logs and "full_eval_score" in trial_logs[1]:
        untuned = [trial_logs[1]["full_eval_score"]]
    if untuned:
        result["untuned"] = round(_fraction(untuned[0]), 4)
    return result


def _fraction(score: Any) -> float:
    """``dspy.Evaluate`` (behind these scores) reports percentages; the metric is in [0, 1]."""
    return float(score) / 100
