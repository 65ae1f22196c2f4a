"""Validation of the arguments the quality functions share."""

from __future__ import annotations

from embtaskgen.errors import ConfigError
from embtaskgen.signatures.categories import CATEGORIES

__all__ = ["check_category_name", "check_num_tasks"]


def check_category_name(category: object) -> str:
    """Return ``category`` if it is one of ``CATEGORIES``.

    Raises:
        ValueError: Unknown category; the message lists the valid choices.
    """
    if not isinstance(category, str) or category not in CATEGORIES:
        raise ConfigError(f"unknown category {category!r}; choose from {', '.join(CATEGORIES)}")
    return category


def check_num_tasks(num_tasks: object) -> int:
    """Return ``num_tasks`` if it is a positive int.

    Raises:
        ValueError: Not a positive int.
    """
    if isinstance(num_tasks, bool) or not isinstance(num_tasks, int) or num_tasks < 1:
        raise ConfigError(f"num_tasks must be a positive int, got {num_tasks!r}")
    return num_tasks
