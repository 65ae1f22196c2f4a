"""Copies of the prompt's worked example that stage 2's ``copies_worked_example`` misses.

``near_worked_example``: a field that is the worked example's text with a word or two
changed ("blue" -> "red"): at most two words of the field are not the worked text's,
and it shares all but two words with one of them. ``prompt_sentences``: a field that
holds a sentence of eight words or more of the worked example nearly whole ("Hard-boiled
eggs make a great snack and can be sliced into salads or sandwiches."), or an sts or
bitext text that strings together two or more of its sentences.

Example:
    >>> family = CopyChecks()
    >>> flagged(family, {"kind": "text-matching-short", "input": "Apple iPhone 13, 128 GB, red",
    ...                  "positive_document": "A red phone."}, None)
    ['near_worked_example']
    >>> flagged(family, {"kind": "sts", "S1": "A man is playing a guitar on a busy street. "
    ...                  "A man plays the guitar for people passing by.", "S2": "x y", "S3": "z w"}, None)
    ['prompt_sentences']
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from embtaskgen.checks.family import FLAG, PASS, Row, flagged
from embtaskgen.checks.similarity import Similarity
from embtaskgen.embedded.object_adapter import WORKED_EXAMPLES
from embtaskgen.examples.kinds import EXAMPLE_KINDS, OUTPUT_FIELDS

__all__ = ["CopyChecks", "flagged"]

_TOKEN = re.compile(r"\w+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
#: Words a near copy may change or add, and words of the worked text it may drop.
_CHANGED_WORDS = 2
#: A worked text needs this many words to be compared (labels like "positive" are not).
_MIN_WORDS = 4
#: Share of a worked sentence's words a text must hold to contain it.
_CONTAINED = 0.8
#: Words of a worked sentence that one copy of it makes a copy (two for sts and bitext).
_MIN_SENTENCE_WORDS = 8


def _words(text: str) -> Counter[str]:
    return Counter(_TOKEN.findall(text.casefold()))


def _near_copy(text: str, shown: str) -> bool:
    mine, theirs = _words(text), _words(shown)
    if sum(theirs.values()) < _MIN_WORDS:
        return False
    added = sum((mine - theirs).values())
    dropped = sum((theirs - mine).values())
    return added <= _CHANGED_WORDS and dropped <= _CHANGED_WORDS


def _contains(text: Counter[str], sentence: str, least: int) -> bool:
    words = _words(sentence)
    total = sum(words.values())
    return total >= least and sum((words & text).values()) >= _CONTAINED * total


@dataclass
class CopyChecks:
    """Near copies of the worked example (form level; see the module docstring)."""

    name: str = "copies"
    level: str = "form"
    kinds: frozenset[str] = field(default_factory=lambda: frozenset(EXAMPLE_KINDS))
    reasons: tuple[str, ...] = ("near_worked_example", "prompt_sentences")

    def texts(self, row: Row) -> list[str]:
        """No texts to embed."""
        return []

    def measure(self, row: Row, sim: Similarity | None) -> dict[str, float]:
        """``-1.0`` for a near copy / a text of prompt sentences, else ``1.0``."""
        kind = str(row["kind"])
        shown = WORKED_EXAMPLES[kind][1]
        fields = [str(row.get(name) or "") for name in OUTPUT_FIELDS[kind]]
        near = any(_near_copy(text, worked) for text in fields for worked in shown.values())
        scores = {"near_worked_example": FLAG if near else PASS}
        sentences = [s for worked in shown.values() for s in _SENTENCE.split(worked)]
        needed = 2 if kind in ("sts", "bitext") else 1  # one sentence of a document is already a copy
        made = any(
            sum(_contains(_words(text), s, least) for s in sentences) >= needed
            for text in fields
            for least in ((_MIN_WORDS,) if needed == 2 else (_MIN_SENTENCE_WORDS,))
        )
        scores["prompt_sentences"] = FLAG if made else PASS
        return scores

    def floors(self) -> dict[str, float]:
        """A flag (``-1.0``) is under the floor ``0.0``."""
        return dict.fromkeys(self.reasons, 0.0)
