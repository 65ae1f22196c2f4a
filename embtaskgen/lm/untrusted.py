"""Text from a model or a server is untrusted: make it storable, and keep secrets out of it.

:func:`sanitize_text` turns lone surrogates into U+FFFD and drops control characters
other than tab and newline; :func:`redact` replaces API keys (given, and the
environment's ``*_API_KEY`` / ``*_TOKEN`` values), ``Authorization`` values and
``sk-...`` tokens with ``[REDACTED]``.

Example:
    >>> sanitize_text("ok \\ud83d bad\\x00")
    'ok \\ufffd bad'
    >>> redact("401: invalid key sk-abcdefghijklmnopqrstuv", secrets=())
    '401: invalid key [REDACTED]'
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

__all__ = ["REDACTED", "environment_secrets", "redact", "sanitize_text"]

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


def redact(text: str, secrets: Iterable[str | None] | None = None) -> str:
    """``text`` with every secret replaced by ``[REDACTED]``: ``secrets`` and the environment's.

    Example:
        >>> redact("headers: {'Authorization': 'Bearer abc123xyz789'}", secrets=())
        "headers: {'Authorization': '[REDACTED]'}"
    """
    values = list(environment_secrets()) if secrets is None else [s for s in secrets if s]
    if secrets is not None:
        values += environment_secrets()
    for value in sorted(set(values), key=len, reverse=True):
        if len(value) >= _MIN_SECRET:
            text = text.replace(value, REDACTED)
    auth, bearer, sk = _PATTERNS
    text = auth.sub(lambda m: m.group(1) + REDACTED, text)
    text = bearer.sub(REDACTED, text)
    return sk.sub(REDACTED, text)
