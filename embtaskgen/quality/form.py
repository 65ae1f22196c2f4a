"""Whether an item is one sentence of sensible length.

A task is written as one sentence (the paper's brainstorm asks for that, and the task
later becomes the embedding model's one-line instruction): not a single word or a bare
phrase, not a paragraph, not several sentences.

Example:
    >>> form_problem("Retrieval.")
    'a single word, not a task sentence'
    >>> form_problem("Given a claim, retrieve evidence. Then rank it. Explain why.")
    '3 sentences; one expected'
    >>> form_problem("Given a claim, retrieve documents that support or refute it.") is None
    True
"""

from __future__ import annotations

import re

__all__ = ["MAX_CHARS", "MAX_WORDS", "MIN_WORDS", "count_sentences", "form_problem"]

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
    """Why ``text`` is not one task sentence of sensible length, or ``None``.

    Args:
        text: A string item (markup is judged elsewhere).

    Returns:
        A short reason, or ``None`` when the form is fine.
    """
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
