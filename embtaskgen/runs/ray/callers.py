"""What a Ray worker builds once: the generator, its LM from the model spec, and the call function.

:class:`GeneratorCalls` is picklable (the generator's class, settings with the model
spec, prompts, seed, stage 2's plan); ``build()`` binds the LM as the local runner does
and returns the generator's own ``caller``, so a call on Ray is the same code as a local one.

Example:
    >>> import dspy
    >>> from embtaskgen.brainstorm.generator import EmbeddingTaskGenerator
    >>> gen = EmbeddingTaskGenerator("text-retrieval", seed=1, lm="openai/m", api_base="http://127.0.0.1:9/v1")
    >>> factory = GeneratorCalls.of(gen, seed=1)
    >>> call, settings = factory.build()
    >>> callable(call), settings["max_trace_size"]
    (True, 0)"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from embtaskgen.errors import ConfigError
from embtaskgen.execute.scheduler import Job
from embtaskgen.runs.binding import bind_for_run, run_settings

__all__ = ["GeneratorCalls"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GeneratorCalls:
    """The factory of one run's call function in a Ray worker (see the module docstring)."""

    generator_class: type
    settings: Any
    state: dict[str, Any]
    seed: int
    plan: Sequence[Any] | None = None

    @classmethod
    def of(cls, generator: Any, *, seed: int, plan: Sequence[Any] | None = None) -> GeneratorCalls:
        """The factory for ``generator``; a live model object that cannot be pickled is a ``ConfigError``."""
        factory = cls(
            type(generator), generator.settings, generator.dump_state(), seed, list(plan) if plan is not None else None
        )
        if not isinstance(generator.settings.lm, (str, type(None))):
            try:
                pickle.dumps(generator.settings.lm)
            except Exception as exc:  # noqa: BLE001 - any pickling failure means the same
                raise ConfigError(
                    "executor='ray' builds the model in each worker from its spec; this model object cannot be "
                    f"sent to a worker ({type(exc).__name__}): pass lm as a string ('openai/<model>' with "
                    "api_base, or 'local:<name>')"
                ) from exc
        return factory

    def build(self) -> tuple[Callable[[Job], Any], dict[str, Any]]:
        """Make the generator and its run LM; return the per-job call and the DSPy settings to run it under."""
        generator = self.generator_class(settings=self.settings)
        if self.state:
            generator.load_state(self.state)
        costs: list[float] = []

        def on_cost(cost: object) -> None:
            if isinstance(cost, (int, float)) and not isinstance(cost, bool):
                costs.append(float(cost))

        lm = bind_for_run(generator.lm, on_cost=on_cost)
        if self.plan is None:
            caller = generator.caller(self.seed, lm=lm)
        else:
            caller = generator.caller(self.plan, self.seed, lm=lm)

        def call(job: Job) -> Any:
            return caller(job.category, job.generation)

        call.costs = costs  # type: ignore[attr-defined]  # drained per batch by the actor
        return call, run_settings(generator.lm)
