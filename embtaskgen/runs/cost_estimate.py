"""What a dry run answers: :class:`CostEstimate`, one :class:`StageEstimate` per stage (:mod:`embtaskgen.runs.dry_run`).

Example:
    >>> unknown = {"prompt": None, "bound": None, "expected": None}
    >>> stage = StageEstimate(stage="brainstorm", model="openai/m", calls=2, rendered=2, prompt_tokens=900,
    ...                       tokenizer="approximation", cost={"online": unknown, "batch": unknown})
    >>> print(CostEstimate.of([stage]).table())
    brainstorm: 2 calls to openai/m; prompt tokens 900 (approximation); completion tokens: bound unknown
      USD unknown: LiteLLM has no price for openai/m
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, PrivateAttr

__all__ = ["CostEstimate", "StageEstimate"]


class StageEstimate(BaseModel):
    """What one stage's calls will take and cost.

    Attributes:
        stage: ``"brainstorm"`` or ``"examples"``.
        model: The model id the calls go to.
        calls: Calls the run will make.
        rendered: Calls whose prompts were rendered (all of them, except stage 2 of a pipeline dry run).
        prompt_tokens: Prompt tokens of the calls (scaled from the rendered ones when fewer).
        tokenizer: How the tokens were counted (the model's tokenizer, or a stated approximation).
        max_tokens: The completion bound per call (``None``: unknown).
        completion_bound: ``calls * max_tokens``.
        sampled: Calls made for real to measure completions (``sample``).
        sample_failed: Sampled calls that raised (not counted in the mean).
        expected_completion_tokens: ``calls`` times the sample's mean completion tokens (``None``: no sample).
        price: USD per token (online, batch) and where the batch price comes from; ``None``: LiteLLM has none.
        cost: USD, ``online`` and ``batch``: ``prompt``, ``bound`` (prompt + completion bound) and
            ``expected`` (prompt + expected completion); ``None`` where unknown.
        sample_cost: What the sampled calls spent (USD; ``None``: no sample or no price).
        note: What was approximated.
    """

    stage: str
    model: str
    calls: int
    rendered: int
    prompt_tokens: int
    tokenizer: str
    max_tokens: int | None = None
    completion_bound: int | None = None
    sampled: int = 0
    sample_failed: int = 0
    expected_completion_tokens: int | None = None
    price: dict[str, Any] | None = None
    cost: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    sample_cost: float | None = None
    note: str = ""
    _sample_results: list[Any] = PrivateAttr(default_factory=list)  # a pipeline's stage 2 reads the sampled tasks


class CostEstimate(BaseModel):
    """A dry run's answer: one :class:`StageEstimate` per stage, and their totals.

    Attributes:
        stages: Per stage, in run order.
        cost: Summed USD over the stages (``online`` / ``batch``, ``bound`` / ``expected``);
            ``None`` where a stage's is unknown.
    """

    stages: list[StageEstimate]
    cost: dict[str, dict[str, float | None]] = Field(default_factory=dict)

    @classmethod
    def of(cls, stages: list[StageEstimate]) -> CostEstimate:
        """The estimate of ``stages`` with their totals."""
        total: dict[str, dict[str, float | None]] = {}
        for mode in ("online", "batch"):
            total[mode] = {}
            for part in ("prompt", "bound", "expected"):
                values = [stage.cost.get(mode, {}).get(part) for stage in stages]
                total[mode][part] = None if any(v is None for v in values) else round(sum(values), 6)  # type: ignore[arg-type]
        return cls(stages=stages, cost=total)

    def to_json(self, indent: int | None = 2) -> str:
        """The estimate as a JSON string."""
        return self.model_dump_json(indent=indent)

    def table(self) -> str:
        """A few lines for a terminal."""
        lines = []
        for s in self.stages:
            expected = "" if s.expected_completion_tokens is None else f", expected {s.expected_completion_tokens}"
            lines.append(
                f"{s.stage}: {s.calls} calls to {s.model}; prompt tokens {s.prompt_tokens} ({s.tokenizer}); "
                f"completion tokens: bound {s.completion_bound if s.completion_bound is not None else 'unknown'}"
                f"{expected}"
            )
            lines.append(f"  USD {_costs(s.cost, s.model)}" + (f"; {s.note}" if s.note else ""))
        if len(self.stages) > 1:
            lines.append(f"total: USD {_costs(self.cost)}")
        return "\n".join(lines)


def _costs(cost: dict[str, dict[str, float | None]], model: str | None = None) -> str:
    """``online X at most, Y expected; batch ...`` (or why there is no price)."""
    if model is not None and all(value is None for value in cost.get("online", {}).values()):
        return f"unknown: LiteLLM has no price for {model}"

    def shown(value: float | None) -> str:
        return "unknown" if value is None else f"{value:.4f}"

    parts = []
    for mode in ("online", "batch"):
        values = cost.get(mode, {})
        text = f"{mode} {shown(values.get('bound'))} at most"
        if values.get("expected") is not None and values.get("expected") != values.get("bound"):
            text += f", {shown(values.get('expected'))} expected"
        parts.append(text)
    return "; ".join(parts)
