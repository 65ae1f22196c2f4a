"""The supported DSPy optimizers and how a call budget becomes their settings.

``budget`` is the number of program calls an optimizer may spend on one unit, including the
evaluation of the starting prompt; prompt-model and reflection-model calls come on top.

``bootstrap`` tunes demos (``dspy.BootstrapFewShotWithRandomSearch``: random sets of the
model's own good answers, the untuned program among the candidates); ``mipro``
(``dspy.MIPROv2``, needs ``optuna``) and ``gepa`` (``dspy.GEPA``) tune the instruction.

Example:
    >>> plan_for("bootstrap", 40).valset_size
    5
    >>> plan_for("simulated-annealing", 40)
    Traceback (most recent call last):
    ...
    embtaskgen.errors.ConfigError: unknown optimizer 'simulated-annealing'; choose from bootstrap, mipro, gepa
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import dspy

from embtaskgen.errors import ConfigError

__all__ = ["DEFAULT_BUDGET", "DEFAULT_OPTIMIZER", "OPTIMIZERS", "Plan", "plan_for", "run_optimizer"]

logger = logging.getLogger(__name__)

#: The supported optimizer names.
OPTIMIZERS: tuple[str, ...] = ("bootstrap", "mipro", "gepa")
#: The default, chosen by ``benchmarks/optimize.py`` on the embedded model (README).
DEFAULT_OPTIMIZER = "bootstrap"
#: Default program calls per category.
DEFAULT_BUDGET = 40
#: Smallest budget any plan accepts: the bootstrap plan's smallest shape (2 training
#: examples, then one candidate besides the untuned and the unshuffled one, each scored on
#: 2 valset examples) is 2 + 3 * 2 = 8 program calls.
MIN_BUDGET = 8

#: Bootstrapped demos are kept when they score at least this (before curation).
BOOTSTRAP_THRESHOLD = 0.5
#: At most this many demos per predictor (a small model's context fills up fast).
MAX_DEMOS = 2


@dataclass(frozen=True)
class Plan:
    """An optimizer's settings for one unit under a call budget (``trials``: MIPROv2's Optuna trials)."""

    optimizer: str
    budget: int
    train_size: int
    valset_size: int
    candidates: int
    trials: int = 0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly copy (recorded in the saved program)."""
        return dict(self.__dict__)


def plan_for(name: str, budget: int) -> Plan:
    """The settings of optimizer ``name`` for ``budget`` program calls.

    Raises:
        ConfigError: Unknown optimizer or a budget below ``MIN_BUDGET``.
    """
    if name not in OPTIMIZERS:
        raise ConfigError(f"unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < MIN_BUDGET:
        raise ConfigError(f"budget must be an integer >= {MIN_BUDGET} program calls, got {budget!r}")
    valset = max(2, min(12, budget // 8))
    if name == "bootstrap":
        train = max(2, min(16, budget // 5))
        # Calls: bootstrapping (at most `train`, cached across candidates) + one valset
        # evaluation per candidate, including the untuned and the unshuffled one.
        candidates = max(1, (budget - train) // valset - 2)
        return Plan(name, budget, train, valset, candidates)
    if name == "mipro":
        train = max(2, min(16, budget // 5))
        trials = max(1, (budget - train) // valset - 1)
        return Plan(name, budget, train, valset, candidates=max(2, min(6, trials)), trials=trials)
    train = max(3, min(16, budget // 4))
    return Plan(name, budget, train, valset, candidates=0)


#: A tqdm progress bar line ("  50%|#####     | 1/2 [00:15<00:15, 15.10s/it]").
_PROGRESS_BAR = re.compile(r"\d+%\|.*\|\s*\d+/\d+|\d+it \[")


@contextlib.contextmanager
def _prints_to_log() -> Iterator[None]:
    """Send DSPy optimizers' prints to the log, dropping progress bars that cannot be turned off."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            yield
    finally:
        for line in (out.getvalue() + "\n" + err.getvalue()).replace("\r", "\n").splitlines():
            if line.strip() and not _PROGRESS_BAR.search(line):
                logger.info("%s", line)


@_prints_to_log()
def run_optimizer(
    plan: Plan,
    program: dspy.Module,
    metric: Callable[..., Any],
    trainset: Sequence[dspy.Example],
    valset: Sequence[dspy.Example],
    *,
    task_lm: dspy.BaseLM,
    prompt_lm: dspy.BaseLM,
    reflection_lm: dspy.BaseLM,
    seed: int,
) -> dspy.Module:
    """Compile ``program`` with the optimizer of ``plan``; returns the tuned program.

    Raises:
        ImportError: MIPROv2 without ``optuna`` (with an install hint).
    """
    trainset, valset = list(trainset), list(valset)
    if plan.optimizer == "bootstrap":
        # Candidate -2 ("labels only") would show input-only examples: skip it.
        restrict = [-3, -1, *range(plan.candidates)]
        optimizer = dspy.BootstrapFewShotWithRandomSearch(
            metric=metric,
            metric_threshold=BOOTSTRAP_THRESHOLD,
            max_bootstrapped_demos=MAX_DEMOS,
            max_labeled_demos=0,
            num_candidate_programs=plan.candidates,
            num_threads=1,
        )
        return optimizer.compile(program, trainset=trainset, valset=valset, restrict=restrict)
    if plan.optimizer == "mipro":
        try:
            import optuna  # noqa: F401
        except ImportError as exc:
            raise ImportError(
                "the 'mipro' optimizer needs optuna; install it with pip install 'embtaskgen[optimize]'"
            ) from exc
        optimizer = dspy.MIPROv2(
            metric=metric,
            prompt_model=prompt_lm,
            task_model=task_lm,
            max_bootstrapped_demos=0,
            max_labeled_demos=0,
            auto=None,
            num_candidates=plan.candidates,
            num_threads=1,
            seed=seed,
            metric_threshold=BOOTSTRAP_THRESHOLD,
        )
        return optimizer.compile(program, trainset=trainset, valset=valset, num_trials=plan.trials, minibatch=False)
    optimizer = dspy.GEPA(
        metric=metric,
        max_metric_calls=plan.budget,
        reflection_lm=reflection_lm,
        reflection_minibatch_size=min(3, len(trainset)),
        num_threads=1,
        seed=seed,
        use_merge=False,
    )
    return optimizer.compile(program, trainset=trainset, valset=valset)
