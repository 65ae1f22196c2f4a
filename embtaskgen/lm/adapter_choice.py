"""The adapter a user may choose by name (``--adapter``, ``adapter="..."``), checked where it enters.

``auto`` (or ``None``): the library decides (:func:`embtaskgen.lm.adapters.adapter_for`);
``chat`` / ``json``: the strict twins of DSPy's Chat and JSON adapters; ``compact``: the
:class:`~embtaskgen.embedded.adapter.CompactListAdapter` (for an embedded model what
``auto`` picks, with its tuned settings). A ``dspy.Adapter`` is taken as is.

Example:
    >>> type(choose_adapter("chat", "openai/m")).__name__
    'StrictChatAdapter'
    >>> choose_adapter("auto", None) is None
    True
    >>> choose_adapter("xml", None)
    Traceback (most recent call last):
    ...
    embtaskgen.errors.ConfigError: unknown adapter 'xml'; choose from auto, chat, json, compact, or pass a dspy.Adapter
"""

from __future__ import annotations

from typing import Any

import dspy

from embtaskgen.embedded.choice import is_embedded
from embtaskgen.errors import ConfigError

__all__ = ["ADAPTER_CHOICES", "adapter_label", "choose_adapter"]

#: The adapter names ``--adapter`` and ``adapter=`` take.
ADAPTER_CHOICES = ("auto", "chat", "json", "compact")


def choose_adapter(choice: Any, lm: Any = None) -> dspy.Adapter | None:
    """The adapter ``choice`` (a name, ``None`` or a ``dspy.Adapter``) names for the model choice ``lm``.

    ``None`` means the library decides.
    """
    if choice is None or isinstance(choice, dspy.Adapter):
        return choice
    if not isinstance(choice, str) or choice.strip().lower() not in ADAPTER_CHOICES:
        shown = repr(choice) if isinstance(choice, str) else f"of type {type(choice).__name__}"
        raise ConfigError(f"unknown adapter {shown}; choose from {', '.join(ADAPTER_CHOICES)}, or pass a dspy.Adapter")
    name = choice.strip().lower()
    if name == "auto":
        return None
    if name == "chat":
        from embtaskgen.lm.strict_adapters import StrictChatAdapter

        return StrictChatAdapter()
    if name == "json":
        from embtaskgen.lm.strict_adapters import StrictJSONAdapter

        return StrictJSONAdapter()
    if is_embedded(lm):
        return None  # the embedded model's compact adapter, with the settings it was tuned with
    from embtaskgen.embedded.adapter import CompactListAdapter

    return CompactListAdapter()


def adapter_label(adapter: dspy.Adapter | None) -> str:
    """A short name of a chosen adapter, for the journal (``auto`` when the library decides)."""
    return "auto" if adapter is None else type(adapter).__name__
