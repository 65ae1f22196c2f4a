"""EmbeddingExampleGenerator: the DSPy module that writes training examples for tasks (stage 2).

One ``dspy.Predict`` per example kind (attributes in ``EXAMPLE_PREDICTOR_NAMES``) and its
:class:`~embtaskgen.examples.settings.ExampleSettings`; each call's attributes are drawn from
its own seeded RNG. The adapter is :func:`embtaskgen.lm.adapters.example_adapter_for`'s
(an adapter the user chose always wins).

Example:
    >>> import dspy
    >>> lm = dspy.utils.DummyLM([{"S1": "A dog runs.", "S2": "A dog is running.", "S3": "A dog sleeps."}])
    >>> gen = EmbeddingExampleGenerator(kinds="sts", count=1, seed=1, lm=lm)
    >>> row = gen().rows[0]
    >>> row["task"], row["S2"], row["attributes"]["language"]
    ('Retrieve semantically similar text.', 'A dog is running.', 'English')
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import dspy

from embtaskgen.brainstorm.call_result import predict
from embtaskgen.errors import ConfigError
from embtaskgen.examples.assembly import assemble_examples
from embtaskgen.examples.attribute_draw import draw_attributes
from embtaskgen.examples.call import ExampleResult, PlannedExample, PlanOverrides
from embtaskgen.examples.kinds import EXAMPLE_PREDICTOR_NAMES, OUTPUT_FIELDS, SYMMETRIC_KINDS, TASK_KINDS, resolve_kinds
from embtaskgen.examples.settings import ExampleSettings
from embtaskgen.examples.task_input import TaskSource, task_refs
from embtaskgen.execute.collect import collect
from embtaskgen.generator_base import GeneratorBase
from embtaskgen.lm.adapters import example_adapter_for
from embtaskgen.lm.guarded_transport import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT
from embtaskgen.lm.resolve import accepts_seed
from embtaskgen.lm.untrusted import sanitize_text
from embtaskgen.seeds import decide_seed, derive_id
from embtaskgen.settings import call_config
from embtaskgen.signatures import EXAMPLE_SIGNATURES

if TYPE_CHECKING:
    from typing import Unpack  # Python 3.11

__all__ = ["EmbeddingExampleGenerator"]

logger = logging.getLogger(__name__)


class EmbeddingExampleGenerator(GeneratorBase):
    """Write training examples for embedding tasks, and symmetric STS / bitext examples.

    Args:
        kinds: One kind, a list of kinds, or ``"all"`` (see ``EXAMPLE_KINDS``): the four
            task categories and ``"sts"``, ``"bitext"``.
        examples_per_task: Examples (model calls) per task.
        count: Examples per symmetric kind among ``kinds``.
        seed: Run seed; the same seed gives the same attributes, calls and rows.
            ``None`` draws a fresh seed, recorded in every row.
        lm: ``None`` for the embedded default model, ``"local:<name|path>"``, a LiteLLM
            model id, or a ``dspy.BaseLM``.
        temperature: Sampling temperature in [0, 2].
        max_tokens: Completion budget per call (``None``: the LM's default).
        concurrency: Calls in flight (``None``: 8, or what the LM allows).
        api_base: Base URL of an OpenAI-compatible server, with a model id string.
        adapter: DSPy adapter to format prompts (``None``: the library decides).
        no_repeat: The embedded model's repeated-phrase penalty (embedded models only).
        languages: ``"english"`` (default), ``"paper"`` or a list of language names.
        max_num_words: Cap of the retrieval documents' ``num_words`` pool.
        timeout: Seconds a served model's attempt may take, connecting and answering.
        max_response_bytes: Longest answer body of a served model (a longer one fails the call).
        settings: An :class:`ExampleSettings` to use as is, instead of the arguments above.

    Raises:
        ConfigError: An unknown kind or languages choice, a count out of range, ...;
            the message names the valid choices.

    Example:
        >>> gen = EmbeddingExampleGenerator(["text-retrieval"], examples_per_task=2, seed=3)
        >>> gen.settings.kinds, gen.retrieval_example.signature.__name__
        (('text-retrieval',), 'RetrievalExample')
    """

    _settings_type = ExampleSettings

    def __init__(
        self,
        kinds: str | Sequence[str] = "all",
        examples_per_task: int = 1,
        count: int = 0,
        seed: int | None = None,
        lm: str | dspy.BaseLM | None = None,
        *,
        temperature: float = 1.0,
        max_tokens: int | None = None,
        concurrency: int | None = None,
        api_base: str | tuple[str, ...] | None = None,
        adapter: dspy.Adapter | None = None,
        no_repeat: float | None = None,
        languages: str | Sequence[str] = "english",
        max_num_words: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        settings: ExampleSettings | None = None,
    ) -> None:
        if settings is None:
            settings = ExampleSettings(
                kinds=kinds,  # type: ignore[arg-type]  # its BeforeValidator takes a name or names
                examples_per_task=examples_per_task,
                count=count,
                seed=seed,
                lm=lm,
                api_base=api_base,
                max_tokens=max_tokens,
                no_repeat=no_repeat,
                adapter=adapter,
                temperature=temperature,
                concurrency=concurrency,
                languages=languages,  # type: ignore[arg-type]  # its BeforeValidator takes a list too
                max_num_words=max_num_words,
                timeout=timeout,
                max_response_bytes=max_response_bytes,
            )
        super().__init__(settings)
        for kind, attribute in EXAMPLE_PREDICTOR_NAMES.items():
            setattr(self, attribute, dspy.Predict(EXAMPLE_SIGNATURES[kind]))

    def predictor_for(self, kind: str) -> dspy.Predict:
        """The predictor that writes examples of ``kind``."""
        (kind,) = resolve_kinds(kind)
        return getattr(self, EXAMPLE_PREDICTOR_NAMES[kind])

    def adapter_for(self, lm: dspy.BaseLM) -> dspy.Adapter | None:
        """The adapter of an example call on ``lm``.

        Example:
            >>> gen = EmbeddingExampleGenerator("sts")
            >>> type(gen.adapter_for(dspy.LM("openai/m"))).__name__
            'StrictChatAdapter'
        """
        return example_adapter_for(lm, None, self.settings.adapter)

    def call(
        self,
        kind: str,
        task: str,
        task_id: str,
        index: int,
        seed: int,
        *,
        attributes: dict[str, Any] | None = None,
        lm: dspy.BaseLM | None = None,
        predictor: dspy.Predict | None = None,
    ) -> ExampleResult:
        """Make one model call: example ``index`` of ``kind`` for task ``task_id`` in run ``seed``.

        ``task`` is "" and ``task_id`` the kind for ``sts`` and ``bitext``; ``attributes``
        default to a draw from the seed. A parse failure is returned (``outputs is None``,
        ``raw_output`` set), never raised.
        """
        (kind,) = resolve_kinds(kind)
        lm = self.lm if lm is None else lm
        predictor = self.predictor_for(kind) if predictor is None else predictor
        if attributes is None:
            attributes = draw_attributes(
                kind,
                seed=seed,
                task_id=task_id,
                index=index,
                languages=self.settings.languages,
                num_words=self.settings.num_words_pool,
            )
        rollout_id = derive_id(seed, "example", kind, task_id, index)
        config = call_config(self.settings, rollout_id, seed=accepts_seed(lm))
        inputs: dict[str, Any] = {**attributes, "task": task} if kind in TASK_KINDS else dict(attributes)
        result = ExampleResult(kind, task_id, index, rollout_id, attributes=dict(attributes))
        prediction = predict(predictor, {**inputs, "config": config}, result, lm, self.adapter_for(lm))
        if prediction is None:
            logger.info("parse failure in %s example %d of %s", kind, index, task_id)
            return result
        result.outputs = {
            name: sanitize_text(value) if isinstance(value, str) else value
            for name in OUTPUT_FIELDS[kind]
            for value in [getattr(prediction, name, None)]
        }
        return result

    def caller(
        self, plan: Sequence[PlannedExample], seed: int, *, lm: dspy.BaseLM | None = None
    ) -> Callable[[str, int], ExampleResult]:
        """The function a run calls per planned example: ``(kind, position in plan) -> ExampleResult``."""

        def call(kind: str, position: int) -> ExampleResult:
            item = plan[position]
            return self.call(item.kind, item.task, item.task_id, item.index, seed, lm=lm)

        return call

    def stage(self, tasks: TaskSource | None = None, format: str = "jsonl") -> Any:  # noqa: A002 - the CLI's name
        """This generator's :class:`~embtaskgen.stage.Stage` over ``tasks`` (an ``ExampleStage``).

        ``format``: ``"jsonl"``, ``"sentence-transformers"``, or with Ray ``"parquet"``.

        Raises:
            ConfigError: Bad tasks, or nothing to write (see :meth:`plan`).
        """
        from embtaskgen.examples.stage import ExampleStage

        return ExampleStage(self, self.plan(tasks), format)

    def plan(self, tasks: TaskSource | None = None, **overrides: Unpack[PlanOverrides]) -> list[PlannedExample]:
        """The examples ``forward`` writes, in order: each task's, then each symmetric kind's.

        Args:
            tasks: Task rows, a JSONL path, a ``datasets.Dataset`` or ``(category, task)``
                pairs (see :func:`embtaskgen.examples.task_input.task_refs`); ``None``: none.
            overrides: ``kinds``, ``count`` or ``examples_per_task`` instead of the settings'.

        Raises:
            ConfigError: Bad input (see ``task_refs``), or nothing to write.
            TypeError: Another keyword argument.

        Example:
            >>> gen = EmbeddingExampleGenerator(["text-retrieval", "bitext"], count=1)
            >>> [(p.kind, p.task_id) for p in gen.plan([("text-retrieval", "Find recipes.")])]
            [('text-retrieval', 'text-retrieval/c02de3639cc0'), ('bitext', 'bitext')]
        """
        if unknown := sorted(overrides.keys() - PlanOverrides.__optional_keys__):
            raise TypeError(f"unknown overrides {', '.join(unknown)} (valid: kinds, count, examples_per_task)")
        settings = self.settings.replace(**overrides)
        planned: list[PlannedExample] = []
        if tasks is not None:
            for ref in task_refs(tasks):
                if ref.category not in settings.kinds:
                    continue
                planned.extend(
                    PlannedExample(ref.category, ref.task_id, i, task=ref.task, category=ref.category)
                    for i in range(settings.examples_per_task)
                )
        for kind in SYMMETRIC_KINDS:
            if kind in settings.kinds:
                planned.extend(PlannedExample(kind, kind, i, category=kind) for i in range(settings.count))
        if not planned:
            raise ConfigError(
                f"nothing to write for kinds {', '.join(settings.kinds)}: pass tasks of those categories, "
                f"or count >= 1 with {' or '.join(SYMMETRIC_KINDS)} among the kinds"
            )
        return planned

    def forward(
        self,
        tasks: TaskSource | None = None,
        *,
        seed: int | None = None,
        progress: Callable[[ExampleResult], None] | None = None,
        **overrides: Unpack[PlanOverrides],
    ) -> dspy.Prediction:
        """Write the planned examples (see :meth:`plan`) and return the valid rows.

        ``seed`` and the ``overrides`` of :meth:`plan` override the settings for this call;
        ``progress`` is called with each finished :class:`ExampleResult`. The same seed gives the
        same rows whatever the concurrency; a call's error is raised once every call has finished.

        Returns:
            A ``dspy.Prediction`` with ``rows`` (valid examples, in plan order), ``seed``,
            ``stats`` (calls, kept, parse failures, errors, invalid per reason, usage)
            and ``failures`` (one dict per call without a row, with the raw text).
        """
        planned = self.plan(tasks, **overrides)
        run_seed = decide_seed(self.settings.seed if seed is None else seed)
        jobs = [(item.kind, position) for position, item in enumerate(planned)]
        results = collect(jobs, self.caller(planned, run_seed), workers=self.workers(len(jobs)), progress=progress)
        return assemble_examples(planned, results, model_name=self.model_name, seed=run_seed)
