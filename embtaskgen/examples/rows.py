"""The row of one training example (stage 2), validated with pydantic."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from embtaskgen.examples.kinds import EXAMPLE_KINDS, OUTPUT_FIELDS

__all__ = ["ExampleMetadata", "ExampleRow"]


class ExampleMetadata(BaseModel):
    """Where one example came from: the DSPy rollout id of its call."""

    model_config = ConfigDict(extra="allow")

    rollout_id: int


class ExampleRow(BaseModel):
    """One training example.

    A row holds ``kind``, ``category`` (for the symmetric kinds the kind itself) and
    ``task`` (for ``sts`` and ``bitext`` the paper's fixed instruction), the outputs as
    top-level columns under the signature's field names (distilabel's), the prompt's
    ``attributes``, and ``model_name``, ``seed``, ``task_id``, ``example_index`` and
    ``metadata`` (``rollout_id``).

    Example:
        >>> row = ExampleRow(kind="sts", category="sts", task="Retrieve semantically similar text.",
        ...                  outputs={"S1": "a", "S2": "b", "S3": "c"}, attributes={"unit": "phrase"},
        ...                  model_name="m", seed=1, task_id="sts", example_index=0,
        ...                  metadata=ExampleMetadata(rollout_id=5))
        >>> list(row.to_dict())[:6]
        ['kind', 'category', 'task', 'S1', 'S2', 'S3']
    """

    model_config = ConfigDict(extra="forbid")

    kind: str
    category: str
    task: str
    outputs: dict[str, str]
    attributes: dict[str, Any] = Field(default_factory=dict)
    model_name: str
    seed: int
    task_id: str
    example_index: int = Field(ge=0)
    metadata: ExampleMetadata

    @model_validator(mode="after")
    def _outputs_fit_the_kind(self) -> ExampleRow:
        if self.kind not in EXAMPLE_KINDS:
            raise ValueError(f"unknown kind {self.kind!r}; valid kinds are {', '.join(EXAMPLE_KINDS)}")
        if tuple(self.outputs) != OUTPUT_FIELDS[self.kind]:
            raise ValueError(f"{self.kind} outputs must be {', '.join(OUTPUT_FIELDS[self.kind])}")
        return self

    def to_dict(self) -> dict[str, Any]:
        """The row as a JSON-ready dict, outputs as top-level columns after ``task``."""
        dumped = self.model_dump(mode="json")
        outputs = dumped.pop("outputs")
        head = {key: dumped.pop(key) for key in ("kind", "category", "task")}
        return {**head, **outputs, **dumped}
