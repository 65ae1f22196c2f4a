"""Which adapter formats the prompt for an LM: the one place that decides.

A served model gets DSPy's own adapter (``None``: whatever ``dspy.settings`` holds,
ChatAdapter by default). An embedded model from :func:`~embtaskgen.lm.local.catalog.load_local_lm`
gets the :class:`~embtaskgen.lm.local.adapter.CompactListAdapter` with the settings its
catalog entry was tuned with, told the category of the call. An adapter the user chose
always wins; a ``CompactListAdapter`` the user built without a category is told the
category of each call (a copy per call).

Example:
    >>> import dspy
    >>> adapter_for(dspy.LM("openai/gpt-4o-mini"), "text-retrieval") is None
    True
"""

from __future__ import annotations

import copy
from typing import Any

import dspy

__all__ = ["adapter_for"]


def adapter_for(lm: Any, category: str | None = None, chosen: dspy.Adapter | None = None) -> dspy.Adapter | None:
    """The adapter to format a call of ``category`` on ``lm``.

    Args:
        lm: The LM of the call.
        category: The category (or example kind) the call serves; the compact adapter
            shows that category's worked examples. ``None`` gives an adapter for
            inspection only (its settings, not its examples), as program files record.
        chosen: An adapter the user picked; returned as is.

    Returns:
        ``chosen`` if given; a ``CompactListAdapter`` for an embedded model; else
        ``None`` (keep DSPy's default adapter).

    Example:
        >>> adapter_for(dspy.LM("openai/m"), "text-retrieval", chosen=dspy.JSONAdapter()).__class__.__name__
        'JSONAdapter'
    """
    try:
        from embtaskgen.lm.local.adapter import CompactListAdapter
        from embtaskgen.lm.local.catalog import adapter_options_for
    except ImportError:  # pragma: no cover - the local extra is missing
        return chosen
    if chosen is not None:
        if isinstance(chosen, CompactListAdapter) and chosen.category is None and category is not None:
            told = copy.copy(chosen)
            told.category = category
            return told
        return chosen
    options = adapter_options_for(lm)
    if options is None:
        return None
    return CompactListAdapter(category=category, **options)
