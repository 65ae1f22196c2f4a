"""The precision gate: drops the tasks a researcher reading the list would drop, one reason each.

Cleaning (:mod:`embtaskgen.brainstorm.cleaning`) drops what is not a task at all. The gate's
reasons are :data:`GATE_REASONS`, checked in that order (``docs/brainstorm/precision-gate.md``
says what each catches); ``templated`` is off unless ``template_limit`` is set. Every check
reads the words only (no model, no dictionary); only ``yes_no`` depends on the category.

Example:
    >>> gate = PrecisionGate({"text-retrieval": ["Given a claim, retrieve evidence for it."]})
    >>> gate.check("Classify a film by the title, the year it was made, the.", "text-classification").reason
    'incomplete'
    >>> gate.check("Given a query, retrieve a full query.", "text-retrieval").reason
    'circular'
    >>> gate.check("Given a claim, retrieve evidence for it.", "text-retrieval").reason
    'prompt_copy'
    >>> gate.check("Given a claim about a drug, retrieve trials that test it.", "text-retrieval").ok
    True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import pairwise

from embtaskgen.brainstorm.gate_words import (
    FUNCTION,
    GLUE_WORDS,
    PRONOUNS,
    RELATION,
    SEEK_VERBS,
    STRANDABLE,
    STRANDERS,
    STRANDING_VERBS,
    TRAILING,
)

__all__ = ["GATE_REASONS", "GateVerdict", "PrecisionGate", "gate_tokens"]

#: Every reason the gate drops a task for, in the order they are checked.
GATE_REASONS: tuple[str, ...] = ("incomplete", "garbled", "stutter", "circular", "yes_no", "prompt_copy", "templated")

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)?")
_GIVEN = re.compile(
    rf"^\s*given\s+(?P<given>.+?),\s*(?:and\s+)?(?P<verb>{'|'.join(SEEK_VERBS)})\w*\s+(?P<found>.+)$",
    re.IGNORECASE | re.DOTALL,
)
_CLASSIFY = re.compile(
    r"^\s*(?:classify|categori[sz]e|label|tag|sort)\s+(?P<given>.+?)\s+(?:by|into|as|according\s+to)\s+(?P<label>.+)$",
    re.IGNORECASE | re.DOTALL,
)
_YES_NO = re.compile(
    rf"\b(?:(?:{'|'.join(SEEK_VERBS)})\w*\s+(?:out\s+)?|and\s+|or\s+|,\s*)(?:if|whether)\b(?!\s+any\b)", re.IGNORECASE
)
#: An article followed by punctuation or a function word ("the by", "an ,"; not "a short,":
#: there is no dictionary of nouns), or a classification of nothing ("Classify by the topic ...").
_HEADLESS = re.compile(
    r"\b(?:a|an|the)\s*(?:[,;:.]|\s(?:by|of|to|and|or|in|on|the|a|an|is)\b)|^\s*[Cc]lassify\s+(?:by|into|as)\b"
)  # case-sensitive: "server A." names a letter, "the." is a cut
_GLUED_WORDS = re.compile(r"\b(?:the|and|which|where)[a-z]{2,}\b", re.IGNORECASE)
_GLUED_PUNCT = re.compile(r"[A-Za-z][,;:][A-Za-z]")
_LONG_RUN = re.compile(r"([A-Za-z])\1\1")
_CUT_HYPHEN = re.compile(r"[A-Za-z]-(?:\s|[.,;:]|$)")
_PAIRS = (("(", ")"), ("[", "]"), ("{", "}"))
_ENDINGS = ".!?)\"'\u201d\u2019"
#: Lone letters a sentence can end on ("... type A.", "... vitamin C.").
_LETTER_OK = frozenset("ABCDEFGHJKLMNOPQRSTUVWXYZ")


def gate_tokens(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` ("It's" stays one token).

    Example:
        >>> gate_tokens("Given a user's query, find it.")
        ['given', 'a', "user's", 'query', 'find', 'it']
    """
    return [t.lower().replace("\u2019", "'") for t in _TOKEN.findall(text)]


def _fold(word: str) -> str:
    """A crude stem for comparing halves: plural -s/-es/-ies and a possessive folded."""
    word = word.removesuffix("'s")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@dataclass(frozen=True, slots=True)
class GateVerdict:
    """The gate's judgement on one task.

    Attributes:
        ok: The task passes.
        reason: One of :data:`GATE_REASONS` ("" when ``ok``).
        detail: What triggered the reason (the trailing word, the copied shown task, ...).
    """

    ok: bool
    reason: str = ""
    detail: str = ""

    def __bool__(self) -> bool:
        return self.ok


_PASS = GateVerdict(True)


