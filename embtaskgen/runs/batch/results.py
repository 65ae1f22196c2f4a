"""Read a batch output file and answer each call's request from it, as a server would have.

An output line (OpenAI's batch API, ``vllm run-batch``) is
``{"custom_id", "response": {"status_code", "body"}, "error"}``, in any order; an error
file has the same lines with ``error`` set. :func:`read_results` keeps them by
``custom_id``; :class:`AnsweringTransport` hands DSPy's native engine the recorded
answer of the call in progress, so the engine, adapter, parsing, validity checks and rows
are the online path's. A call with no answer (or an ``error``) fails with a
:class:`~embtaskgen.errors.BatchError`, counted as an error: a resume puts it in a new batch.

Example:
    >>> answers = parse_results(['{"custom_id": "sts#0", "response": {"status_code": 200, "body": {"id": "x"}}}'])
    >>> answers["sts#0"].status, answers["sts#0"].body
    (200, b'{"id": "x"}')
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from embtaskgen.errors import BatchError, ConfigError
from embtaskgen.lm.guarded_transport import TransportResponse
from embtaskgen.lm.untrusted import REDACTED, held_secrets
from embtaskgen.runs.batch.calls import current_call

__all__ = ["Answer", "AnsweringTransport", "parse_results", "read_results"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    """One call's line of an output or error file: the HTTP answer, or why there is none."""

    status: int = 0
    body: bytes = b""
    error: str = ""


def _answer(record: dict[str, Any]) -> Answer:
    error = record.get("error")
    response = record.get("response")
    if isinstance(response, dict) and isinstance(response.get("body"), dict) and not error:
        status = response.get("status_code")
        status = status if isinstance(status, int) and not isinstance(status, bool) else 200
        return Answer(status, json.dumps(response["body"], ensure_ascii=False).encode("utf-8"))
    if isinstance(error, dict):
        text = f"{error.get('code') or 'error'}: {error.get('message') or ''}".strip()
    else:
        text = str(error or "a line without a response")
    return Answer(error=f"the batch's answer is an error ({text[:500]})")


def parse_results(lines: Iterable[str], where: str = "batch results") -> dict[str, Answer]:
    """The answers of output (and error) file lines by ``custom_id``; an answer beats an error for one id.

    Raises:
        ConfigError: A line that is not a JSON object with a ``custom_id`` (naming ``where`` and the line).
    """
    answers: dict[str, Answer] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{where}:{number}: not JSON ({exc}); is it a batch output file?") from None
        if not isinstance(record, dict) or not isinstance(record.get("custom_id"), str):
            raise ConfigError(f"{where}:{number}: not a batch output line (no custom_id)")
        answer = _answer(record)
        name = record["custom_id"]
        if name not in answers or answers[name].error:
            answers[name] = answer
    return answers


def read_results(*paths: str | os.PathLike[str]) -> dict[str, Answer]:
    """The answers in output files at ``paths`` (as ``vllm run-batch -o`` or a provider writes them).

    Raises:
        ConfigError: A file that cannot be read or holds a line that is not a batch output line.
    """
    answers: dict[str, Answer] = {}
    for path in paths:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                found = parse_results(handle, str(path))
        except OSError as exc:
            raise ConfigError(f"cannot read batch results {path}: {exc.strerror or exc}") from None
        for name, answer in found.items():
            if name not in answers or answers[name].error:
                answers[name] = answer
    return answers


class AnsweringTransport:
    """An lm15 sync transport that answers each call's one request from ``answers`` (by ``custom_id``)."""

    def __init__(self, answers: dict[str, Answer], source: str, secrets: Sequence[str] = ()) -> None:
        self.answers, self.source = answers, source
        self._secrets = [secret.encode() for secret in held_secrets(secrets)]  # the environment's too
        self._asked: set[str] = set()
        self._lock = threading.Lock()

    def stream(self, request: Any) -> Any:
        """The recorded answer of the current call (a ``BatchError`` when it has none)."""
        name = current_call()
        with self._lock:
            again = name in self._asked
            self._asked.add(str(name))
        if name is None or again:
            raise BatchError(f"call {name} made a request the batch does not hold (one request per call)")
        answer = self.answers.get(name)
        if answer is None:
            raise BatchError(f"{self.source} holds no answer for call {name}")
        if answer.error:
            raise BatchError(answer.error)
        body = answer.body
        for secret in self._secrets:
            body = body.replace(secret, REDACTED.encode())
        return TransportResponse(
            status=answer.status,
            reason="OK" if answer.status == 200 else "batch answer",
            headers=[("content-type", "application/json")],
            http_version="HTTP/1.1",
            chunks=iter([body]),
            release=lambda _consumed: None,
        )
