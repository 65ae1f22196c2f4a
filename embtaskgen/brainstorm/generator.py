"""EmbeddingTaskGenerator: the DSPy module that brainstorms tasks.

It holds one ``dspy.Predict`` per category (attributes named after the categories, see
``PREDICTOR_NAMES``), routes a request to the chosen categories, fans out
``num_generations`` calls per category, each with its own ``rollout_id`` derived from
the seed, cleans and de-duplicates the lists, and returns rows in distilabel's shapes.

Example:
    >>> import dspy
    >>> from embtaskgen import EmbeddingTaskGenerator
    >>> lm = dspy.utils.DummyLM([{"tasks": '["Retrieve news articles for a query."]'}])
    >>> gen = EmbeddingTaskGenerator("text-retrieval", seed=1, lm=lm)
    >>> gen().tasks
    ['Retrieve news articles for a query.']
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import dspy
from dspy.utils.exceptions import AdapterParseError

from embtaskgen.brainstorm.assembly import assemble
from embtaskgen.brainstorm.call_result import CallResult
from embtaskgen.brainstorm.categories import PREDICTOR_NAMES, resolve_categories, signature_for
from embtaskgen.brainstorm.cleaning import TaskDeduper
from embtaskgen.brainstorm.levers import DEFAULT_AVOID_ARCHIVE, DEFAULT_FEW_SHOT, DEFAULT_TOPICS, Levers
from embtaskgen.lm.resolve import lm_concurrency, resolve_lm
from embtaskgen.lm.spec import check_no_repeat
from embtaskgen.brainstorm.program_state import ProgramLoader
from embtaskgen.brainstorm.program_state import save_program as write_program
from embtaskgen.brainstorm.rows import GenerationMetadata, GenerationRow
from embtaskgen.settings import derive_id, fresh_seed
from embtaskgen.errors import ConfigError
from embtaskgen.lm.adapters import adapter_for

__all__ = ["EmbeddingTaskGenerator", "load_program"]

logger = logging.getLogger(__name__)


class _LMHolder:
    """Keeps the LM choice out of ``deepcopy`` (optimizers copy modules) and resolves it once."""

    def __init__(self, spec: Any, api_base: str | None, max_tokens: int | None, no_repeat: float | None) -> None:
        self.spec = spec
        self.api_base = api_base
        self.max_tokens = max_tokens
        self.no_repeat = no_repeat
        self._lm: dspy.BaseLM | None = None
        self._lock = threading.Lock()

    def get(self) -> dspy.BaseLM:
        with self._lock:
            if self._lm is None:
                self._lm = resolve_lm(
                    self.spec, api_base=self.api_base, max_tokens=self.max_tokens, no_repeat=self.no_repeat
                )
            return self._lm

    def __deepcopy__(self, memo: dict[int, Any]) -> _LMHolder:
        return self


def _check_positive(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be an integer >= 1, got {value!r}")


class EmbeddingTaskGenerator(dspy.Module):
    """Brainstorm task descriptions for training text-embedding models.

    Args:
        category: One category name, a list of names, or ``"all"`` (see ``CATEGORIES``).
        flatten_tasks: One row per task (``task``) instead of one row per call (``tasks``).
        num_generations: Model calls per category.
        seed: Run seed; the same seed reproduces the same calls (and hits DSPy's cache).
            ``None`` draws a fresh seed, recorded in every row.
        lm: ``None`` for the embedded default model, ``"local:<name|path>"``, a LiteLLM
            model id (``"openai/gpt-4o-mini"``), or a ``dspy.BaseLM``.
        num_tasks: Tasks asked for per call.
        topic: Domain every call focuses on ("" for any).
        temperature: Sampling temperature (the paper uses 1.0). Must be > 0 for distinct
            generations.
        max_tokens: Completion budget per call (``None``: the LM's default).
        keep_duplicates: Keep duplicate tasks instead of dropping them.
        concurrency: Calls in flight at once (``None``: 8, or what the LM allows; the
            embedded model runs one at a time).
        api_base: Base URL of an OpenAI-compatible server, with a model id string.
        adapter: DSPy adapter to format prompts; ``None`` picks the compact adapter for
            the embedded model and DSPy's default otherwise.
        topics: Topic conditioning: ``True`` draws a domain per call from the built-in
            pool, a list draws from that list, ``False`` is off. A fixed ``topic`` wins.
        few_shot: Worked examples per call drawn from the seed pool (0: off).
        avoid_archive: Tasks accepted earlier in the run passed as ``avoid`` per call
            (0: off); a category's generations then run one after another.
        no_repeat: The embedded model's repeated-phrase penalty (README, "The embedded
            model"): ``0`` turns it off, ``None`` keeps the model's default (0.8). Only
            with an embedded model spec (``lm=None`` or ``"local:..."``).

    Raises:
        ValueError: Unknown category, ``num_generations`` or ``num_tasks`` < 1, or a
            temperature outside [0, 2]; the message names the valid choices.

    Example:
        >>> gen = EmbeddingTaskGenerator("all", num_generations=2, seed=42)  # doctest: +SKIP
        >>> prediction = gen()                                               # doctest: +SKIP
        >>> prediction.rows[0]["category"], len(prediction.tasks)            # doctest: +SKIP
        ('text-retrieval', 31)
    """

    #: Load a program file (embtaskgen.brainstorm.program_state): ``EmbeddingTaskGenerator.load(path, lm=...)``
    #: builds a generator with its prompts; ``generator.load(path)`` loads them in place.
    load = ProgramLoader()

    def __init__(
        self,
        category: str | Sequence[str] = "all",
        flatten_tasks: bool = False,
        num_generations: int = 1,
        seed: int | None = None,
        lm: str | dspy.BaseLM | None = None,
        *,
        num_tasks: int = 20,
        topic: str = "",
        temperature: float = 1.0,
        max_tokens: int | None = None,
        keep_duplicates: bool = False,
        concurrency: int | None = None,
        api_base: str | None = None,
        adapter: dspy.Adapter | None = None,
        topics: bool | Sequence[str] = DEFAULT_TOPICS,
        few_shot: int = DEFAULT_FEW_SHOT,
        avoid_archive: int = DEFAULT_AVOID_ARCHIVE,
        no_repeat: float | None = None,
    ) -> None:
        super().__init__()
        self.categories = resolve_categories(category)
        _check_positive("num_generations", num_generations)
        _check_positive("num_tasks", num_tasks)
        if concurrency is not None:
            _check_positive("concurrency", concurrency)
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 <= temperature <= 2:
            raise ConfigError(f"temperature must be a number in [0, 2], got {temperature!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ConfigError(f"seed must be an integer or None, got {seed!r}")
        if not isinstance(topic, str):
            raise ConfigError(f"topic must be a string, got {type(topic).__name__}")
        self.flatten_tasks = bool(flatten_tasks)
        self.num_generations = num_generations
        self.seed = seed
        self.num_tasks = num_tasks
        self.topic = topic
        self.temperature = float(temperature)
        self.max_tokens = max_tokens
        self.keep_duplicates = keep_duplicates
        self.concurrency = concurrency
        self.adapter = adapter
        self.levers = Levers.build(topics, few_shot, avoid_archive)
        self._lm_holder = _LMHolder(lm, api_base, max_tokens, check_no_repeat(no_repeat, lm))
        # One predictor per category, always all four, under stable attribute names:
        # saved programs refer to them by these paths.
        for name, attribute in PREDICTOR_NAMES.items():
            setattr(self, attribute, dspy.Predict(signature_for(name)))
        #: Metadata of a tuned or loaded program (optimizer, model, scores); see embtaskgen.brainstorm.program_state.
        self.program_info: dict[str, Any] = {}

    def save(
        self,
        path: str,
        save_program: bool = False,
        modules_to_serialize: list[Any] | None = None,
        *,
        categories: str | Sequence[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Any:
        """Save the prompts (instructions and demos per category) as readable JSON, without any LM.

        A ``.json`` path writes DSPy's module state plus an ``"embtaskgen"`` metadata block
        (:func:`embtaskgen.brainstorm.program_state.save_program`); anything else goes to ``dspy.Module.save``.

        Example:
            >>> tuned.save("tuned.json", metadata={"note": "first try"})  # doctest: +SKIP
        """
        if save_program or not str(path).endswith(".json"):
            return super().save(path, save_program=save_program, modules_to_serialize=modules_to_serialize)
        return write_program(self, path, categories=categories, metadata=metadata)

    # ----------------------------------------------------------------- model
    @property
    def lm(self) -> dspy.BaseLM:
        """The resolved LM (the embedded model loads on first use)."""
        return self._lm_holder.get()

    @property
    def model_name(self) -> str:
        """Name recorded in every row's ``model_name``."""
        return str(getattr(self.lm, "model", type(self.lm).__name__))

    def predictor_for(self, category: str) -> dspy.Predict:
        """The predictor that serves ``category``."""
        signature_for(category)
        return getattr(self, PREDICTOR_NAMES[category])

    # ------------------------------------------------------------------ calls
    def call(
        self,
        category: str,
        generation: int,
        seed: int,
        *,
        topic: str | None = None,
        avoid: Sequence[str] | None = None,
        demos: Sequence[dspy.Example] | None = None,
        archive: Sequence[str] = (),
    ) -> CallResult:
        """Make one model call: the ``generation``-th call of ``category`` in run ``seed``.

        Inputs not given are set by the levers (topic, few-shot demos, ``avoid`` drawn
        from ``archive``), from the seed, category and generation alone.
        A parse failure is returned (``items is None``, ``raw_output`` set), never raised;
        other errors propagate.
        """
        lm = self.lm
        rollout_id = derive_id(seed, category, generation)
        where = {"seed": seed, "category": category, "generation": generation}
        if topic is None:
            topic = self.levers.topic(self.topic, **where)
        if avoid is None:
            avoid = self.levers.avoid(archive, **where)
        if demos is None and not self.predictor_for(category).demos:
            demos = self.levers.demos(**where)
        config: dict[str, Any] = {"rollout_id": rollout_id, "temperature": self.temperature}
        if self.max_tokens is not None:
            config["max_tokens"] = self.max_tokens
        if _accepts_seed(lm):
            config["seed"] = rollout_id
        inputs = {"num_tasks": self.num_tasks, "topic": topic, "avoid": list(avoid)}
        options: dict[str, Any] = {"avoid": len(avoid)}
        call_kwargs: dict[str, Any] = {}
        if demos is not None:
            call_kwargs["demos"] = list(demos)
            options["demos"] = len(demos)
        result = CallResult(category, generation, rollout_id, topic=topic, options=options)
        # Usage is tracked per call (a parent tracker would swallow it: DSPy attaches
        # usage only where tracking starts).
        overrides: dict[str, Any] = {"lm": lm, "track_usage": True, "usage_tracker": None}
        adapter = adapter_for(lm, category, self.adapter)
        if adapter is not None:
            overrides["adapter"] = adapter
        with dspy.context(**overrides):
            try:
                prediction = self.predictor_for(category)(**inputs, config=config, **call_kwargs)
            except AdapterParseError as exc:
                result.raw_output = str(exc.lm_response)
                logger.info("parse failure in %s generation %d", category, generation)
                return result
        result.usage = dict(prediction.get_lm_usage() or {})
        tasks = getattr(prediction, "tasks", None)
        if isinstance(tasks, list):
            result.items = tasks
        else:
            result.raw_output = repr(tasks)
        return result

    def forward(
        self,
        category: str | Sequence[str] | None = None,
        topic: str | None = None,
        num_generations: int | None = None,
        seed: int | None = None,
        progress: Callable[[CallResult], None] | None = None,
    ) -> dspy.Prediction:
        """Run ``num_generations`` calls per category and return the cleaned rows.

        Args:
            category: Override the constructor's categories for this call.
            topic: Override the constructor's topic for this call.
            num_generations: Override the constructor's number of calls per category.
            seed: Override the constructor's seed for this call.
            progress: Called with each :class:`CallResult` as it finishes.

        Returns:
            A ``dspy.Prediction`` with ``rows`` (list of dicts in the chosen shape),
            ``tasks`` (every kept task, in order), ``seed``, ``stats`` (calls,
            parse failures, returned, kept, dropped per reason, duplicates, usage) and
            ``failures`` (one dict per failed call, with the raw text).
        """
        categories = self.categories if category is None else resolve_categories(category)
        generations = self.num_generations if num_generations is None else num_generations
        _check_positive("num_generations", generations)
        run_seed = seed if seed is not None else self.seed
        if run_seed is None:
            run_seed = fresh_seed()
            logger.info("no seed given; drew seed %d", run_seed)
        jobs = [(c, g) for c in categories for g in range(generations)]
        results = self._run_jobs(jobs, run_seed, topic, progress)
        return self._assemble(results, run_seed)

    def _run_jobs(
        self,
        jobs: list[tuple[str, int]],
        seed: int,
        topic: str | None,
        progress: Callable[[CallResult], None] | None,
    ) -> list[CallResult]:
        # With the avoid archive, a category's generations form one chain run in order
        # (each sees what the earlier ones accepted); otherwise every call is independent.
        if self.levers.sequential:
            chains = [[job for job in jobs if job[0] == c] for c in dict.fromkeys(j[0] for j in jobs)]
        else:
            chains = [[job] for job in jobs]
        workers = min(lm_concurrency(self.lm, self.concurrency), len(chains))

        def run_chain(chain: list[tuple[str, int]]) -> list[CallResult]:
            archive = TaskDeduper()
            accepted: list[str] = []
            results = []
            for category, generation in chain:
                result = self.call(category, generation, seed, topic=topic, archive=accepted)
                if result.items is not None and self.levers.sequential:
                    accepted.extend(archive.clean(result.items).tasks)
                if progress is not None:
                    progress(result)
                results.append(result)
            return results

        if workers <= 1:
            done = [run_chain(chain) for chain in chains]
        else:
            # Each chain runs in a copy of the caller's context, so the caller's
            # dspy.context(...) settings (cache, callbacks, ...) reach the worker threads.
            contexts = [contextvars.copy_context() for _ in chains]
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="embtaskgen") as pool:
                futures = [pool.submit(ctx.run, run_chain, chain) for ctx, chain in zip(contexts, chains)]
                done = [future.result() for future in futures]
        order = {job: index for index, job in enumerate(jobs)}
        return sorted((r for chain in done for r in chain), key=lambda r: order[(r.category, r.generation)])

    def _assemble(self, results: Sequence[CallResult], seed: int) -> dspy.Prediction:
        deduper = TaskDeduper(keep_duplicates=self.keep_duplicates)
        model_name = self.model_name
        rows: list[dict[str, Any]] = []
        tasks: list[str] = []
        failures: list[dict[str, Any]] = []
        dropped: Counter[str] = Counter()
        returned = 0
        usage: Counter[str] = Counter()
        for result in results:
            usage.update(result.token_counts())
            if result.items is not None:
                built = assemble(
                    result, deduper, model_name=model_name, seed=seed,
                    num_tasks=self.num_tasks, flatten=self.flatten_tasks,
                )
                rows.extend(built.rows)
                tasks.extend(built.tasks)
                dropped.update(built.dropped)
                returned += built.returned
                continue
            # A failed call keeps an empty row (not flattened) with the raw text.
            failure = {
                "category": result.category,
                "generation": result.generation,
                "reason": "parse_failure" if result.parse_failure else "error",
                "error": result.error,
                "raw_output": result.raw_output,
            }
            failures.append(failure)
            if not self.flatten_tasks:
                metadata = GenerationMetadata(
                    rollout_id=result.rollout_id,
                    num_tasks=self.num_tasks,
                    options=result.options,
                    parse_failure=result.parse_failure,
                    raw_output=result.raw_output,
                    error=result.error,
                )
                row = GenerationRow(
                    category=result.category, tasks=[], model_name=model_name,
                    generation=result.generation, seed=seed, topic=result.topic, metadata=metadata,
                )
                rows.append(row.model_dump(mode="json", exclude_none=True))
        stats = {
            "calls": len(results),
            "parse_failures": sum(1 for f in failures if f["reason"] == "parse_failure"),
            "errors": sum(1 for f in failures if f["reason"] == "error"),
            "returned": returned,
            "kept": len(tasks),
            "dropped": dict(dropped),
            "duplicates": dropped["duplicate_exact"] + dropped["duplicate_normalised"],
            "usage": dict(usage),
        }
        return dspy.Prediction(rows=rows, tasks=tasks, seed=seed, stats=stats, failures=failures)


def _accepts_seed(lm: dspy.BaseLM) -> bool:
    """Whether to pass a sampling seed: custom engines (llama.cpp) and OpenAI-style servers."""
    engine = getattr(lm, "engine", None)
    if engine is not None and not isinstance(engine, str):
        return bool(getattr(engine, "accepts_seed", True))
    model = str(getattr(lm, "model", ""))
    return model.startswith(("openai/", "hosted_vllm/"))


def load_program(path: str, **generator_kwargs: Any) -> EmbeddingTaskGenerator:
    """Build an :class:`EmbeddingTaskGenerator` with the prompts of a program file.

    The same as ``EmbeddingTaskGenerator.load(path, **generator_kwargs)``; the category
    defaults to the stored ones.

    Example:
        >>> gen = load_program("tuned.json", lm="openai/gpt-4o-mini", seed=1)  # doctest: +SKIP
    """
    return EmbeddingTaskGenerator.load(path, **generator_kwargs)
