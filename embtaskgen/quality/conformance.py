"""Whether one task belongs to its category, by rules over the words it uses.

The rules follow the category definitions (CATEGORIES.md): retrieval needs a finding verb,
a query that is not a long document and the documents to find; short matching a short
input and no long text on either side (the target may be middling: "a description");
long matching a long document as the query; classification a classifying verb, an input
text (not "a movie") and a label space the text says (not its title, author or date). A
question is a concrete query, never a task. The input is the first text noun after
"given"; a noun before another ("paper title") only modifies it, one after "X of" only
owns it, and "short"/"long" adjectives override a noun's kind.

Example:
    >>> check_category("Classify emails by urgency.", "text-retrieval").reason
    'a classification task, not retrieval'
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from embtaskgen.errors import ConfigError
from embtaskgen.quality import lexicon as lex
from embtaskgen.quality.text import TaskText, stem
from embtaskgen.signatures.categories import CATEGORIES

__all__ = ["CategoryCheck", "check_category", "check_category_name", "on_category"]

Kind = Literal["short", "medium", "long"]

_STRONG_SEEK = frozenset(stem(w) for w in "retrieve search find fetch locate match pair rank recommend".split())
_LABEL_WORDS = frozenset({"by", "as", "or", "into", "whether", "which", "if"})
_ARTICLES = frozenset(
    {"a", "an", "the", "one", "some", "each", "any", "its", "their", "his", "her", "this", "that", "these", "those"}
)
_INPUT_WINDOW = 9
_GENERIC_DOCS = lex.DOC_NOUNS - lex.SHORT_NOUNS - lex.LONG_NOUNS - lex.MEDIUM_NOUNS
_OWNER_PREPOSITIONS = frozenset({"of", "about", "on", "in"})
_RELEVANCE = frozenset({"relevant", "related", "responsive", "pertinent", "applicable"})
_RELATIVES = frozenset({"that", "which", "who", "it", "they"})
_ROUTING = frozenset(stem(w) for w in ("assign", "route", "send", "forward", "direct"))


@dataclass(frozen=True, slots=True)
class CategoryCheck:
    """The verdict on one task: ``ok``, or the ``reason`` why not."""

    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


@dataclass(frozen=True, slots=True)
class _Noun:
    index: int
    word: str
    kind: Kind


def _kind_of(s: str) -> Kind | None:
    if s in lex.SHORT_NOUNS:
        return "short"
    if s in lex.LONG_NOUNS:
        return "long"
    if s in lex.MEDIUM_NOUNS:
        return "medium"
    return None


_BIGRAM_FIRST = frozenset(b.split()[0] for b in lex.LONG_BIGRAMS)


def _long_bigrams(t: TaskText) -> list[bool]:
    """Per token, whether it ends a long-document bigram ("legal opinion")."""
    tokens = t.tokens
    return [False, *(a in _BIGRAM_FIRST and f"{a} {b}" in lex.LONG_BIGRAMS for a, b in pairwise(tokens))]


def _token_kind(
    t: TaskText, i: int, long_heads: set[str], bigrams: list[bool], kinds: list[Kind | None]
) -> Kind | None:
    if bigrams[i] or t.stems[i] in long_heads:
        return "long"
    return kinds[i]


def _adjective_kind(tokens: tuple[str, ...], i: int) -> Kind | None:
    start = max(0, i - 3)
    window = tokens[start:i]
    grams = set(window) | {f"{a} {b}" for a, b in pairwise(window)}
    if grams & lex.SHORT_ADJECTIVES:
        return "short"
    if grams & lex.LONG_ADJECTIVES:
        return "long"
    return None


def _is_owned(t: TaskText, i: int, kinds: list[Kind | None]) -> bool:
    """``t.tokens[i]`` belongs to an earlier noun: the titles *of papers*, an
    abbreviation found *in a clinical note*."""
    for j in range(i - 1, max(0, i - 4), -1):
        if t.stems[j] in lex.SEEK_VERBS:  # "a question on food, retrieve articles": a new clause
            return False
        if t.tokens[j] in _OWNER_PREPOSITIONS:
            return any(kinds[k] for k in range(max(0, j - 2), j))
    return False


def _modifies_next(t: TaskText, i: int, long_heads: set[str], bigrams: list[bool], kinds: list[Kind | None]) -> bool:
    """A noun right before another ("paper title"), or before a possessive ("a book
    character's name")."""
    n = len(t.tokens)
    if i + 1 < n and _token_kind(t, i + 1, long_heads, bigrams, kinds) is not None:
        return True
    for gap in (1, 2):
        k = i + gap + 1
        if k < n and t.tokens[i + gap] == "s" and _token_kind(t, k, long_heads, bigrams, kinds) is not None:
            return True
    return False


def _first_index(t: TaskText, words: frozenset[str]) -> int:
    return next((i for i, s in enumerate(t.stems) if s in words), len(t.stems))


def _nouns(t: TaskText) -> list[_Noun]:
    """The text nouns that head their phrase ("paper title" is a title), with their kind
    (a long modifier makes a middling head long: "blog post", "diary entry")."""
    found: list[_Noun] = []
    n = len(t.stems)
    modifier: Kind | None = None
    long_heads: set[str] = set()  # "legal opinion" makes a later "opinions" long too
    bigrams = _long_bigrams(t)
    kinds = [_kind_of(s) for s in t.stems]
    for i in range(n):
        if bigrams[i]:
            long_heads.add(t.stems[i])
        kind = _token_kind(t, i, long_heads, bigrams, kinds)
        if kind is None or (i and t.tokens[i - 1] in _RELATIVES):
            modifier = None  # not a text noun, or a verb: "a headline that reports ..."
            continue
        if _modifies_next(t, i, long_heads, bigrams, kinds):
            modifier = kind if modifier is None else modifier
            continue
        if modifier == "long" and kind == "medium":
            kind = "long"
        modifier = None
        if _is_owned(t, i, kinds):
            continue
        if not bigrams[i]:
            adjective = _adjective_kind(t.tokens, i)
            if adjective == "short" or (adjective == "long" and kind != "short"):
                kind = adjective
        found.append(_Noun(i, t.tokens[i], kind))
    return found


def _given_input(t: TaskText, nouns: list[_Noun]) -> tuple[bool, _Noun | None]:
    """Whether the task says "given ...", and the noun it names up to the finding verb."""
    for i, tok in enumerate(t.tokens):
        if tok == "given":
            stop = min(i + _INPUT_WINDOW, len(t.stems))
            for k in range(i + 1, stop):
                if t.stems[k] in lex.SEEK_VERBS:
                    stop = k
                    break
            return True, next((n for n in nouns if i < n.index < stop), None)
    return False, None


def _relevant_to(t: TaskText, nouns: list[_Noun]) -> str | None:
    """Kind of what follows "relevant to" ("other" if no text noun), else ``None``."""
    for i in range(len(t.tokens) - 1):
        if t.tokens[i] in _RELEVANCE and t.tokens[i + 1] == "to":
            return next((n.kind for n in nouns if i + 1 < n.index <= i + 6), "other")
    return None


def _check_retrieval(t: TaskText, stems: set[str], nouns: list[_Noun]) -> CategoryCheck:
    if not stems & lex.SEEK_VERBS or _first_index(t, lex.CLASSIFY_VERBS) < _first_index(t, lex.SEEK_VERBS):
        if stems & lex.CLASSIFY_VERBS:
            return CategoryCheck(False, "a classification task, not retrieval")
        return CategoryCheck(False, "does not say what to retrieve (no retrieve/find/search verb)")
    given, query = _given_input(t, nouns)
    if query is not None and query.kind == "long":
        return CategoryCheck(False, f"the query is a long document ({query.word}); that is text-matching-long")
    if not given and not (any(n.kind == "short" for n in nouns) or stems & lex.QUERY_NOUNS):
        return CategoryCheck(False, "does not say what the query is")
    has_target = any(n.kind != "short" for n in nouns if n is not query) or bool(stems & _GENERIC_DOCS)
    if not has_target:
        return CategoryCheck(False, "does not name the documents to find (only short texts)")
    return CategoryCheck(True)


def _matching_verb_problem(stems: set[str]) -> CategoryCheck | None:
    """Why a matching task fails for lack of a matching verb, or ``None``."""
    if stems & lex.SEEK_VERBS:
        return None
    if stems & lex.CLASSIFY_VERBS:
        return CategoryCheck(False, "a classification task, not matching")
    return CategoryCheck(False, "does not say what to match or find")


def _found_after_verb(t: TaskText, nouns: list[_Noun], query: _Noun | None) -> bool:
    """Whether every middling noun other than the query comes after the finding verb (it
    names the target, not the query)."""
    verb_at = _first_index(t, lex.SEEK_VERBS)
    return all(n.index > verb_at for n in nouns if n.kind == "medium" and n is not query)


def _check_matching_short(t: TaskText, stems: set[str], nouns: list[_Noun]) -> CategoryCheck:
    problem = _matching_verb_problem(stems)
    if problem is not None:
        return problem
    _, query = _given_input(t, nouns)
    if query is not None and query.kind != "short":
        return CategoryCheck(False, f"the input ({query.word}) is not short; both sides must be short texts")
    # The target may be of middling length ("find a description of it", "a one-line
    # summary"), never a long document; the query must be short.
    too_long = [
        n.word
        for n in nouns
        if n.kind == "long" or (n.kind == "medium" and (n is query or stem(n.word) not in lex.SHORTISH))
    ]
    if not _found_after_verb(t, nouns, query) and any(n.kind == "medium" for n in nouns):
        too_long.extend(n.word for n in nouns if n.kind == "medium")
    if too_long:
        return CategoryCheck(False, f"mentions a longer text ({too_long[0]}); both sides must be short texts")
    if query is None and not nouns:
        return CategoryCheck(False, "does not name the short texts (a title, word, name, ...)")
    return CategoryCheck(True)


def _check_matching_long(t: TaskText, stems: set[str], nouns: list[_Noun]) -> CategoryCheck:
    problem = _matching_verb_problem(stems)
    if problem is not None:
        return problem
    given, query = _given_input(t, nouns)
    longs = [n for n in nouns if n.kind == "long"]
    if given:
        if query is None:
            return CategoryCheck(False, "does not name the long document used as the query")
        if query.kind == "short":
            return CategoryCheck(False, f"the query ({query.word}) is short; it must be a long document")
        if query.kind == "medium" and not longs:
            return CategoryCheck(False, f"the query ({query.word}) is not clearly a long document")
        return CategoryCheck(True)
    if not longs:
        return CategoryCheck(False, "names no long document to use as the query")
    target_of = _relevant_to(t, nouns)
    if target_of is not None and target_of != "long":
        return CategoryCheck(False, "the query (what documents must be relevant to) is not a long document")
    if len(longs) < 2 and any(n.kind == "short" for n in nouns):
        return CategoryCheck(False, "the query looks short (a title, question or phrase), not a long document")
    return CategoryCheck(True)


def _classified(t: TaskText) -> tuple[list[str] | None, list[str]]:
    """The stems between the classifying verb and the label cue ("a product review"), and
    the content stems after the cue ("aspect", "product", ...); ``(None, [])`` if the
    task is not "<verb> <object> by/into/as <label>"."""
    verb_at = _first_index(t, lex.CLASSIFY_VERBS)
    for k in range(verb_at + 1, len(t.tokens)):
        if t.tokens[k] in lex.CLASSIFY_CUES:
            obj = [s for s in t.stems[verb_at + 1 : k] if s not in _ARTICLES]
            if not obj:
                return None, []
            label = [
                s
                for s, tok in zip(t.stems[k + 1 :], t.tokens[k + 1 :], strict=True)
                if tok not in _ARTICLES and tok not in {"of", "to", "the"}
            ]
            return obj, label
    return None, []


def _check_classification(t: TaskText, stems: set[str], nouns: list[_Noun]) -> CategoryCheck:
    seek_at = _first_index(t, _STRONG_SEEK)
    strong = _first_index(t, lex.CLASSIFY_VERBS) < seek_at
    weak = _first_index(t, lex.WEAK_CLASSIFY_VERBS) < seek_at
    if not (strong or weak):
        if stems & lex.SEEK_VERBS:
            return CategoryCheck(False, "a retrieval or matching task, not classification")
        return CategoryCheck(False, "does not say what to classify (no classify/label verb)")
    if not stems & (lex.TEXT_NOUNS | lex.WRITTEN):
        return CategoryCheck(False, "does not name the input text")
    obj, label = _classified(t)
    if obj is not None and set(obj) & lex.THINGS and not set(obj) & (lex.TEXT_NOUNS | lex.WRITTEN):
        return CategoryCheck(False, "classifies a thing, not a text (a movie, a product, a company, ...)")
    if label and label[0] in lex.METADATA_LABELS:
        word = t.tokens[t.stems.index(label[0])]
        return CategoryCheck(
            False, f"labels by {word}, not by what the text says (a label space is implied by its content)"
        )
    routed = bool(stems & _ROUTING) and "to" in t.tokens
    if not (routed or stems & lex.LABEL_CUES or _LABEL_WORDS.intersection(t.tokens)):
        return CategoryCheck(False, "does not imply a label space (by what, into which classes)")
    return CategoryCheck(True)


def check_category_name(category: object) -> None:
    """Raise a ``ConfigError`` (a ``ValueError``) listing the choices for an unknown category."""
    if not isinstance(category, str) or category not in CATEGORIES:
        raise ConfigError(f"unknown category {category!r}; choose from {', '.join(CATEGORIES)}")


_CHECKS = {
    "text-retrieval": _check_retrieval,
    "text-matching-short": _check_matching_short,
    "text-matching-long": _check_matching_long,
    "text-classification": _check_classification,
}


def check_category(task: str | TaskText, category: str) -> CategoryCheck:
    """Judge whether one task (or its :class:`TaskText`) belongs to ``category``: a
    :class:`CategoryCheck`, truthy when on-category, with the reason when not.

    Raises:
        ValueError: ``category`` is unknown; the message lists the valid choices.

    Example:
        >>> check_category("Given a word, find its definition.", "text-matching-long")
        CategoryCheck(ok=False, reason='the query (word) is short; it must be a long document')
    """
    check_category_name(category)
    t = task if isinstance(task, TaskText) else TaskText.of(task)
    if not t.tokens:
        return CategoryCheck(False, "empty")
    if t.raw.rstrip().endswith("?"):
        return CategoryCheck(False, "a concrete question, not a task description")
    # Classification is judged by its verbs and label cues alone, without the nouns.
    nouns = [] if category == "text-classification" else _nouns(t)
    return _CHECKS[category](t, set(t.stems), nouns)


def on_category(task: str | TaskText, category: str) -> bool:
    """Whether one task belongs to ``category`` (see :func:`check_category`).

    Example:
        >>> on_category("Classify product reviews by the aspect they criticize.",
        ...             "text-classification")
        True
    """
    return check_category(task, category).ok
