"""A model that grades each row: :class:`Judge` (the ``judge`` level, ``--judge MODEL``).

One call of the :class:`~embtaskgen.signatures.row_judgement.RowJudgement` signature per
row; a ``drop`` verdict is the reason ``judge:<reason>`` (``judge:off-task``, ...), an
answer that does not parse is ``judge_failed`` (counted, never a pass). Calls go through
DSPy's cache, so a second run over the same rows asks the model nothing again; the
tokens used are summed in :attr:`Judge.usage`, and their price in :attr:`Judge.cost`
(LiteLLM's map, :func:`~embtaskgen.lm.pricing.usage_cost`; ``None`` for a model it does not price).

Example:
    >>> judge = Judge("openai/judge", api_base="http://127.0.0.1:9/v1")  # doctest: +SKIP
    >>> judge({"kind": "sts", "S1": "A cat.", "S2": "A kitten.", "S3": "A car."})  # doctest: +SKIP
    []
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Sequence
from typing import Any

import dspy
from dspy.utils.usage_tracker import UsageTracker

from embtaskgen.checks.family import Row, row_kind
from embtaskgen.examples.kinds import EXAMPLE_KINDS, OUTPUT_FIELDS
from embtaskgen.lm.adapter_choice import choose_adapter
from embtaskgen.lm.pricing import usage_cost
from embtaskgen.lm.resolve import resolve_lm
from embtaskgen.lm.spec import is_local_spec
from embtaskgen.signatures.row_judgement import RowJudgement

__all__ = ["JUDGE_FAILED", "MAX_TOKENS", "Judge", "estimate_judge", "judge_inputs"]

#: The completion budget of one grading call.
MAX_TOKENS = 256

logger = logging.getLogger(__name__)

#: The reason of a row whose judgement did not parse or whose call failed.
JUDGE_FAILED = "judge_failed"


def judge_inputs(row: Row) -> dict[str, str]:
    """The signature's inputs for ``row``: ``kind``, ``task`` and its texts as ``field: text`` lines.

    Example:
        >>> row = {"kind": "sts", "task": "Retrieve semantically similar text.", "S1": "a", "S2": "b", "S3": "c"}
        >>> judge_inputs(row)["row"]
        'S1: a\\nS2: b\\nS3: c'
    """
    kind = row_kind(row)
    task = str(row.get("task") or "")
    if kind in EXAMPLE_KINDS:
        text = "\n".join(f"{name}: {row.get(name) or ''}" for name in OUTPUT_FIELDS[kind])
        return {"kind": f"an example of kind {kind}", "task": task, "row": text}
    return {"kind": f"a task of category {row.get('category') or 'unknown'}", "task": task, "row": f"task: {task}"}


class Judge:
    """Grade rows with ``model`` (any model spec: a LiteLLM id, ``local``, or a ``dspy.BaseLM``).

    Args:
        model: The judge model.
        api_base: Its OpenAI-compatible server (served models only).
        timeout: Seconds an attempt at ``api_base`` may take.
        max_tokens: The most a grading answer may take (a model id; a ``dspy.BaseLM`` keeps its own):
            a verdict and a reason are a few dozen tokens, and a model that rambles stops here
            (a ``judge_failed``) instead of at its context's end.
    """

    def __init__(
        self,
        model: str | dspy.BaseLM,
        *,
        api_base: str | Sequence[str] | None = None,
        timeout: float = 120.0,
        max_tokens: int = MAX_TOKENS,
    ) -> None:
        self.lm = resolve_lm(model, api_base=api_base, timeout=timeout, max_tokens=max_tokens)
        embedded = isinstance(model, str) and is_local_spec(model)
        self.adapter = choose_adapter("json" if embedded else "chat", model)
        self.predict = dspy.Predict(RowJudgement)
        self.usage: Counter[str] = Counter()
        self.cost: float | None = None  # USD, LiteLLM's price of the tokens; None: the model has none
        self.verdicts: Counter[str] = Counter()
        self._lock = threading.Lock()

    @property
    def model_name(self) -> str:
        """The judge model's name."""
        return str(getattr(self.lm, "model", self.lm))

    def __call__(self, row: Row) -> list[str]:
        """The judge's reasons to drop ``row`` (``[]``: keep)."""
        tracker = UsageTracker()  # per call: an answer that does not parse still used tokens
        try:
            with dspy.context(lm=self.lm, adapter=self.adapter, track_usage=True, usage_tracker=tracker):
                prediction = self.predict(**judge_inputs(row))
        except Exception as exc:  # noqa: BLE001 - a failed judgement is counted, not raised
            logger.info("judge call failed: %s", exc)
            prediction = None
        usage = dict(tracker.get_total_tokens())
        cost = usage_cost(usage)
        with self._lock:
            self.usage.update(_tokens(usage))
            if cost is not None:
                self.cost = (self.cost or 0.0) + cost
            if prediction is None:
                self.verdicts[JUDGE_FAILED] += 1
        if prediction is None:
            return [JUDGE_FAILED]
        verdict, reason = str(prediction.verdict), str(prediction.reason)
        with self._lock:
            self.verdicts[verdict] += 1
        if verdict == "keep":
            return []
        return [f"judge:{reason if reason != 'fit' else 'unspecified'}"]


