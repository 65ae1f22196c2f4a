"""Render each piece of a prompt once: DSPy's Chat and JSON adapters, memoised per values.

DSPy renders every field value of every call through a new pydantic ``TypeAdapter``
(about 0.1 ms each), though in a run the values repeat. Only plain JSON values of exactly
the JSON types are memoised, compared by type and value (``1``, ``1.0`` and ``True``
differ); anything else renders afresh. The text is the adapter's own: the prompt is unchanged.

Example:
    >>> import dspy
    >>> adapter = dspy.ChatAdapter()
    >>> memoise_pieces(adapter)
    >>> sig = dspy.Signature("topic -> tasks: list[str]")
    >>> text = adapter.format_user_message_content(sig, {"topic": "law"}, main_request=True)
    >>> text == dspy.ChatAdapter().format_user_message_content(sig, {"topic": "law"}, main_request=True)
    True
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["PieceMemo", "memoise_pieces", "plain_key"]

_NOT_PLAIN = object()
_SCALARS = (str, int, bool, type(None))


def plain_key(value: Any) -> Hashable:
    """A hashable key that tells plain JSON values apart exactly as they render, or raise ``TypeError``.

    Example:
        >>> plain_key([1, "a"]) == plain_key([1, "a"])
        True
        >>> plain_key(1) == plain_key(True), plain_key(0.0) == plain_key(-0.0)
        (False, False)
        >>> plain_key((1, 2))
        Traceback (most recent call last):
        ...
        TypeError: not a plain JSON value: tuple
    """
    kind = type(value)
    if kind in _SCALARS:
        return kind, value
    if kind is float:
        return kind, repr(value)  # -0.0 and 0.0 are equal but render differently
    if kind is list:
        return kind, tuple(plain_key(item) for item in value)
    if kind is dict:
        items = []
        for name, item in value.items():
            if type(name) is not str:
                raise TypeError(f"not a plain JSON value: dict key of type {type(name).__name__}")
            items.append((name, plain_key(item)))
        return kind, tuple(items)  # in order: a dict renders in its own order
    raise TypeError(f"not a plain JSON value: {kind.__name__}")


class PieceMemo:
    """``render(signature, values, *rest)`` memoised (LRU) per signature, the ``fields``' values, and rest."""

    def __init__(self, render: Callable[..., str], fields: str, maxsize: int = 2048) -> None:
        self._render = render
        self._fields = fields
        self._maxsize = maxsize
        self._memo: OrderedDict[Hashable, str] = OrderedDict()
        self._names: dict[Any, tuple[str, ...]] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __call__(self, signature: Any, values: dict[str, Any], *args: Any, **kwargs: Any) -> str:
        try:
            fields = self._names.get(signature)
            if fields is None:  # DSPy rebuilds ``signature.input_fields`` on every access
                fields = self._names[signature] = tuple(getattr(signature, self._fields))
            # What the adapter reads: a missing field shows as missing (outputs take the
            # ``missing_field_message`` instead), so presence is part of the key.
            seen = tuple((name, plain_key(values[name]) if name in values else _NOT_PLAIN) for name in fields)
            key = (signature, seen, args, tuple(sorted(kwargs.items())))
            hash(key)
        except (TypeError, AttributeError):
            return self._render(signature, values, *args, **kwargs)
        with self._lock:
            text = self._memo.get(key)
            if text is not None:
                self._memo.move_to_end(key)
                self.hits += 1
                return text
        text = self._render(signature, values, *args, **kwargs)
        if type(text) is str:
            with self._lock:
                self.misses += 1
                self._memo[key] = text
                while len(self._memo) > self._maxsize:
                    self._memo.popitem(last=False)
        return text


def memoise_pieces(adapter: Any) -> None:
    """Memoise ``adapter``'s user and assistant message texts in place (this instance only)."""
    adapter.format_user_message_content = PieceMemo(adapter.format_user_message_content, "input_fields")
    adapter.format_assistant_message_content = PieceMemo(adapter.format_assistant_message_content, "output_fields")