def _open_end(tokens: Sequence[str]) -> str:
    """The word ``tokens`` end on if a finished clause cannot end there, else ``""``."""
    if not tokens or tokens[-2:] == ["if", "any"]:  # "..., if any."
        return ""
    last = tokens[-1]
    before = tokens[-2] if len(tokens) > 1 else ""
    stranded = bool(
        STRANDERS.intersection(tokens[-7:-1])
        or PRONOUNS.intersection(tokens[-4:-1])
        or before in STRANDING_VERBS
        or (len(before) > 3 and before.endswith(("s", "ed", "ing")) and before not in TRAILING)
    )
    return last if last in TRAILING or (last in STRANDABLE and not stranded) else ""


def _incomplete(text: str, tokens: Sequence[str]) -> str:
    body = text.rstrip()
    for opening, closing in _PAIRS:
        if body.count(opening) != body.count(closing):
            return f"unbalanced {opening}{closing}"
    if body.count('"') % 2 or body.count("\u201c") != body.count("\u201d"):
        return "unbalanced quotes"
    core = body.rstrip(_ENDINGS).rstrip()
    if not core or not tokens:
        return "no words"
    if not core[-1].isalnum():
        return f"ends on {core[-1]!r}"
    given = _GIVEN.match(text)
    if given is not None:  # the "given" half is cut too: "Given a topic similar to, find ..."
        half = gate_tokens(given["given"])
        if len(half) > 1 and _open_end(half):
            return f"the given half ends on {half[-1]!r}"
    if len(tokens[-1]) == 1 and core[-1] in _LETTER_OK:
        return ""  # "... from server A.", "... vitamin C."
    word = _open_end(tokens)
    if word:
        return f"ends on {word!r}"
    if len(tokens[-1]) == 1 and not tokens[-1].isdigit():
        return f"ends on a lone letter {tokens[-1]!r}"
    return ""


def _garbled(text: str, tokens: Sequence[str]) -> str:
    headless = _HEADLESS.search(text)
    if headless:
        return headless.group(0).strip()
    glued = _GLUED_PUNCT.search(text)
    if glued:
        return glued.group(0)
    for word in _GLUED_WORDS.findall(text):
        if word.lower() not in GLUE_WORDS:
            return word
    run = _LONG_RUN.search(text)
    if run and run.group(1).lower() not in "iwx":
        return run.group(0)
    cut = _CUT_HYPHEN.search(text)
    if cut:
        return cut.group(0).strip()
    return ""


def _stutter(tokens: Sequence[str], text: str) -> str:
    content = [_fold(w) for w in tokens if w not in FUNCTION and not w.isdigit()]
    counts: dict[str, int] = {}
    for word in content:
        counts[word] = counts.get(word, 0) + 1
        if counts[word] >= 3:
            return f"{word} x3"
    match = _GIVEN.match(text)
    if match is not None:
        half = [_fold(w) for w in gate_tokens(match["given"]) if w not in FUNCTION]
        twice = {w for w in half if half.count(w) > 1}
        if twice:
            return f"{sorted(twice)[0]} twice in the given half"
    for a, b in pairwise(tokens):
        if a == b and a not in {"had", "that"} and not a.isdigit():
            return f"{a} {b}"
    seen: dict[tuple[str, ...], int] = {}  # a phrase of three words said twice
    for i in range(len(tokens) - 2):
        gram = tuple(tokens[i : i + 3])
        if sum(1 for w in gram if w not in FUNCTION) < 2:
            continue
        first = seen.get(gram)
        if first is not None and i >= first + 3:
            return " ".join(gram)
        seen.setdefault(gram, i)
    return ""


def _circular(text: str) -> str:
    match = _CLASSIFY.match(text)
    if match is not None:
        classified = [_fold(w) for w in gate_tokens(match["given"]) if w not in FUNCTION]
        label = [_fold(w) for w in gate_tokens(match["label"]) if w not in FUNCTION]
        if classified and classified[-1] in label:
            return f"classifies a {classified[-1]} by its {classified[-1]}"
        return ""
    match = _GIVEN.match(text)
    if match is None:
        return ""
    given = {_fold(w) for w in gate_tokens(match["given"]) if w not in FUNCTION}
    found_words = [w for w in gate_tokens(match["found"]) if w not in FUNCTION]
    found = {_fold(w) for w in found_words}
    if not given or not found or found & RELATION:
        return ""
    if found <= given:
        return f"finds {' '.join(found_words)!s} given {match['given'].strip()!s}"
    return ""


def _yes_no(text: str, category: str) -> str:
    if category == "text-classification":
        return ""
    match = _YES_NO.search(text)
    return match.group(0) if match else ""


