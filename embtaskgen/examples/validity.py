"""Is a written example fit to train on? Small named checks; each reason is its check's name.

An example that fails any check is a failure, never a row, and every reason it failed is
counted. The checks measure the text only, deterministically (the table of reasons is in
``docs/examples/kinds.md``). "The same text" compares case-folded text with whitespace
collapsed and end punctuation stripped.

Example:
    >>> check_example("text-matching-short", {"input": "Hi there.", "positive_document": "hi  there"}, {})
    ['input_equals_positive']
    >>> check_example("sts", {"S1": "A cat.", "S2": "A kitten.", "S3": ""}, {})
    ['missing_field']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from embtaskgen.embedded.object_adapter import WORKED_EXAMPLES
from embtaskgen.examples.kinds import OUTPUT_FIELDS
from embtaskgen.signatures.language_scripts import script_share

__all__ = [
    "COPY_JACCARD",
    "MIN_SCRIPT_SHARE",
    "MISSING_FIELD",
    "NEAR_DUPLICATE_JACCARD",
    "NO_SPACE_LANGUAGES",
    "VALIDITY_REASONS",
    "check_example",
    "copies_attribute",
    "copies_worked_example",
    "document_too_short",
    "input_equals_positive",
    "label_equals_misleading",
    "label_in_input",
    "missing_field",
    "negative_equals_positive",
    "query_not_shorter",
    "same_text",
    "texts_not_distinct",
    "token_jaccard",
    "wrong_script",
]

MISSING_FIELD = "missing_field"
#: Every reason, in the order the checks run; each is the name of its check.
VALIDITY_REASONS: tuple[str, ...] = (
    MISSING_FIELD,
    "copies_attribute",
    "negative_equals_positive",
    "query_not_shorter",
    "document_too_short",
    "label_equals_misleading",
    "label_in_input",
    "texts_not_distinct",
    "input_equals_positive",
    "wrong_script",
    "copies_worked_example",
)

#: Token Jaccard at or above which a hard negative is the positive again.
NEAR_DUPLICATE_JACCARD = 0.9
#: A document must have at least this share of the words it was asked for.
_MIN_LENGTH_SHARE = 1 / 3
#: Token Jaccard at or above which a field copies the worked example's field.
COPY_JACCARD = 0.7
_COPY_MIN_WORDS = 4
#: A text must have at least this share of its letters in its language's script.
MIN_SCRIPT_SHARE = 0.5
#: Languages written without spaces between words: no word count, no length check.
NO_SPACE_LANGUAGES = frozenset({"Chinese", "Japanese", "Thai", "Lao", "Khmer", "Burmese"})

_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"\w+")
_END_PUNCTUATION = " \t\n.,;:!?\"'«»“”‘’()[]"

Outputs = Mapping[str, Any]
Attributes = Mapping[str, Any]


def _normal(text: str) -> str:
    return _SPACE.sub(" ", text.casefold()).strip(_END_PUNCTUATION)


def same_text(a: str, b: str) -> bool:
    """Whether two texts are the same up to case, spacing and end punctuation.

    Example:
        >>> same_text("Positive.", " positive ")
        True
    """
    return _normal(a) == _normal(b)


def token_jaccard(a: str, b: str) -> float:
    """Jaccard similarity of the case-folded word-token sets of two texts (1.0 for two empty ones).

    Example:
        >>> token_jaccard("the cat sat", "The cat sat.")
        1.0
    """
    left, right = set(_TOKEN.findall(a.casefold())), set(_TOKEN.findall(b.casefold()))
    if not left and not right:
        return 1.0
    return len(left & right) / len(left | right)


def missing_field(kind: str, outputs: Outputs, attributes: Attributes) -> bool:
    """An output field of ``kind`` is missing, not a string, or blank."""
    return any(not isinstance(outputs.get(name), str) or not outputs[name].strip() for name in OUTPUT_FIELDS[kind])


def _attribute_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return str(value)


def copies_attribute(kind: str, outputs: Outputs, attributes: Attributes) -> bool:
    """An output field is an attribute value, or made only of words of attribute values.

    Small models fill the fields with the prompt's attributes (``{"S1": "sentence",
    "S2": "college"}``). Classification labels are not compared with language names (a
    language-identification task has them as labels).

    Example:
        >>> copies_attribute("sts", {"S1": "Sentence.", "S2": "A b.", "S3": "C d."}, {"unit": "sentence"})
        True
        >>> copies_attribute("sts", {"S1": "A long sentence.", "S2": "A b.", "S3": "C d."}, {"unit": "sentence"})
        False
    """
    for name in OUTPUT_FIELDS[kind]:
        label = kind == "text-classification" and name in ("label", "misleading_label")
        values = [
            _attribute_text(value)
            for key, value in attributes.items()
            if not (label and "language" in key) and value is not None
        ]
        text = outputs[name]
        if any(same_text(text, value) for value in values):
            return True
        words = set(_TOKEN.findall(text.casefold()))
        vocabulary = {word for value in values for word in _TOKEN.findall(value.casefold())}
        if words and words <= vocabulary:
            return True
    return False


def negative_equals_positive(kind: str, outputs: Outputs, attributes: Attributes) -> bool:
    """Retrieval: the hard negative is (nearly) the positive document."""
    positive, negative = outputs["positive_document"], outputs["hard_negative_document"]
    return token_jaccard(positive, negative) >= NEAR_DUPLICATE_JACCARD


def query_not_shorter(kind: str, outputs: Outputs, attributes: Attributes) -> bool:
    """Retrieval: the query is at least as long (in characters) as the positive document."""
    return len(outputs["user_query"].strip()) >= len(outputs["positive_document"].strip())


def document_too_short(kind: str, outputs: Outputs, attributes: Attributes) -> bool:
    """Retrieval: a document has under a third of the words it was asked for."""
    asked = attributes.get("num_words")
    if not isinstance(asked, int) or attributes.get("language") in NO_SPACE_LANGUAGES:
        return False
    least = asked * _MIN_LENGTH_SHARE
    return any(len(outputs[name].split()) < least for name in ("positive_document", "hard_negative_document"))


def label_equals_misleading(kind: str, outputs: Outputs, attributes: Attributes) -> bool:
    """Classification: the misleading label is the label."""
    return same_text(outputs["label"], outputs["misleading_label"])


def _contains_words(text: str, phrase: str) -> bool:
    phrase = phrase.strip(_END_PUNCTUATION)
    if not phrase:
        return False
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(part) for part in phrase.split()) + r"(?!\w)"
    return re.search(pattern, text, flags=re.IGNORECASE) is not None


def label_in_input(kind: str, outputs: Outputs, attributes: Attributes) -> bool:
    """Classification: the label or the misleading label appears in the input text as whole words."""
    text = outputs["input_text"]
    return _contains_words(text, outputs["label"]) or _contains_words(text, outputs["misleading_label"])


def texts_not_distinct(kind: str, outputs: Outputs, attributes: Attributes) -> bool:
    """STS and bitext: two of S1, S2 and S3 are the same text."""
    texts = [_normal(outputs[name]) for name in ("S1", "S2", "S3")]
    return len(set(texts)) < len(texts)


def input_equals_positive(kind: str, outputs: Outputs, attributes: Attributes) -> bool:
    """Matching: the match is the input again."""
    return same_text(outputs["input"], outputs["positive_document"])


#: The language attribute each text of a symmetric kind is asked in.
_TEXT_LANGUAGE: dict[str, dict[str, str]] = {
    "sts": {"S1": "language", "S2": "language", "S3": "language"},
    "bitext": {"S1": "source_language", "S2": "target_language", "S3": "target_language"},
}


def wrong_script(kind: str, outputs: Outputs, attributes: Attributes) -> bool:
    """STS and bitext: a text is mostly not in the script of the language it was asked in.

    Tells only what the letters tell: an English S1 where Russian was asked, or a Latin
    S2 where Japanese was asked, not French where English was asked. Texts without
    letters and languages of unknown script are not judged.

    Example:
        >>> wrong_script("bitext", {"S1": "Good morning.", "S2": "Good day.", "S3": "Bad day."},
        ...              {"source_language": "English", "target_language": "Russian"})
        True
        >>> wrong_script("bitext", {"S1": "Good morning.", "S2": "Доброе утро.", "S3": "Добрый вечер."},
        ...              {"source_language": "English", "target_language": "Russian"})
        False
    """
    for name, key in _TEXT_LANGUAGE.get(kind, {}).items():
        language = attributes.get(key)
        share = script_share(outputs[name], language) if isinstance(language, str) else None
        if share is not None and share < MIN_SCRIPT_SHARE:
            return True
    return False


def copies_worked_example(kind: str, outputs: Outputs, attributes: Attributes) -> bool:
    """A field repeats (nearly) the same field of the kind's fixed worked example.

    Small models copy the one example the prompt shows; a copy teaches nothing. Fields of
    the worked example under four words (labels such as "positive") are not compared.

    Example:
        >>> copies_worked_example("text-classification", {"label": "positive", "misleading_label": "negative",
        ...     "input_text": "The battery lasts four days and the screen is bright even in the sun."}, {})
        True
    """
    shown = WORKED_EXAMPLES[kind][1]
    for name, text in shown.items():
        if len(_TOKEN.findall(text)) >= _COPY_MIN_WORDS and token_jaccard(outputs[name], text) >= COPY_JACCARD:
            return True
    return False


Check = Callable[[str, Outputs, Attributes], bool]

#: The checks of each kind between ``copies_attribute`` and ``copies_worked_example``, which every kind runs.
_CHECKS: dict[str, tuple[Check, ...]] = {
    "text-retrieval": (negative_equals_positive, query_not_shorter, document_too_short),
    "text-matching-short": (input_equals_positive,),
    "text-matching-long": (input_equals_positive,),
    "text-classification": (label_equals_misleading, label_in_input),
    "sts": (texts_not_distinct, wrong_script),
    "bitext": (texts_not_distinct, wrong_script),
}


def check_example(kind: str, outputs: Outputs, attributes: Attributes) -> list[str]:
    """The reasons an example is not fit to train on (``[]``: valid).

    A missing field is the only reason reported for an example that has one (the other
    checks need every field).

    Example:
        >>> check_example("text-classification",
        ...               {"input_text": "Great phone.", "label": "positive", "misleading_label": "negative"}, {})
        []
    """
    if missing_field(kind, outputs, attributes):
        return [MISSING_FIELD]
    checks = (copies_attribute, *_CHECKS[kind], copies_worked_example)
    return [check.__name__ for check in checks if check(kind, outputs, attributes)]
