"""The compact prompts as text, with no DSPy in it: the request, the layout, the answer, the item regex.

Example:
    >>> request_text(["num_tasks", "topic"], {"topic": "law"}, count=3)
    'Write 3 tasks. Topic: law.'
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from embtaskgen.lm.strict_adapters import loads_json

__all__ = ["ANSWER_FORMAT", "dump", "parse_list", "render_messages", "request_text", "seed_item_pattern"]

#: The one sentence on the answer format, after the instructions.
ANSWER_FORMAT = "Answer with a JSON array of strings, one task per string."

#: Input fields said as sentences; any other input field is rendered as ``name: value``.
_SENTENCE_FIELDS: tuple[str, ...] = ("num_tasks", "topic", "avoid")

#: How an item may end with ``clause_end``: a pronoun, a form of "be" or a word of 4-24
#: letters, then at most one stranded preposition ("the cuisine it belongs to", "the
#: country it is in"); an article, a conjunction or "of the" cannot close an item.
_CLAUSE_END = "(it|them|one|is|are|was|[A-Za-z-]{4,24})( (to|on|in|for|with|about|from|at|by|of|into))?"
#: How the "given" half of an item may end with ``clause_end``: a noun-like word.
_HALF_END = "(it|them|one|[A-Za-z'-]{3,24})"

#: Words that may join the two halves of a seed task ("Classify a post *by* its tone").
_JOINING_WORDS: tuple[str, ...] = ("by", "into", "as", "whether")


def dump(value: Any) -> str:
    """``value`` as JSON, non-ASCII characters kept (how lists appear in the prompt)."""
    return json.dumps(value, ensure_ascii=False)


def _jsonable(value: Any) -> Any:
    """``value`` with mappings sorted by key, anything unknown as its ``str``."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def request_text(fields: Iterable[str], inputs: Mapping[str, Any], count: Any) -> str:
    """The request of one call (or worked example) in a sentence or two; ``count`` is the items asked for.

    Example:
        >>> request_text(["num_tasks", "avoid", "style"], {"avoid": ["A."], "style": "terse"}, 2)
        'Write 2 tasks. Do not repeat these tasks:\\n- A. style: terse'
    """
    names = list(fields)
    sentences = []
    if "num_tasks" in names:
        sentences.append(f"Write {count} tasks.")
    topic = inputs.get("topic") if "topic" in names else None
    if isinstance(topic, str) and topic.strip():
        sentences.append(f"Topic: {topic.strip()}.")
    avoid = inputs.get("avoid") if "avoid" in names else None
    if avoid:
        listed = "\n".join(f"- {item}" for item in avoid)
        sentences.append(f"Do not repeat these tasks:\n{listed}")
    for name in names:
        if name in _SENTENCE_FIELDS or name not in inputs:
            continue
        value = inputs[name]
        sentences.append(f"{name}: {value if isinstance(value, str) else dump(_jsonable(value))}")
    return " ".join(sentences) if sentences else "Write the list."


def render_messages(
    style: str, instructions: str, examples: Sequence[tuple[str, Any]], request: str, answer_format: str = ANSWER_FORMAT
) -> list[dict[str, Any]]:
    """The messages of one call, with ``(request, answer)`` per worked example.

    ``"chat"``: a system message (instructions and the answer format), a user/assistant
    pair per example, the request; ``"completion"``: one document that ends where the
    JSON answer should start.

    Example:
        >>> render_messages("completion", "Brainstorm.", [("Write 1 tasks.", ["A."])], "Write 2 tasks.")
        [{'role': 'user', 'content': 'Brainstorm.\\n\\nAnswer with a JSON array of strings,
          one task per string.\\n\\nWrite 1 tasks.\\n["A."]\\n\\nWrite 2 tasks.\\n'}]
    """
    if style == "completion":
        blocks = [instructions, answer_format]
        for example_request, answer in examples:
            blocks.append(f"{example_request}\n{dump(answer)}")
        blocks.append(f"{request}\n")
        return [{"role": "user", "content": "\n\n".join(blocks)}]
    messages = [{"role": "system", "content": f"{instructions}\n\n{answer_format}"}]
    for example_request, answer in examples:
        messages.append({"role": "user", "content": example_request})
        messages.append({"role": "assistant", "content": dump(answer)})
    messages.append({"role": "user", "content": request})
    return messages


