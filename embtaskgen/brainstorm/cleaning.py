"""Normalise, validate and de-duplicate brainstormed task strings.

The model's list is parsed by the DSPy adapter; this module only ever sees Python
objects, never evaluates text. Every item that is dropped is counted by reason, so a
caller can report what the cleaning did.

Example:
    >>> deduper = TaskDeduper()
    >>> result = deduper.clean(['1. Retrieve news articles.', '"retrieve news articles"', 42])
    >>> result.tasks, dict(result.dropped)
    (['Retrieve news articles.'], {'duplicate_normalised': 1, 'not_string': 1})
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["DROP_REASONS", "CleanResult", "TaskDeduper", "normalise_task", "strip_task"]

#: Every reason an item can be dropped for, in the order they are checked.
DROP_REASONS: tuple[str, ...] = ("not_string", "empty", "duplicate_exact", "duplicate_normalised")

# Leading list markers: bullets, "1.", "1)", "(1)", "#1", "Task 3:".
_MARKER = re.compile(
    r"""^\s*(?:
        [-*\u2022\u2023\u25e6\u2043\u2219>]+\s*       # bullets
      | \(?\#?\d{1,3}[.):\]]\s+                        # 1. 1) (1) #1.
      | (?:task|item)\s*\#?\d{1,3}\s*[.:)\-]\s*      # Task 3:
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_QUOTES = "\"'`\u201c\u201d\u2018\u2019\u00ab\u00bb"
_SPACE = re.compile(r"\s+")
_PUNCT_TABLE = str.maketrans({c: " " for c in string.punctuation + _QUOTES + "\u2013\u2014\u2026"})


def strip_task(item: str) -> str:
    """Remove list markers, surrounding quotes, trailing commas and extra whitespace.

    Args:
        item: One raw item of the model's list.

    Returns:
        The item as a clean task sentence ("" when nothing is left).
    """
    text = unicodedata.normalize("NFKC", item)
    text = _SPACE.sub(" ", text).strip()
    previous = None
    while text != previous:
        previous = text
        text = _MARKER.sub("", text, count=1).strip()
        text = text.rstrip(",;").strip()
        if len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
            text = text[1:-1].strip()
    return text


def normalise_task(task: str) -> str:
    """Key under which two tasks count as the same: case, whitespace, punctuation folded.

    Example:
        >>> normalise_task("Retrieve  News-articles!") == normalise_task("retrieve news articles")
        True
    """
    folded = unicodedata.normalize("NFKC", task).casefold().translate(_PUNCT_TABLE)
    return _SPACE.sub(" ", folded).strip()


@dataclass
class CleanResult:
    """The outcome of cleaning one generation's list.

    Attributes:
        tasks: The kept tasks, in the model's order.
        dropped: Count of dropped items per reason (keys from ``DROP_REASONS``).
    """

    tasks: list[str] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)


class TaskDeduper:
    """Cleans lists and remembers what it kept, across all generations of one call.

    Args:
        keep_duplicates: Keep exact and normalised duplicates instead of dropping them
            (they are still stripped of markers and quotes).
    """

    def __init__(self, keep_duplicates: bool = False) -> None:
        self.keep_duplicates = keep_duplicates
        self._exact: set[str] = set()
        self._normalised: set[str] = set()

    def clean(self, items: Iterable[object]) -> CleanResult:
        """Clean one generation's items against everything kept so far.

        Args:
            items: The parsed list of the model's output.

        Returns:
            The kept tasks and the count of dropped items per reason.
        """
        result = CleanResult()
        for item in items:
            if not isinstance(item, str):
                result.dropped["not_string"] += 1
                continue
            task = strip_task(item)
            key = normalise_task(task)
            if not key:
                result.dropped["empty"] += 1
                continue
            if not self.keep_duplicates:
                if task in self._exact:
                    result.dropped["duplicate_exact"] += 1
                    continue
                if key in self._normalised:
                    result.dropped["duplicate_normalised"] += 1
                    continue
            self._exact.add(task)
            self._normalised.add(key)
            result.tasks.append(task)
        return result

    def seen(self, task: str) -> bool:
        """Whether a task equal to ``task`` after normalisation was kept already."""
        return normalise_task(strip_task(task)) in self._normalised
