"""The category table: names, one-line summaries, predictor names, and the request check.

Example:
    >>> resolve_categories("all")[0], PREDICTOR_NAMES["text-matching-short"]
    ('text-retrieval', 'text_matching_short')
"""

from __future__ import annotations

from collections.abc import Iterable

import dspy

from embtaskgen.errors import ConfigError
from embtaskgen.signatures import SIGNATURES

__all__ = ["CATEGORIES", "CATEGORY_SUMMARIES", "PREDICTOR_NAMES", "resolve_categories", "signature_for"]

CATEGORIES: tuple[str, ...] = ("text-retrieval", "text-matching-short", "text-matching-long", "text-classification")

CATEGORY_SUMMARIES: dict[str, str] = {
    "text-retrieval": "short query -> long documents to retrieve (questions, claims, keywords)",
    "text-matching-short": "short text -> short text (titles, words, names, one-sentence pairs)",
    "text-matching-long": "long document -> long documents (essays, reports, proposals)",
    "text-classification": "long input text -> a label from an implied label space",
}

#: Stable attribute name of each category's predictor on the generator. Saved programs
#: refer to predictors by these names: never rename them.
PREDICTOR_NAMES: dict[str, str] = {name: name.replace("-", "_") for name in CATEGORIES}

_ALL = "all"


def resolve_categories(category: str | Iterable[str]) -> tuple[str, ...]:
    """Turn a category request into the ordered tuple of category names it means.

    Args:
        category: One name, an iterable of names, or ``"all"``.

    Returns:
        The distinct categories in the order given (``"all"`` gives ``CATEGORIES``).

    Raises:
        ValueError: A name is not a category; the message lists the valid choices.

    Example:
        >>> resolve_categories(["text-retrieval", "text-retrieval"])
        ('text-retrieval',)
    """
    names = [category] if isinstance(category, str) else list(category)
    if not names:
        raise ConfigError(f"no category given; choose from {', '.join(CATEGORIES)} or 'all'")
    resolved: list[str] = []
    for name in names:
        if not isinstance(name, str):
            raise ConfigError(f"category must be a string, got {type(name).__name__}")
        if name == _ALL:
            chosen = list(CATEGORIES)
        elif name in SIGNATURES:
            chosen = [name]
        else:
            raise ConfigError(f"unknown category {name!r}; choose from {', '.join(CATEGORIES)} or 'all'")
        resolved.extend(c for c in chosen if c not in resolved)
    return tuple(resolved)


def signature_for(category: str) -> type[dspy.Signature]:
    """Return the signature class of one category.

    Raises:
        ValueError: ``category`` is not one of ``CATEGORIES``.
    """
    if not isinstance(category, str):
        raise ConfigError(
            f"category must be a string, got {type(category).__name__}; choose from {', '.join(CATEGORIES)}"
        )
    try:
        return SIGNATURES[category]
    except KeyError:
        raise ConfigError(f"unknown category {category!r}; choose from {', '.join(CATEGORIES)}") from None