def _tokens(usage: dict[str, Any]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for per_model in usage.values():
        for key in ("prompt_tokens", "completion_tokens"):
            value = per_model.get(key) if isinstance(per_model, dict) else None
            if isinstance(value, int):
                counts[key] += value
    return counts


class _JudgeCalls:
    """The judge's calls on stand-in rows, as the dry run renders a stage (``caller``, ``journal_stage``)."""

    journal_stage = "judge"

    def __init__(self, judge: Judge, rows: dict[str, Row]) -> None:
        self.judge, self.rows = judge, rows

    def caller(self, seed: int, lm: dspy.BaseLM) -> Any:
        """Ask ``lm`` (the dry run's recording copy) to grade the stand-in row of a key's kind."""

        def call(kind: str, index: int) -> None:
            with dspy.context(lm=lm, adapter=self.judge.adapter):
                try:
                    self.judge.predict(**judge_inputs(self.rows[kind]))
                except Exception:  # noqa: BLE001 - the recording engine answers nothing: no verdict to parse
                    logger.debug("the dry run's judge call on %s recorded", kind)

        return call


def estimate_judge(judge: Judge, kinds: Sequence[str], calls: int) -> Any:
    """The dry run's estimate of grading ``calls`` rows of ``kinds`` with ``judge``: a ``StageEstimate``.

    Rows do not exist before the run: the judge's prompt is rendered on each kind's worked
    example (the one the stage-2 prompt shows) and the mean scaled to ``calls`` (at most one
    row per stage-2 call). No request is sent.

    Example:
        >>> judge = Judge("openai/gpt-4o-mini", api_base="http://127.0.0.1:9/v1")  # doctest: +SKIP
        >>> estimate_judge(judge, ["sts"], 100).calls  # doctest: +SKIP
        100
    """
    from types import SimpleNamespace

    from embtaskgen.embedded.object_adapter import WORKED_EXAMPLES
    from embtaskgen.runs.dry_run import estimate_stage

    rows = {kind: {"kind": kind, **WORKED_EXAMPLES[kind][0], **WORKED_EXAMPLES[kind][1]} for kind in kinds}
    note = "the judge's prompt rendered on each kind's worked example, scaled to one call per stage-2 call"
    return estimate_stage(
        SimpleNamespace(lm=judge.lm),
        _JudgeCalls(judge, rows),  # type: ignore[arg-type]
        seed=0,
        keys=[(kind, 0) for kind in rows],
        scale_to=calls,
        note=note,
    )
