"""Recognise items that are markup, parser debris or model chatter rather than a task.

Example:
    >>> markup_problem('{"tasks": ["Retrieve news"')
    'contains JSON or code syntax'
    >>> markup_problem("Retrieve news articles about a given company.") is None
    True
"""

from __future__ import annotations

import re

__all__ = ["FIELD_NAMES", "markup_problem"]

#: Names of the signature fields (and DSPy's own) that leak into bad output.
FIELD_NAMES: tuple[str, ...] = ("num_tasks", "tasks", "topic", "avoid", "category", "reasoning", "completed")

_FIELD = re.compile(rf"\bnum_tasks\b|\[\[\s*##|##\s*\w+\s*##|^\s*(?:{'|'.join(FIELD_NAMES)})\s*[:=]", re.IGNORECASE)
_HEADING = re.compile(r"^\s*#{1,6}(?:\s|$)|##|\*\*|__|```|~~~")
_CODE = re.compile(r'[{}\[\]]|"\s*:|\\n|\\"|^\s*"|",\s*$|^\s*,')
_QUOTED = re.compile(r"""^\s*['"\u201c].*['"\u201d],?\s*$""")
_HTML = re.compile(r"</?[a-zA-Z][^>]{0,40}>|&[a-z]+;")
_LIST_MARKER = re.compile(r"^\s*(?:[-*\u2022>]+\s+|\(?\d{1,3}[.):]\s*|[a-zA-Z][.)]\s+)")
_CHATTER = re.compile(
    r"^\s*(?:here (?:are|is)|sure\b|certainly|of course|ok(?:ay)?\b|below (?:are|is)|"
    r"as an ai|i (?:hope|can|will|have)|let me|note:|these tasks|the following)",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"lorem ipsum|\bTODO\b|\{[a-z_]+\}|<task>|\btask \d+\b|\.\.\.$|…$", re.IGNORECASE)
_URL = re.compile(r"https?://|www\.")

#: The patterns checked in order, with the reason each gives (``^`` anchors the matches).
_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (_FIELD, "contains a field name or DSPy marker"),
    (_HEADING, "markdown markup"),
    (_CODE, "contains JSON or code syntax"),
    (_QUOTED, "wrapped in quotes (parser debris)"),
    (_HTML, "contains HTML"),
    (_LIST_MARKER, "starts with a list marker or number"),
    (_CHATTER, "model chatter, not a task"),
    (_PLACEHOLDER, "placeholder or unfinished text"),
    (_URL, "contains a URL"),
)


def markup_problem(item: object) -> str | None:
    """Why an item is not clean task text, or ``None`` when it is.

    Args:
        item: One element of the model's list (any type).

    Returns:
        A short reason ("not a string (int)", "markdown markup", ...) or ``None``.
    """
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
