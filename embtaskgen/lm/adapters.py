"""Which adapter formats and parses a call for an LM: the one place that decides.

An adapter the user chose always wins (a ``CompactListAdapter`` built without a category
gets a copy told the call's). An embedded model gets the compact adapter with the
settings its catalog entry was tuned with. A served model gets the strict twin of the
adapter in ``dspy.settings`` (``ChatAdapter`` by default); any adapter there other than
DSPy's Chat or JSON adapter is left alone (``None``).

Example:
    >>> import dspy
    >>> type(adapter_for(dspy.LM("openai/my-server-model"), "text-retrieval")).__name__
    'StrictChatAdapter'
    >>> type(adapter_for(dspy.LM("openai/gpt-4o-mini"), "text-retrieval")).__name__  # takes a JSON schema
    'StrictJSONAdapter'
"""

from __future__ import annotations

import copy
from typing import Any

import dspy

from embtaskgen.lm.strict_adapters import default_adapter, strict_adapter

__all__ = ["adapter_for", "example_adapter_for"]


def adapter_for(lm: Any, category: str | None = None, chosen: dspy.Adapter | None = None) -> dspy.Adapter | None:
    """The adapter to format a call of ``category`` on ``lm`` (``None``: keep ``dspy.settings.adapter``).

    Args:
        lm: The LM of the call.
        category: The category the call serves (``None``: an adapter for inspection only,
            as program files record).
        chosen: An adapter the user picked; returned as is.

    Example:
        >>> adapter_for(dspy.LM("openai/m"), "text-retrieval", chosen=dspy.JSONAdapter()).__class__.__name__
        'JSONAdapter'
        >>> with dspy.context(adapter=dspy.JSONAdapter()):
        ...     adapter_for(dspy.LM("openai/m"), "text-retrieval").__class__.__name__
        'StrictJSONAdapter'
    """
    try:
        from embtaskgen.embedded.adapter import CompactListAdapter
        from embtaskgen.embedded.catalog import adapter_options_for
    except ImportError:  # pragma: no cover - the local extra is missing
        CompactListAdapter = adapter_options_for = None  # type: ignore[assignment,misc]  # noqa: N806
    if chosen is not None:
        if (
            CompactListAdapter is not None
            and isinstance(chosen, CompactListAdapter)
            and chosen.category is None
            and category is not None
        ):
            told = copy.copy(chosen)
            told.category = category
            return told
        return chosen
    options = adapter_options_for(lm) if adapter_options_for is not None else None
    if options is None:
        return strict_adapter(dspy.settings.adapter or default_adapter(lm))
    return CompactListAdapter(category=category, **options)


def example_adapter_for(lm: Any, kind: str | None = None, chosen: dspy.Adapter | None = None) -> dspy.Adapter | None:
    """Like :func:`adapter_for`, for a stage-2 example call of ``kind`` (``None``: the signature's).

    An embedded model gets the :class:`~embtaskgen.embedded.object_adapter.CompactObjectAdapter`
    in its catalog entry's prompt style.

    Example:
        >>> adapter_for(dspy.LM("openai/m")).__class__.__name__
        'StrictChatAdapter'
        >>> example_adapter_for(dspy.LM("openai/m"), "sts").__class__.__name__
        'StrictChatAdapter'
    """
    if chosen is not None:
        return chosen
    try:
        from embtaskgen.embedded.catalog import adapter_options_for
        from embtaskgen.embedded.object_adapter import CompactObjectAdapter
    except ImportError:  # pragma: no cover - the local extra is missing
        return strict_adapter(dspy.settings.adapter or default_adapter(lm))
    options = adapter_options_for(lm)
    if options is None:
        return strict_adapter(dspy.settings.adapter or default_adapter(lm))
    return CompactObjectAdapter(style=options.get("style", "chat"), kind=kind)