def parse_list(completion: str | None, output: str) -> list[str] | None:
    """A JSON array of strings (or an object holding it under ``output``), else ``None``.

    The served models' rule (:func:`~embtaskgen.lm.strict_adapters.loads_json`): a code
    fence and trailing commas are the only repairs; prose or single quotes are not read.
    """
    try:
        value: Any = loads_json(completion or "")
    except ValueError:
        return None
    if isinstance(value, dict) and output in value:
        value = value[output]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return value


def seed_item_pattern(seeds: Sequence[str], min_chars: int, max_chars: int, clause_end: bool = True) -> str | None:
    """The regex an item must match to look like one of ``seeds`` (``None``: no seeds, or a non-word opener).

    One sentence (no inner period, quote or backslash) that opens with a first word the
    seeds open with and, where every seed shares a pivot (:func:`_pivot`), has the same
    two halves. With ``clause_end`` it also ends where a clause can end (not on "the.",
    "of.", "and."; no bracket opens, so no "(e."), on top of the length budget.
    """
    openers = sorted({task.split(" ", 1)[0] for task in seeds})
    if not openers or not all(word.isalpha() for word in openers):
        return None
    head = openers[0] if len(openers) == 1 else f"({'|'.join(openers)})"
    # [.] rather than an escaped dot: llama.cpp's GBNF parser rejects "\."
    free = '[^"\\\\.\\n\\r\\t([]' if clause_end else '[^"\\\\.\\n\\r\\t]'
    end = f" {_CLAUSE_END}[.]" if clause_end else "[.]"
    opener_len = len(max(openers, key=len))
    pivot = _pivot(seeds)
    if pivot is not None:
        # The two halves of the seed shape: "Given <query>, retrieve <documents>."
        # or "Classify <text> by <label>."; each half gets a share of the length.
        joint = f"({'|'.join(pivot[1])})"
        longest = len(max(pivot[1], key=len))
        budget = max(8, max_chars - opener_len - longest - 4)
        first, second = max(3, budget * 2 // 5), max(3, budget * 3 // 5)  # sum <= budget
        lead = (
            '[^",\\\\.\\n\\r\\t([]'
            if pivot[0] == "," and clause_end
            else ('[^",\\\\.\\n\\r\\t]' if pivot[0] == "," else free)
        )
        sep = ", " if pivot[0] == "," else " "
        low = 1 if clause_end else 3
        # The first half ends on a word too ("Given a topic similar to, find" cannot be).
        lead_end = f" {_HALF_END}" if clause_end and pivot[0] == "," else ""
        return (
            f"^{head} {lead}{{{low if lead_end else 3},{first}}}{lead_end}{sep}{joint} {free}{{{low},{second}}}{end}$"
        )
    low = max(1, min_chars - opener_len - 2)
    high = max(low + 1, max_chars - opener_len - 2)
    return f"^{head} {free}{{{low},{high}}}{end}$"


def _pivot(seeds: Sequence[str]) -> tuple[str, list[str]] | None:
    """The shape every seed shares: ``(",", verbs)`` ("Given a claim, retrieve ..."), ``(" ", joining words)``."""
    if not seeds:
        return None
    verbs: set[str] = set()
    for task in seeds:
        head, comma, rest = task.partition(", ")
        word = rest.split(" ", 1)[0]
        if not comma or not word.isalpha() or len(head.split()) < 2:
            verbs = set()
            break
        verbs.add(word)
    if verbs and len(verbs) <= 3:
        return ",", sorted(verbs)
    joints = set()
    for task in seeds:
        found = [word for word in _JOINING_WORDS if f" {word} " in task]
        if not found:
            return None
        joints.add(found[0])
    return " ", sorted(joints)