#: Shortest task (in tokens) the ``templated`` check applies to: a skeleton needs room
#: for the words that are the same ("Given a X claim, retrieve X articles ...").
_TEMPLATE_MIN_TOKENS = 8

#: Token similarity from which a task that adds no content word is a near-copy.
_LOOSE_COPY = 0.7


def _content(tokens: Sequence[str]) -> set[str]:
    return {_fold(w) for w in tokens if w not in FUNCTION}


def _similar(a: Sequence[str], b: Sequence[str]) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _alike(a: Sequence[str], b: Sequence[str], threshold: float) -> bool:
    """Same skeleton: equal up to two words in place, or a token similarity of at least ``threshold``."""
    if len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) <= 2:
        return True
    return abs(len(a) - len(b)) <= 3 and _similar(a, b) >= threshold


class PrecisionGate:
    """Judge tasks by the checks of this module; one gate serves every category.

    Args:
        shown: The tasks each category's prompt may show (seed tasks, demos); a copy or
            near-copy of one is dropped as ``prompt_copy``.
        copy_threshold: Token similarity (difflib ratio) from which a task is a near-copy.
        template_limit: Tasks of one call that may share a skeleton (equal up to two
            words in place) before the rest are dropped as ``templated`` (0: no limit).

    Example:
        >>> gate = PrecisionGate(template_limit=2)
        >>> earlier = ["Given a health claim, retrieve health articles about it.",
        ...            "Given a legal claim, retrieve legal articles about it."]
        >>> gate.check("Given a tax claim, retrieve tax articles about it.", "text-retrieval", earlier).reason
        'templated'
    """

    def __init__(
        self,
        shown: Mapping[str, Iterable[str]] | None = None,
        *,
        copy_threshold: float = 0.86,
        template_limit: int = 0,
        template_threshold: float = 0.8,
    ) -> None:
        self.copy_threshold = float(copy_threshold)
        self.template_threshold = float(template_threshold)
        self.template_limit = int(template_limit)
        self._shown: dict[str, list[tuple[str, list[str]]]] = {}
        for category, texts in (shown or {}).items():
            self.add_shown(category, texts)

    def add_shown(self, category: str, texts: Iterable[str]) -> None:
        """Add tasks a prompt of ``category`` shows (non-strings and blanks are ignored)."""
        bucket = self._shown.setdefault(category, [])
        known = {text for text, _ in bucket}
        for text in texts:
            if isinstance(text, str) and text.strip() and text not in known:
                bucket.append((text, gate_tokens(text)))
                known.add(text)

    def shown(self, category: str) -> list[str]:
        """The shown tasks the gate compares ``category``'s tasks with."""
        return [text for text, _ in self._shown.get(category, [])]

    def copied(self, task: str, category: str) -> str:
        """The shown task ``task`` copies or nearly copies (see ``PrecisionGate``), else ``""``.

        Also a near-copy: a similarity of at least 0.7 with no new content word (or 70% shared).
        """
        tokens = gate_tokens(task)
        if not tokens:
            return ""
        words = set(tokens)
        content = _content(tokens)
        for text, shown in self._shown.get(category, ()):
            if len(words & set(shown)) < 0.6 * len(words):
                continue
            ratio = _similar(tokens, shown)
            if ratio >= self.copy_threshold:
                return text
            if ratio >= _LOOSE_COPY:
                theirs = _content(shown)
                shared = len(content & theirs)
                if (len(content) >= 3 and content <= theirs) or shared >= _LOOSE_COPY * len(content | theirs):
                    return text
        return ""

    def check(self, task: str, category: str, earlier: Sequence[str] = ()) -> GateVerdict:
        """Judge one cleaned task; ``earlier``: the call's tasks before it, kept or not (for ``templated``)."""
        tokens = gate_tokens(task)
        checks: tuple[tuple[str, Callable[[], str]], ...] = (  # in the order of GATE_REASONS
            ("incomplete", lambda: _incomplete(task, tokens)),
            ("garbled", lambda: _garbled(task, tokens)),
            ("stutter", lambda: _stutter(tokens, task)),
            ("circular", lambda: _circular(task)),
            ("yes_no", lambda: _yes_no(task, category)),
            ("prompt_copy", lambda: self.copied(task, category)),
        )
        for reason, check in checks:
            detail = check()
            if detail:
                return GateVerdict(False, reason, detail)
        if self.template_limit and len(earlier) >= self.template_limit and len(tokens) >= _TEMPLATE_MIN_TOKENS:
            alike = [e for e in earlier if _alike(tokens, gate_tokens(e), self.template_threshold)]
            if len(alike) >= self.template_limit:
                return GateVerdict(False, "templated", alike[0])
        return _PASS
