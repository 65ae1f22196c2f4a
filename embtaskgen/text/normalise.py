"""The normal forms of a task string: stripped of list decoration (:func:`strip_task`), and
folded into the key under which two tasks count as the same (:func:`normalise_task`).

Example:
    >>> strip_task('1. "Retrieve news articles.",')
    'Retrieve news articles.'
    >>> normalise_task("Retrieve  News-articles!")
    'retrieve news articles'
    >>> fold_task("Retrieve  News-articles!")
    'retrieve  news articles '
"""

from __future__ import annotations

import re
import string
import unicodedata

__all__ = ["fold_task", "normalise_task", "strip_task"]

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
# the same folding for ASCII text, a byte at a time: NFKC leaves ASCII as it is, casefold lowers A-Z
_ASCII_FOLD = bytes.maketrans(
    (string.ascii_uppercase + string.punctuation).encode(), (string.ascii_lowercase + " " * 32).encode()
)


def strip_task(item: str) -> str:
    """One raw list item as a clean task sentence ("" when nothing is left): list markers,
    surrounding quotes, trailing commas and extra whitespace removed."""
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


def fold_task(task: str) -> str:
    """``task`` with case and punctuation folded (punctuation becomes spaces); its words,
    ``fold_task(task).split()``, are those of :func:`normalise_task`."""
    if task.isascii():
        return task.encode("ascii").translate(_ASCII_FOLD).decode("ascii")
    return unicodedata.normalize("NFKC", task).casefold().translate(_PUNCT_TABLE)


def normalise_task(task: str) -> str:
    """Key under which two tasks count as the same: case, whitespace, punctuation folded."""
    return " ".join(fold_task(task).split())  # str.split splits on the whitespace r"\s" matches
