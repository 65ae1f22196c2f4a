"""Classification: is the label one of the task's labels, and does it fit the text?

``label_off_task``: the label is outside the label space the task names. A sentiment
or bare rating label ("positive", "negative", "neutral": the worked example's; "good",
"bad", ...) for a task that names no sentiment, opinion, tone or rating fails outright;
any other label scores the sum of its cosines with the label space (the words after the
task's last "by", "into", "as" or "according to", else the whole task) and with the
misleading label (a label of the same space). ``label_fits_worse``: the misleading label
is at least as close to the text as the label. ``input_off_task``: the text is far from
the task.

Example:
    >>> from embtaskgen.checks.similarity import Similarity
    >>> toy = Similarity(lambda texts: [[1.0, float(len(t) % 3)] for t in texts])
    >>> row = {"kind": "text-classification", "task": "Classify a food safety review by the industry.",
    ...        "input_text": "The kitchen was spotless.", "label": "negative", "misleading_label": "positive"}
    >>> "label_off_task" in flagged(ClassificationChecks(), row, toy)
    True
    >>> label_space("Classify news articles by their topic.")
    'their topic'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from embtaskgen.checks.family import FLAG, FittedFamily, Row, flagged
from embtaskgen.checks.similarity import Similarity

__all__ = ["SENTIMENT_LABELS", "ClassificationChecks", "flagged", "label_space"]

#: The worked example's labels and their kin: a sentiment (or bare rating) label space.
SENTIMENT_LABELS = frozenset({"positive", "negative", "neutral", "good", "bad", "great", "poor", "excellent"})
_SENTIMENT_TASK = re.compile(
    r"\b(sentiment|tone|opinion|emotion|emotional|attitude|polarity|positive|negative|feeling|"
    r"satisfaction|satisfied|stance|mood|favou?rable|praise|complaint|approval|like|dislike|rating|quality)s?\b",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\b(?:by|into|as|according to)\s+", re.IGNORECASE)


def label_space(task: str) -> str:
    """The words of ``task`` that name its labels: after its last "by", "into", "as" or
    "according to" (the whole task when it has none)."""
    ends = [found.end() for found in _SPACE.finditer(task)]
    if not ends:
        return task.strip()
    return task[ends[-1] :].strip().rstrip(".?!").strip() or task.strip()


def _label(text: str) -> str:
    return text.strip().strip(".\"'").casefold()


@dataclass
class ClassificationChecks(FittedFamily):
    """Label checks of classification examples; ``floor`` overrides the fitted floors by reason."""

    name: str = "classification"
    level: str = "embed"
    kinds: frozenset[str] = frozenset({"text-classification"})
    reasons: tuple[str, ...] = ("label_off_task", "label_fits_worse", "input_off_task")

    #: Fitted on the labelled set's fit split (docs/quality/checks.md).
    FITTED = {"label_off_task": 0.34, "label_fits_worse": -0.21, "input_off_task": -0.09}

    def texts(self, row: Row) -> list[str]:
        """The task, its label space, the text, the label and the misleading label."""
        task = str(row.get("task") or "")
        names = ("input_text", "label", "misleading_label")
        return [task, label_space(task), *(str(row.get(name) or "") for name in names)]

    def measure(self, row: Row, sim: Similarity | None) -> dict[str, float]:
        """``-1.0`` or cos(label, label space) + cos(label, misleading); cos(text, label) - cos(text,
        misleading); cos(task, text)."""
        sim = self.embedder(sim)
        task, space, text, label, misleading = self.texts(row)
        scores = {"label_fits_worse": sim.cos(text, label) - sim.cos(text, misleading)}
        if task:
            sentiment = _label(label) in SENTIMENT_LABELS or _label(misleading) in SENTIMENT_LABELS
            off = sentiment and _SENTIMENT_TASK.search(task) is None
            scores["label_off_task"] = FLAG if off else sim.cos(label, space) + sim.cos(label, misleading)
            scores["input_off_task"] = sim.cos(task, text)
        return scores
