"""The form of one item: clean task text (no markup, debris or chatter), one sentence.

A task becomes the embedding model's one-line instruction, so it is one sentence: not a
word or a bare phrase, not a paragraph, not several sentences.

Example:
    >>> markup_problem('{"tasks": ["Retrieve news"')
    'contains JSON or code syntax'
    >>> form_problem("Retrieval.")
    'a single word, not a task sentence'
    >>> form_problem("Given a claim, retrieve evidence. Then rank it. Explain why.")
    '3 sentences; one expected'
    >>> form_problem("Given a claim, retrieve documents that support or refute it.") is None
    True
"""

from __future__ import annotations

import re

__all__ = ["FIELD_NAMES", "MAX_CHARS", "MAX_WORDS", "MIN_WORDS", "count_sentences", "form_problem", "markup_problem"]

#: Fewer words than this is a phrase, not a task sentence.
MIN_WORDS = 5
#: More words than this is a paragraph, even if it has one full stop.
MAX_WORDS = 45
#: More characters than this is too long for a one-line instruction.
MAX_CHARS = 320

_ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|etc|vs|cf|approx|dr|mr|mrs|ms|st|no|fig|u\.s|u\.k)\.", re.IGNORECASE)
_NUMBERING = re.compile(r"^\(?\d{1,3}[.)]\s+")
# Matches start only where a run of end marks starts, so a long run of dots costs one
# attempt, not one per dot (the same matches; linear time on any text).
_SENTENCE_END = re.compile(r"(?<![.!?;])[.!?;]+[\"')\]]*\s+(?=[A-Z0-9\"'(])")


def count_sentences(text: str) -> int:
    """Number of sentences in ``text`` (common abbreviations do not end one)."""
    body = _ABBREVIATIONS.sub("abbr", _NUMBERING.sub("", text.strip()))
    return len(_SENTENCE_END.findall(body)) + 1 if body else 0


def form_problem(text: str) -> str | None:
    """Why ``text`` is not one task sentence of sensible length (a short reason), or ``None``."""
    stripped = text.strip()
    words = stripped.split()
    if len(words) <= 1:
        return "a single word, not a task sentence"
    if len(words) < MIN_WORDS:
        return f"too short ({len(words)} words), not a task sentence"
    if "\n" in stripped:
        return "spans several lines; one sentence expected"
    sentences = count_sentences(stripped)
    if sentences > 1:
        return f"{sentences} sentences; one expected"
    if len(words) > MAX_WORDS or len(stripped) > MAX_CHARS:
        return f"too long ({len(words)} words); one sentence expected"
    return None


#: Names of the signature fields (and DSPy's own) that leak into bad output.
FIELD_NAMES: tuple[str, ...] = ("num_tasks", "tasks", "topic", "avoid", "category", "reasoning", "completed")

#: The patterns checked in order, with the reason each gives (``^`` anchors the matches).
_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(rf"\bnum_tasks\b|\[\[\s*##|##\s*\w+\s*##|^\s*(?:{'|'.join(FIELD_NAMES)})\s*[:=]", re.IGNORECASE),
        "contains a field name or DSPy marker",
    ),
    (re.compile(r"^\s*#{1,6}(?:\s|$)|##|\*\*|__|```|~~~"), "markdown markup"),
    (re.compile(r'[{}\[\]]|"\s*:|\\n|\\"|^\s*"|",\s*$|^\s*,'), "contains JSON or code syntax"),
    (re.compile(r"""^\s*['"\u201c].*['"\u201d],?\s*$"""), "wrapped in quotes (parser debris)"),
    (re.compile(r"</?[a-zA-Z][^>]{0,40}>|&[a-z]+;"), "contains HTML"),
    (re.compile(r"^\s*(?:[-*\u2022>]+\s+|\(?\d{1,3}[.):]\s*|[a-zA-Z][.)]\s+)"), "starts with a list marker or number"),
    (
        re.compile(
            r"^\s*(?:here (?:are|is)|sure\b|certainly|of course|ok(?:ay)?\b|below (?:are|is)|"
            r"as an ai|i (?:hope|can|will|have)|let me|note:|these tasks|the following)",
            re.IGNORECASE,
        ),
        "model chatter, not a task",
    ),
    (
        re.compile(r"lorem ipsum|\bTODO\b|\{[a-z_]+\}|<task>|\btask \d+\b|\.\.\.$|…$", re.IGNORECASE),
        "placeholder or unfinished text",
    ),
    (re.compile(r"https?://|www\."), "contains a URL"),
)


def markup_problem(item: object) -> str | None:
    """Why an item (any type) is not clean task text ("markdown markup", ...), or ``None``."""
    if not isinstance(item, str):
        return f"not a string ({type(item).__name__})"
    text = item.strip()
    if not text:
        return "empty"
    letters = sum(map(str.isalpha, text))
    if letters == 0:
        return "no words (numbering or punctuation only)"
    for pattern, reason in _PROBLEMS:
        if pattern.search(text):
            return reason
    if letters / len(text) < 0.6:
        return "mostly non-letters"
    return None
