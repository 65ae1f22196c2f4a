"""Texts in the worked example's French where another language was asked.

The embedded model copies the language of the bitext worked example (English to French)
whatever target it is given; the letters cannot tell French from Italian or Dutch
(stage 2's ``wrong_script``), but French function words can. ``french_for_other``: a
text that should be in another language has at least two distinct French function
words ("le", "est", "une", "vous", ...) making up a fifth or more of its words.

Example:
    >>> row = {"kind": "bitext", "S1": "The library opens at nine.", "attributes": {"target_language": "Italian"},
    ...        "S2": "La bibliothèque ouvre à neuf heures du matin.", "S3": "La bibliothèque est fermée."}
    >>> flagged(LanguageChecks(), row, None)
    ['french_for_other']
    >>> flagged(LanguageChecks(), {**row, "S2": "La biblioteca apre alle nove.", "S3": "La biblioteca chiude."}, None)
    []
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from embtaskgen.checks.family import FLAG, PASS, Row, flagged
from embtaskgen.checks.similarity import Similarity

__all__ = ["FRENCH_MARKERS", "LanguageChecks", "flagged", "reads_french"]

#: French function words rare in the other languages of the XLM-R list's Latin script.
FRENCH_MARKERS = frozenset(
    "le les des est une du je vous pas qui dans sont avec au aux et nous elle cette mon mes à être très ouvre".split()
)
_WORD = re.compile(r"\w+")
_SHARE = 0.2

#: The language attribute each text of a kind is asked in.
_ASKED: dict[str, dict[str, str]] = {
    "bitext": {"S2": "target_language", "S3": "target_language", "S1": "source_language"},
    "sts": {"S1": "language", "S2": "language", "S3": "language"},
}


def reads_french(text: str) -> bool:
    """Two or more distinct French function words, a fifth or more of the words of ``text``."""
    words = _WORD.findall(text.casefold())
    markers = [word for word in words if word in FRENCH_MARKERS]
    return len(set(markers)) >= 2 and len(markers) >= _SHARE * len(words)


@dataclass
class LanguageChecks:
    """French where another language was asked (form level)."""

    name: str = "language"
    level: str = "form"
    kinds: frozenset[str] = frozenset({"bitext", "sts"})
    reasons: tuple[str, ...] = ("french_for_other",)

    def texts(self, row: Row) -> list[str]:
        """No texts to embed."""
        return []

    def measure(self, row: Row, sim: Similarity | None) -> dict[str, float]:
        """``-1.0`` when a text reads French and its language is not."""
        attributes = row.get("attributes")
        asked = attributes if isinstance(attributes, Mapping) else {}
        for name, key in _ASKED[str(row["kind"])].items():
            language = asked.get(key)
            if isinstance(language, str) and language != "French" and reads_french(str(row.get(name) or "")):
                return {"french_for_other": FLAG}
        return {"french_for_other": PASS}

    def floors(self) -> dict[str, float]:
        """A flag (``-1.0``) is under the floor ``0.0``."""
        return {"french_for_other": 0.0}
