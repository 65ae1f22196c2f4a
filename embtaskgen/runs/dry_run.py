"""A run's cost before it runs: every planned prompt rendered exactly as the run would send it, counted and priced.

The dry run is a mode of :func:`embtaskgen.run` (``dry_run=True``): the same plan, the
same per-call path (:meth:`Stage.caller <embtaskgen.stage.Stage.caller>` under the run's
DSPy settings), on a copy of the LM whose engine records each request and answers nothing
(:mod:`embtaskgen.lm.recording`); no request leaves the process. Prompt tokens are counted on
those messages (:mod:`embtaskgen.lm.tokens`), the completion bound is the request's
``max_tokens`` (else the model's largest output in LiteLLM's map), and prices come from
:mod:`embtaskgen.lm.pricing`, online and batch. With ``sample=N``, N planned calls spread
over the plan are made for real (nothing is written) and their mean completion tokens give
the expected completion tokens. A call whose first answer does not parse may make more
requests (DSPy's fallback adapter): the dry run counts the first, the one every call makes.

Example:
    >>> import dspy
    >>> from embtaskgen import EmbeddingTaskGenerator
    >>> gen = EmbeddingTaskGenerator("text-retrieval", num_generations=3, seed=1, lm=dspy.LM("openai/gpt-4o-mini"))
    >>> estimate = estimate_stage(gen, gen.stage(), seed=1, keys=gen.stage().plan())
    >>> estimate.calls, estimate.prompt_tokens > 3 * 100, estimate.cost["online"]["prompt"] > 0
    (3, True, True)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import dspy

from embtaskgen.errors import ConfigError
from embtaskgen.lm.pricing import load_litellm, price_of
from embtaskgen.lm.recording import recording_lm
from embtaskgen.lm.tokens import count_prompt_tokens, tokenizer_note
from embtaskgen.runs.binding import bind_for_run, run_settings
from embtaskgen.runs.cost_estimate import CostEstimate, StageEstimate
from embtaskgen.seeds import decide_seed
from embtaskgen.stage import Key, Stage

__all__ = ["call_cost_bound", "completion_bound", "dry_run", "estimate_stage", "pipeline_dry_run", "render_prompts"]

#: Stage 2's kinds that need no task.
_SYMMETRIC = ("sts", "bitext")

logger = logging.getLogger(__name__)


def render_prompts(
    stage: Stage, seed: int, lm: dspy.BaseLM, keys: Sequence[Key]
) -> dict[Key, tuple[list[dict[str, str]], int | None]]:
    """The messages and ``max_tokens`` each call of ``keys`` would send on ``lm``, by key (no request is sent)."""
    recording, engine = recording_lm(lm)
    recording = bind_for_run(recording, on_cost=lambda cost: None)
    call = stage.caller(seed, recording)
    with dspy.context(**run_settings(lm)):
        for key in keys:
            engine.start(key)
            call(*key)
    return engine.requests


def completion_bound(model: str, max_tokens: int | None) -> int | None:
    """The most completion tokens one call may use: ``max_tokens``, else the model's largest output (LiteLLM's map)."""
    if max_tokens is not None:
        return int(max_tokens)
    if price_of(model) is None:
        return None
    try:
        value = load_litellm().get_model_info(model).get("max_output_tokens")
    except Exception:  # noqa: BLE001 - an unmapped model
        return None
    return int(value) if isinstance(value, int) else None


def _spread(keys: Sequence[Key], count: int) -> list[Key]:
    """``count`` keys spread evenly over ``keys`` (every label gets its share)."""
    if count >= len(keys):
        return list(keys)
    return [keys[(i * len(keys)) // count] for i in range(count)]


def _sample(generator: Any, stage: Stage, seed: int, keys: Sequence[Key]) -> tuple[list[Any], int]:
    """Make ``keys`` for real (nothing written); their results and how many raised."""
    lm = bind_for_run(generator.lm, on_cost=lambda cost: None)
    call = stage.caller(seed, lm)
    results: list[Any] = []
    failed = 0
    with dspy.context(**run_settings(generator.lm)), ThreadPoolExecutor(generator.workers(len(keys))) as pool:
        futures = [pool.submit(call, *key) for key in keys]
        for future in futures:
            try:
                results.append(future.result())
            except Exception as exc:  # noqa: BLE001 - a failed sample call is counted, not fatal
                failed += 1
                logger.warning("dry run: a sampled call failed: %s", type(exc).__name__)
    return results, failed


def _tokens(usage: dict[str, Any], key: str) -> int:
    return sum(int((counts or {}).get(key) or 0) for counts in usage.values())


def estimate_stage(
    generator: Any,
    stage: Stage,
    *,
    seed: int,
    keys: Sequence[Key],
    sample: int | None = None,
    scale_to: int | None = None,
    note: str = "",
) -> StageEstimate:
    """Render, count and price the calls ``keys`` of ``stage`` (see the module docstring).

    Args:
        generator: The stage's generator (its LM and concurrency).
        stage: The stage.
        seed: The run seed.
        keys: The calls to estimate.
        sample: Make this many of them for real to measure completion tokens (``None``: none).
        scale_to: The run makes this many calls like ``keys`` (a pipeline's stage 2 on stand-in tasks).
        note: What was approximated, for the report.
    """
    lm = generator.lm
    model = str(lm.model)
    rendered = render_prompts(stage, seed, lm, keys)
    prompts = [count_prompt_tokens(model, messages) for messages, _ in rendered.values()]
    bounds = {value for _, value in rendered.values()}
    max_tokens = completion_bound(model, max(b for b in bounds if b is not None) if bounds - {None} else None)
    calls = len(keys) if scale_to is None else scale_to
    prompt_tokens = sum(prompts) if calls == len(prompts) else round(sum(prompts) / max(1, len(prompts)) * calls)
    estimate = StageEstimate(
        stage=stage.journal_stage or "brainstorm",
        model=model,
        calls=calls,
        rendered=len(rendered),
        prompt_tokens=prompt_tokens,
        tokenizer=tokenizer_note(model),
        max_tokens=max_tokens,
        completion_bound=None if max_tokens is None else calls * max_tokens,
        note=note,
    )
    expected: int | None = None
    results: list[Any] = []
    if sample:
        results, estimate.sample_failed = _sample(generator, stage, seed, _spread(keys, sample))
        estimate.sampled = len(results) + estimate.sample_failed
        outputs = [_tokens(result.usage, "completion_tokens") for result in results]
        if outputs:
            expected = round(sum(outputs) / len(outputs) * calls)
        estimate.expected_completion_tokens = expected
    price = price_of(model)
    if price is not None:
        estimate.price = {
            "prompt": price.prompt,
            "completion": price.completion,
            "batch_prompt": price.batch_prompt,
            "batch_completion": price.batch_completion,
            "batch_source": "LiteLLM's cost map" if price.batch_source == "map" else "half of online (assumed)",
        }
        if results:
            estimate.sample_cost = round(
                sum(
                    price.cost(_tokens(r.usage, "prompt_tokens"), _tokens(r.usage, "completion_tokens"))
                    for r in results
                ),
                6,
            )
    for mode in ("online", "batch"):
        batch = mode == "batch"
        if price is None:
            estimate.cost[mode] = {"prompt": None, "bound": None, "expected": None}
            continue
        bound = None if max_tokens is None else round(price.cost(prompt_tokens, calls * max_tokens, batch=batch), 6)
        estimate.cost[mode] = {
            "prompt": round(price.cost(prompt_tokens, 0, batch=batch), 6),
            "bound": bound,
            "expected": None if expected is None else round(price.cost(prompt_tokens, expected, batch=batch), 6),
        }
    estimate._sample_results = results
    return estimate


def call_cost_bound(
    generator: Any, stage: Stage, seed: int, key: Key, largest_prompt: Callable[[], int]
) -> Callable[[], float]:
    """The most one call of the run may cost (``max_cost``'s bound), priced from LiteLLM's map.

    Its prompt is the larger of ``key``'s rendered prompt and the largest a call of the run
    has used so far; its completion is the request's ``max_tokens`` (else the model's largest output).

    Raises:
        ConfigError: LiteLLM has no price for the model, or no completion bound is known.
    """
    lm = generator.lm
    model = str(lm.model)
    price = price_of(model)
    if price is None:
        raise ConfigError(
            f"max_cost needs a model LiteLLM prices; {model} is not in its cost map (a dry run still counts its tokens)"
        )
    messages, max_tokens = render_prompts(stage, seed, lm, [key])[key]
    bound = completion_bound(model, max_tokens)
    if bound is None:
        raise ConfigError(f"max_cost needs a completion bound: set max_tokens ({model} states no largest output)")
    prompt = count_prompt_tokens(model, messages)
    return lambda: price.cost(max(prompt, largest_prompt()), bound)


def dry_run(generator: Any, stage: Stage, seed: int, sample: int | None) -> CostEstimate:
    """The estimate of a whole run of ``stage`` (``run(dry_run=True)``)."""
    return CostEstimate.of(
        [estimate_stage(generator, stage, seed=seed, keys=stage.plan(), sample=sample, note=_archive_note(generator))]
    )


def _archive_note(generator: Any) -> str:
    """Stage 1's avoid archive lists earlier answers' tasks in later prompts: a dry run has none to list."""
    if getattr(getattr(generator, "settings", None), "sequential", False):
        return "the avoid archive's tasks (earlier answers) are not in the rendered prompts: prompt tokens are a floor"
    return ""


def pipeline_dry_run(task_generator: Any, example_generator: Any, sample: int | None) -> CostEstimate:
    """The estimate of ``pipeline``: stage 1 as :func:`dry_run`; stage 2 on stand-in tasks, scaled.

    Stage 2's prompts depend on tasks stage 1 has not written yet: they are rendered on the
    sampled stage-1 answers' tasks (with ``sample``), else on the categories' seed tasks,
    and scaled to the expected number of tasks (the sample's tasks per call, else
    ``num_tasks``, times stage 1's calls).
    """
    from embtaskgen.signatures.seed_tasks import SEED_TASKS

    seed = decide_seed(task_generator.settings.seed, None)
    stage_1 = task_generator.stage()
    note = _archive_note(task_generator)
    first = estimate_stage(task_generator, stage_1, seed=seed, keys=stage_1.plan(), sample=sample, note=note)
    answered = [result for result in first._sample_results if getattr(result, "items", None)]
    if answered:
        pairs = [(r.category, str(t)) for r in answered for t in r.items if isinstance(t, str)][:40]
        per_call = sum(len(r.items) for r in answered) / len(answered)
        source = f"tasks of the {len(answered)} sampled stage-1 answers"
    else:
        pairs = [(category, task) for category in task_generator.categories for task in SEED_TASKS[category][:5]]
        per_call = float(task_generator.settings.num_tasks)
        source = "the categories' seed tasks"
    stage_2 = example_generator.stage(pairs)
    keys = stage_2.plan()
    on_tasks = [key for key in keys if key[0] not in _SYMMETRIC]
    expected_tasks = per_call * first.calls
    calls = round(len(on_tasks) / max(1, len(pairs)) * expected_tasks) + len(keys) - len(on_tasks)
    note = f"stage 2 rendered on {source}, scaled to about {round(expected_tasks)} tasks (before the gates)"
    second = estimate_stage(
        example_generator,
        stage_2,
        seed=seed,
        keys=keys,
        sample=None if not sample else min(sample, len(keys)),
        scale_to=calls,
        note=note,
    )
    return CostEstimate.of([first, second])
