"""Scripted texts in a language's script, for replies that must pass the ``wrong_script`` check.

``in_script("first", "3fa9c1d2", "Russian")`` is ``"ддддд 1067110866"``: the word's length
in one letter of the language's script, then the tag in decimal digits (a hex tag's a-f
are Latin letters). Latin-script languages keep ``"first 3fa9c1d2"``.
"""

from __future__ import annotations

import sys
import unicodedata
from functools import cache

from embtaskgen.signatures.language_scripts import LANGUAGE_SCRIPTS

__all__ = ["in_script"]


@cache
def _letter(script: str) -> str:
    for code in range(0x80, sys.maxunicode):
        char = chr(code)
        if char.isalpha() and unicodedata.name(char, "").split(" ", 1)[0] == script:
            return char
    raise LookupError(script)


def in_script(word: str, tag: str, language: str | None) -> str:
    """``"<word> <tag>"``, written in ``language``'s script when it is not Latin."""
    scripts = LANGUAGE_SCRIPTS.get(language or "English", frozenset({"LATIN"}))
    if "LATIN" in scripts:
        return f"{word} {tag}"
    return f"{_letter(min(scripts)) * len(word)} {int(tag, 16)}"
