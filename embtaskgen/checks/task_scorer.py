"""A linear scorer of tasks: the chance a reader keeps a task, from its embedding.

Logistic regression (L2, fitted by Newton's method in numpy) over a task's unit vector
and its category (one-hot). The shipped weights (``task_scorer.json`` beside this file)
were fitted on the ``dev`` split of the 825 hand-labelled tasks
(``tests/fixtures/labelled_tasks.jsonl``) with all-MiniLM-L6-v2:
``python benchmarks/fit_checks.py --tasks`` refits them.

Example:
    >>> import numpy as np
    >>> x = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    >>> scorer = TaskScorer.fit(x, ["text-retrieval"] * 4, [True, True, False, False], penalty=0.1)
    >>> [round(p) for p in scorer.score(x, ["text-retrieval"] * 4)]
    [1, 1, 0, 0]
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embtaskgen.errors import ConfigError
from embtaskgen.signatures.categories import CATEGORIES

__all__ = ["SHIPPED_SCORER", "TaskScorer"]

#: The weights fitted on the labelled tasks' dev split.
SHIPPED_SCORER = Path(__file__).with_name("task_scorer.json")
_NEWTON_STEPS = 50


def _features(vectors: Any, categories: Sequence[str]) -> Any:
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] != len(categories):
        raise ConfigError(f"expected one vector per category, got shape {x.shape} for {len(categories)} categories")
    unknown = sorted({c for c in categories if c not in CATEGORIES})
    if unknown:
        raise ConfigError(f"unknown categories {unknown}; valid categories are {', '.join(CATEGORIES)}")
    onehot = np.array([[c == name for name in CATEGORIES] for c in categories], dtype=np.float64)
    return np.hstack([x, onehot.reshape(len(categories), len(CATEGORIES)), np.ones((len(categories), 1))])


@dataclass(frozen=True)
class TaskScorer:
    """Weights of the features (vector, category one-hot, bias) and the model they were fitted with."""

    weights: tuple[float, ...]
    model: str = ""

    @classmethod
    def fit(
        cls, vectors: Any, categories: Sequence[str], keep: Any, *, penalty: float = 1.0, model: str = ""
    ) -> TaskScorer:
        """Fit on unit ``vectors`` of tasks, their ``categories`` and the reader's ``keep`` (array-like of bool)."""
        x = _features(vectors, categories)
        y = np.asarray(keep, dtype=np.float64)
        w = np.zeros(x.shape[1])
        ridge = penalty * np.eye(x.shape[1])
        ridge[-1, -1] = 0.0  # no penalty on the bias
        for _ in range(_NEWTON_STEPS):
            p = 1 / (1 + np.exp(-(x @ w)))
            gradient = x.T @ (p - y) + ridge @ w
            hessian = (x * (p * (1 - p))[:, None]).T @ x + ridge
            step = np.linalg.solve(hessian, gradient)
            w -= step
            if np.abs(step).max() < 1e-8:
                break
        return cls(tuple(float(v) for v in w), model)

    def score(self, vectors: Any, categories: Sequence[str]) -> list[float]:
        """The chance a reader keeps each task."""
        x = _features(vectors, categories)
        if x.shape[1] != len(self.weights):
            raise ConfigError(f"the scorer has {len(self.weights)} weights but the features are {x.shape[1]} wide")
        return [float(p) for p in 1 / (1 + np.exp(-(x @ np.asarray(self.weights))))]

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the weights as JSON."""
        Path(path).write_text(json.dumps({"model": self.model, "weights": [round(v, 6) for v in self.weights]}) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str] = SHIPPED_SCORER) -> TaskScorer:
        """Read weights written by :meth:`save` (default: the shipped ones)."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(tuple(float(v) for v in data["weights"]), str(data.get("model", "")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}: not a task scorer file ({exc})") from exc
