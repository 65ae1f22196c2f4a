"""Text from a model or a server is untrusted: make it storable, and keep secrets out of it.

:func:`sanitize_text` turns lone surrogates into U+FFFD and drops control characters
other than tab and newline; :func:`redact` replaces API keys (given, and the
environment's ``*_API_KEY`` / ``*_TOKEN`` values), ``Authorization`` values and
``sk-...`` tokens with ``[REDACTED]``; :func:`redact_values` (and :func:`redact_result`
for a call's result) replaces only the keys themselves (exact values), in a model's
answer, which must keep its other words.

Example:
    >>> sanitize_text("ok \\ud83d bad\\x00")
    'ok \\ufffd bad'
    >>> redact("401: invalid key sk-abcdefghijklmnopqrstuv", secrets=())
    '401: invalid key [REDACTED]'
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "REDACTED",
    "environment_secrets",
    "held_secrets",
    "redact",
    "redact_result",
    "redact_values",
    "sanitize_text",
]

REDACTED = "[REDACTED]"

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_SECRET_ENV = re.compile(r"(_API_KEY|_TOKEN|_SECRET|_PASSWORD)$|^API_KEY$")
_PATTERNS = (
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(bearer\s+)?[^\s'\",}]+"),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"\bsk-[A-Za-z0-9_-]{8,}"),
)
_MIN_SECRET = 6


def sanitize_text(text: str, max_chars: int | None = None) -> str:
    """``text`` as any UTF-8 file can hold it, cut to ``max_chars`` (marked ``"…"``) if given.

    Example:
        >>> sanitize_text("abcdef", max_chars=3)
        'abc…'
    """
    cleaned = _CONTROL.sub("", _SURROGATE.sub("\ufffd", text))
    if max_chars is not None and len(cleaned) > max_chars:
        cleaned = cleaned[:max_chars] + "…"
    return cleaned


def environment_secrets() -> list[str]:
    """The values of ``*_API_KEY``, ``*_TOKEN``, ``*_SECRET`` and ``*_PASSWORD`` variables."""
    return [value for name, value in os.environ.items() if _SECRET_ENV.search(name) and len(value) >= _MIN_SECRET]


def held_secrets(secrets: Iterable[str | None] = ()) -> list[str]:
    """The exact values to redact, longest first: ``secrets`` and the environment's (6 characters or more)."""
    values = {value for value in secrets if value and len(value) >= _MIN_SECRET} | set(environment_secrets())
    return sorted(values, key=len, reverse=True)


def redact_values(value: Any, secrets: Sequence[str]) -> Any:
    """``value`` (text, or lists and dicts of it) with each of ``secrets`` (:func:`held_secrets`) redacted.

    Example:
        >>> redact_values({"tasks": ["Find k3y-0123 files.", "Authorization: on"]}, ["k3y-0123"])
        {'tasks': ['Find [REDACTED] files.', 'Authorization: on']}
    """
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if type(value) in (list, tuple):  # not a named tuple: its fields are ours
        return type(value)(redact_values(item, secrets) for item in value)
    if isinstance(value, dict):
        return {key: redact_values(item, secrets) for key, item in value.items()}
    return value


def redact_result(result: Any, secrets: Sequence[str]) -> Any:
    """A call's result (a dataclass; anything else as is) with :func:`redact_values` applied to every field."""
    if not secrets or not dataclasses.is_dataclass(result) or isinstance(result, type):
        return result
    fields = {field.name: getattr(result, field.name) for field in dataclasses.fields(result)}
    return dataclasses.replace(result, **redact_values(fields, secrets))


def redact(text: str, secrets: Iterable[str | None] | None = None) -> str:
    """``text`` with every secret replaced by ``[REDACTED]``: ``secrets`` and the environment's.

    Example:
        >>> redact("headers: {'Authorization': 'Bearer abc123xyz789'}", secrets=())
        "headers: {'Authorization': '[REDACTED]'}"
    """
    text = redact_values(text, held_secrets(secrets or ()))
    auth, bearer, sk = _PATTERNS
    text = auth.sub(lambda m: m.group(1) + REDACTED, text)
    text = bearer.sub(REDACTED, text)
    return sk.sub(REDACTED, text)
