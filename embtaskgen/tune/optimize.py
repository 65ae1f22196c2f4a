"""Tune the category prompts of a generator against the quality metric.

:func:`optimize` returns a tuned copy of an
:class:`~embtaskgen.brainstorm.generator.EmbeddingTaskGenerator`: for each category, one optimizer run
on :class:`~embtaskgen.tune.category_program.CategoryProgram` (that category's predictor, called
exactly as ``generate`` calls it) with :func:`~embtaskgen.tune.scoring.tuning_metric`.
Without a trainset, examples are built from training topics and seeds
(:mod:`embtaskgen.tune.splits`); held-out topics and seeds never enter tuning.

The model being tuned is the generator's. ``prompt_lm`` (MIPROv2's instruction proposer)
and ``reflection_lm`` (GEPA's) default to it too, since no served model is assumed; a
stronger served model proposes much better instructions: pass e.g.
``prompt_lm="openai/gpt-4o-mini"`` or any ``dspy.LM``.

Example:
    >>> from embtaskgen import EmbeddingTaskGenerator
    >>> from embtaskgen.tune.optimize import optimize
    >>> tuned = optimize(EmbeddingTaskGenerator("text-retrieval"), budget=40)  # doctest: +SKIP
    >>> tuned.save("retrieval.json")                                           # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import dspy

from embtaskgen.errors import ConfigError
from embtaskgen.lm.adapters import adapter_for
from embtaskgen.lm.resolve import resolve_lm
from embtaskgen.quality.metric import METRIC_VERSION
from embtaskgen.signatures.categories import PREDICTOR_NAMES, resolve_categories
from embtaskgen.tune.category_program import CategoryProgram
from embtaskgen.tune.demos import curate_demos
from embtaskgen.tune.lm_calls import LMCallCounter
from embtaskgen.tune.optimizers import DEFAULT_BUDGET, DEFAULT_OPTIMIZER, OPTIMIZERS, plan_for, run_optimizer
from embtaskgen.programs.choice import adapter_fingerprint
from embtaskgen.tune.scoring import tuning_metric
from embtaskgen.tune.splits import EXAMPLE_INPUTS, make_example, training_examples

__all__ = ["DEFAULT_BUDGET", "DEFAULT_OPTIMIZER", "OPTIMIZERS", "optimize"]

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
    progress: ProgressFn | None = None,
) -> Any:
    """Tune the prompts of ``generator`` and return a tuned copy (the original is untouched).

    Args:
        generator: The :class:`~embtaskgen.brainstorm.generator.EmbeddingTaskGenerator` to tune; its
            LM, adapter, temperature, ``num_tasks`` and levers are the ones tuned for.
        optimizer: One of ``OPTIMIZERS`` (``bootstrap``, ``mipro``, ``gepa``).
        trainset: Examples with ``category`` and optionally ``topic``, ``seed``,
            ``num_tasks``; built from training topics and seeds when ``None``.
        valset: Examples to select candidates on; built (disjoint from the trainset) when
            ``None`` and no trainset is given, else split off the trainset.
        budget: Program calls per category (see :mod:`embtaskgen.tune.optimizers`).
        prompt_lm: MIPROv2's instruction proposer (default: the model being tuned).
        reflection_lm: GEPA's reflection model (default: the model being tuned).
        seed: Seeds the example draw and the optimizers.
        categories: Categories to tune (default: the generator's).
        progress: Called as ``progress(category, calls_so_far, budget)`` after each call.

    Returns:
        A tuned copy of ``generator`` whose ``program_info`` dict records the optimizer,
        budget, model, metric version and per-category validation scores and call counts
        (saved by :func:`embtaskgen.programs.files.save_program`).

    Raises:
        ValueError: Unknown optimizer or category (the message lists the valid choices),
            a bad budget, or a trainset without examples of a category.
        ImportError: ``mipro`` without optuna.

    Example:
        >>> tuned = optimize(generator, "gepa", budget=60,                 # doctest: +SKIP
        ...                  reflection_lm="openai/gpt-4o-mini")
    """
    if optimizer not in OPTIMIZERS:
        raise ConfigError(f"unknown optimizer {optimizer!r}; choose from {', '.join(OPTIMIZERS)}")
    chosen = generator.categories if categories is None else resolve_categories(categories)
    plan = plan_for(optimizer, budget)  # validates the budget before any call
    task_lm = generator.lm
    prompt = resolve_lm(prompt_lm) if prompt_lm is not None else task_lm
    reflection = resolve_lm(reflection_lm) if reflection_lm is not None else task_lm
    tuned = generator.deepcopy()
    info: dict[str, Any] = {
        "model": str(getattr(task_lm, "model", type(task_lm).__name__)),
        "metric_version": METRIC_VERSION,
        "optimizer": optimizer,
        "budget": budget,
        "seed": seed,
        "prompt_lm": str(getattr(prompt, "model", "")),
        "reflection_lm": str(getattr(reflection, "model", "")),
        "adapter": adapter_fingerprint(adapter_for(task_lm, None, generator.adapter)),
        "num_tasks": generator.num_tasks,
        "temperature": generator.temperature,
        "categories": {},
    }
    for category in chosen:
        train, val = _datasets(category, trainset, valset, plan.train_size, plan.valset_size, seed, generator.num_tasks)
        started = time.perf_counter()
        report = (lambda calls, c=category: progress(c, calls, budget)) if progress else None
        program = CategoryProgram(generator, [category], progress=report)
        logger.info(
            "tuning %s with %s: %d train, %d val examples, budget %d", category, optimizer, len(train), len(val), budget
        )
        with (
            dspy.context(lm=task_lm),
            LMCallCounter({"task_lm": task_lm, "prompt_lm": prompt, "reflection_lm": reflection}) as counter,
        ):
            compiled = run_optimizer(
                plan,
                program,
                tuning_metric,
                train,
                val,
                task_lm=task_lm,
                prompt_lm=prompt,
                reflection_lm=reflection,
                seed=seed,
            )
        attribute = PREDICTOR_NAMES[category]
        predictor = getattr(compiled, attribute).deepcopy()
        predictor.demos = curate_demos(predictor.demos, category) if predictor.demos else []
        predictor.lm = None
        predictor.traces, predictor.train = [], []
        setattr(tuned, attribute, predictor)
        info["categories"][category] = {
            "plan": plan.as_dict(),
            "train_size": len(train),
            "valset_size": len(val),
            "program_calls": program.calls,
            "parse_failures": program.parse_failures,
            "lm_calls": counter.counts(),
            "valset_score": _valset_score(compiled),
            "seconds": round(time.perf_counter() - started, 1),
        }
        logger.info("tuned %s: %s", category, info["categories"][category])
    tuned.program_info = info
    return tuned


def _datasets(
    category: str,
    trainset: Sequence[dspy.Example] | None,
    valset: Sequence[dspy.Example] | None,
    train_size: int,
    val_size: int,
    seed: int,
    num_tasks: int,
) -> tuple[list[dspy.Example], list[dspy.Example]]:
    if trainset is None:
        train = training_examples(category, train_size, seed=seed, num_tasks=num_tasks)
        if valset is None:
            val = training_examples(category, val_size, seed=seed + 1, num_tasks=num_tasks, exclude=train)
        else:
            val = _normalise(valset, category, num_tasks, "valset")
        return train, val
    train = _normalise(trainset, category, num_tasks, "trainset")
    if valset is not None:
        return train, _normalise(valset, category, num_tasks, "valset")
    if len(train) < 2:
        raise ConfigError(f"the trainset has {len(train)} example(s) of {category}; give at least 2 or a valset")
    cut = max(1, len(train) // 3)
    return train[cut:], train[:cut]


def _normalise(examples: Sequence[Any], category: str, num_tasks: int, name: str) -> list[dspy.Example]:
    """The examples of ``category``, with defaults filled in and the program's inputs set."""
    chosen = []
    for index, example in enumerate(examples):
        get = example.get if hasattr(example, "get") else (lambda key, default=None: default)
        if get("category") != category:
            continue
        chosen.append(
            make_example(
                category,
                str(get("topic", "") or ""),
                int(get("seed", index) if get("seed") is not None else index),
                int(get("num_tasks", num_tasks) or num_tasks),
            )
        )
    if not chosen:
        raise ConfigError(
            f"the {name} has no example with category {category!r}; "
            f"each example needs the inputs {', '.join(EXAMPLE_INPUTS)} (category required)"
        )
    return chosen


def _valset_score(compiled: Any) -> dict[str, float] | None:
    """Validation scores an optimizer attached to its result (best and untuned), if any."""
    candidates = getattr(compiled, "candidate_programs", None) or []
    scores = [_fraction(c["score"]) for c in candidates if isinstance(c, dict) and c.get("score") is not None]
    if not scores:
        return None
    # How many candidates there were is the plan's to say ("plan": {"candidates": ...}), once.
    result = {"best": round(max(scores), 4)}
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
