"""EmbeddingTaskGenerator: the DSPy module that brainstorms tasks.

One ``dspy.Predict`` per category (attributes in ``PREDICTOR_NAMES``) and its
:class:`~embtaskgen.settings.GenerationSettings`; ``forward`` runs its calls through the run
executor (:func:`embtaskgen.execute.collect.collect`) and assembles the rows.

Example:
    >>> import dspy
    >>> from embtaskgen import EmbeddingTaskGenerator
    >>> lm = dspy.utils.DummyLM([{"tasks": '["Retrieve news articles for a query."]'}])
    >>> gen = EmbeddingTaskGenerator("text-retrieval", seed=1, lm=lm)
    >>> gen().tasks
    ['Retrieve news articles for a query.']
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import dspy

from embtaskgen.brainstorm.archive import AvoidArchive
from embtaskgen.brainstorm.assembly import assemble_prediction
from embtaskgen.brainstorm.call_result import CallResult, predict, sanitize_items, sanitize_raw
from embtaskgen.brainstorm.levers import Levers
from embtaskgen.errors import check_int
from embtaskgen.execute.collect import collect
from embtaskgen.generator_base import GeneratorBase
from embtaskgen.lm.adapters import adapter_for
from embtaskgen.lm.guarded_transport import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT
from embtaskgen.lm.resolve import accepts_seed
from embtaskgen.programs.choice import apply_program_choice
from embtaskgen.programs.files import ProgramLoader, apply_program
from embtaskgen.programs.files import save_program as write_program
from embtaskgen.seeds import decide_seed, derive_id
from embtaskgen.settings import DEFAULT_AVOID_ARCHIVE, DEFAULT_FEW_SHOT, DEFAULT_TOPICS, GenerationSettings, call_config
from embtaskgen.signatures.categories import PREDICTOR_NAMES, resolve_categories, signature_for

__all__ = ["EmbeddingTaskGenerator"]

logger = logging.getLogger(__name__)


def _setting(name: str, doc: str) -> property:
    return property(lambda self: getattr(self.settings, name), doc=doc)


class EmbeddingTaskGenerator(GeneratorBase):
    """Brainstorm task descriptions for training text-embedding models.

    Args:
        category: One category name, a list of names, or ``"all"`` (see ``CATEGORIES``).
        flatten_tasks: One row per task (``task``) instead of one row per call (``tasks``).
        num_generations: Model calls per category.
        seed: Run seed; the same seed reproduces the same calls (and hits DSPy's cache).
            ``None`` draws a fresh seed, recorded in every row.
        lm: ``None`` for the embedded default model, ``"local:<name|path>"``, a LiteLLM
            model id (``"openai/gpt-4o-mini"``), or a ``dspy.BaseLM``.
        program: The prompts to start with, as ``--program``: ``"default"`` (the shipped
            tuned program where it fits, else the untuned signatures), ``None``/``"none"``
            (the untuned signatures), or a program file.
        settings: A :class:`~embtaskgen.settings.GenerationSettings` to use instead of the
            other options.

    The other keyword options (``temperature``: the paper's 1.0, > 0 for distinct
    generations; ``no_repeat``: embedded models only; ``topics``, ``few_shot`` and
    ``avoid_archive``: the levers) are the fields of
    :class:`~embtaskgen.settings.GenerationSettings` of the same names, where each is documented.

    Every argument is validated once, into the read-only :attr:`settings`
    (:meth:`with_settings` makes a generator with other settings).

    Raises:
        ConfigError: Unknown category, ``num_generations`` or ``num_tasks`` < 1, a
            temperature outside [0, 2], ...; the message names the valid choices.

    Example:
        >>> gen = EmbeddingTaskGenerator("all", num_generations=2, seed=42)  # doctest: +SKIP
        >>> prediction = gen()                                               # doctest: +SKIP
        >>> prediction.rows[0]["category"], len(prediction.tasks)            # doctest: +SKIP
        ('text-retrieval', 31)
    """

    _settings_type = GenerationSettings
    #: ``EmbeddingTaskGenerator.load(path, lm=...)`` builds a generator from a program file;
    #: ``generator.load(path)`` loads its prompts in place.
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
        keep_rejected: bool = False,
        concurrency: int | None = None,
        api_base: str | tuple[str, ...] | None = None,
        adapter: dspy.Adapter | None = None,
        topics: bool | Sequence[str] = DEFAULT_TOPICS,
        few_shot: int = DEFAULT_FEW_SHOT,
        avoid_archive: int = DEFAULT_AVOID_ARCHIVE,
        no_repeat: float | None = None,
        frequency_penalty: float | None = None,
        presence_penalty: float | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        program: str | Path | None = "default",
        settings: GenerationSettings | None = None,
    ) -> None:
        if settings is None:
            settings = GenerationSettings.build(
                category,
                flatten_tasks=flatten_tasks,
                topics=topics,
                num_generations=num_generations,
                seed=seed,
                lm=lm,
                num_tasks=num_tasks,
                topic=topic,
                temperature=temperature,
                max_tokens=max_tokens,
                keep_duplicates=keep_duplicates,
                keep_rejected=keep_rejected,
                concurrency=concurrency,
                api_base=api_base,
                adapter=adapter,
                few_shot=few_shot,
                avoid_archive=avoid_archive,
                no_repeat=no_repeat,
                frequency_penalty=frequency_penalty,
                presence_penalty=presence_penalty,
                timeout=timeout,
                max_response_bytes=max_response_bytes,
            )
        super().__init__(settings)
        #: Metadata of a tuned or loaded program (optimizer, model, scores); see embtaskgen.programs.files.
        self.program_info: dict[str, Any] = {}
        # All four predictors, under the stable attribute names saved programs refer to.
        apply_program_choice(self, program)

    levers = property(lambda self: Levers.of(self.settings), doc="The diversity levers the settings turn on.")
    categories = _setting("categories", "The categories, in order.")
    flatten_tasks = _setting("flatten", "One row per task instead of one row per call.")
    num_generations = _setting("num_generations", "Model calls per category.")
    seed = _setting("seed", "Run seed (``None``: drawn per run).")
    num_tasks = _setting("num_tasks", "Tasks asked for per call.")
    topic = _setting("topic", "Domain every call focuses on.")
    temperature = _setting("temperature", "Sampling temperature.")
    max_tokens = _setting("max_tokens", "Completion budget per call.")
    keep_duplicates = _setting("keep_duplicates", "Keep duplicate tasks.")
    keep_rejected = _setting("keep_rejected", "Keep the precision gate's rejects for inspection.")
    concurrency = _setting("concurrency", "Calls in flight.")
    adapter = _setting("adapter", "The adapter the user chose (``None``: the library decides).")

    def save(
        self,
        path: str,
        save_program: bool = False,
        modules_to_serialize: list[Any] | None = None,
        *,
        categories: str | Sequence[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Any:
        """Save the prompts as a program file (a ``.json`` path, :func:`embtaskgen.save_program`), never an LM.

        Another path (or ``save_program=True``) goes to ``dspy.Module.save``.

        Example:
            >>> tuned.save("tuned.json", metadata={"note": "first try"})  # doctest: +SKIP
        """
        if save_program or not str(path).endswith(".json"):
            return super().save(path, save_program=save_program, modules_to_serialize=modules_to_serialize)
        return write_program(self, path, categories=categories, metadata=metadata)

    def load_state(self, state: dict[str, Any], allow_unsafe_lm_state: bool = False) -> EmbeddingTaskGenerator:
        """Load prompts from a module state, checked like a program file (never an LM)."""
        apply_program(self, state)
        return self

    def predictor_for(self, category: str) -> dspy.Predict:
        """The predictor that serves ``category``."""
        signature_for(category)
        return getattr(self, PREDICTOR_NAMES[category])

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
        lm: dspy.BaseLM | None = None,
        predictor: dspy.Predict | None = None,
        num_tasks: int | None = None,
    ) -> CallResult:
        """Make one model call: the ``generation``-th call of ``category`` in run ``seed``.

        Inputs not given are set by the levers from the seed, category and generation
        (``avoid`` drawn from ``archive``, the tasks accepted earlier). A parse failure is
        returned (``items is None``, ``raw_output`` set), never raised.
        """
        lm = self.lm if lm is None else lm
        predictor = self.predictor_for(category) if predictor is None else predictor
        num_tasks = self.num_tasks if num_tasks is None else num_tasks
        rollout_id = derive_id(seed, category, generation)
        if topic is None:
            topic = self.levers.topic(self.topic, seed=seed, category=category, generation=generation)
        if avoid is None:
            avoid = self.levers.avoid(archive, seed=seed, category=category, generation=generation)
        if demos is None and not predictor.demos:
            demos = self.levers.demos(seed=seed, category=category, generation=generation)
        config = call_config(self.settings, rollout_id, seed=accepts_seed(lm))
        inputs = {"num_tasks": num_tasks, "topic": topic, "avoid": list(avoid)}
        options: dict[str, Any] = {"avoid": len(avoid)}
        call_kwargs: dict[str, Any] = {}
        if demos is not None:
            call_kwargs["demos"] = list(demos)
            options["demos"] = len(demos)
        result = CallResult(category, generation, rollout_id, topic=topic, options=options)
        adapter = adapter_for(lm, category, self.adapter)
        cap = getattr(adapter, "max_items", None)  # the embedded model's list cap
        if isinstance(cap, int) and cap < num_tasks:
            options["asked"] = cap
        prediction = predict(predictor, {**inputs, "config": config, **call_kwargs}, result, lm, adapter)
        if prediction is None:
            logger.info("parse failure in %s generation %d", category, generation)
            return result
        tasks = getattr(prediction, "tasks", None)
        if isinstance(tasks, list):
            result.items = sanitize_items(tasks)
        else:
            result.raw_output = sanitize_raw(repr(tasks))
        return result

    def caller(
        self, seed: int, *, lm: dspy.BaseLM | None = None, topic: str | None = None
    ) -> Callable[[str, int], CallResult]:
        """The function a run calls per planned generation: ``(category, generation) -> CallResult``.

        With the avoid archive on, each call sees the tasks its category accepted before it started.
        """
        archive = AvoidArchive(self.categories) if self.settings.sequential else None

        def call(category: str, generation: int) -> CallResult:
            if archive is None:
                return self.call(category, generation, seed, topic=topic, lm=lm)
            result = self.call(category, generation, seed, topic=topic, lm=lm, archive=archive.snapshot(category))
            archive.add(result)
            return result

        return call

    def stage(self, format: str = "jsonl") -> Any:  # noqa: A002 - the CLI's name
        """This generator's :class:`~embtaskgen.stage.Stage` (a ``TaskStage``) writing ``format`` rows."""
        from embtaskgen.brainstorm.stage import TaskStage

        return TaskStage(self, format)

    def workers(self, calls: int) -> int:
        """Calls to keep in flight: the settings' concurrency capped by the LM, one with the avoid archive."""
        return 1 if self.settings.sequential else super().workers(calls)

    def forward(
        self,
        category: str | Sequence[str] | None = None,
        topic: str | None = None,
        num_generations: int | None = None,
        seed: int | None = None,
        progress: Callable[[CallResult], None] | None = None,
    ) -> dspy.Prediction:
        """Run ``num_generations`` calls per category and return the cleaned rows.

        The arguments override the settings for this call; ``progress`` is called with each
        finished :class:`CallResult`. The same seed gives the same rows whatever the
        concurrency; a call's error is raised once every call has finished.

        Returns:
            A ``dspy.Prediction`` with ``rows`` (dicts in the chosen shape), ``tasks`` (every
            kept task), ``seed``, ``stats`` (calls, parse failures, returned, kept, dropped per
            reason, usage) and ``failures`` (one dict per failed call, with the raw text).
        """
        categories = self.categories if category is None else resolve_categories(category)
        generations = self.num_generations if num_generations is None else num_generations
        check_int("num_generations", generations)
        run_seed = decide_seed(self.seed if seed is None else seed)
        jobs = [(c, g) for c in categories for g in range(generations)]
        results = collect(jobs, self.caller(run_seed, topic=topic), workers=self.workers(len(jobs)), progress=progress)
        return assemble_prediction(results, self.settings, model_name=self.model_name, seed=run_seed, generator=self)
