"""Render a run's planned calls as an OpenAI batch input file, exactly as the online path would send them.

Each call runs through its stage's normal per-call code on a :func:`~.calls.batch_lm` whose
transport keeps the request instead of sending it, so the lines hold the same model,
messages and sampling settings (seed included) as the online requests. A line is
``{"custom_id": "<label>#<index>", "method": "POST", "url": "/v1/chat/completions", "body": {...}}``;
no header is kept, so the run's key never reaches the file.

Example:
    >>> line = json.loads(request_line("sts#0", "http://127.0.0.1:8000/v1/chat/completions", b'{"model": "m"}'))
    >>> line["url"], line["body"]
    ('/v1/chat/completions', {'model': 'm'})
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import dspy

from embtaskgen.errors import ConfigError
from embtaskgen.runs.batch.calls import KeyedStage, batch_lm, current_call, custom_id
from embtaskgen.runs.batch.prompts import RenderedPrompts
from embtaskgen.runs.binding import bind_for_run, run_settings
from embtaskgen.runs.files import LineWriter
from embtaskgen.stage import Key, Stage

__all__ = ["ENDPOINT", "RecordingTransport", "render_requests", "request_line", "write_requests"]

logger = logging.getLogger(__name__)

#: The endpoint of every line (OpenAI's batch API and ``vllm run-batch`` take it).
ENDPOINT = "/v1/chat/completions"


class _Held(Exception):
    """Raised by the recording transport in place of an answer: the call's request is kept."""


def request_line(name: str, url: str, body: bytes) -> str:
    """The batch input line (JSON text) of the request ``body`` the engine built for ``url``, named ``name``.

    The body goes in as the engine serialised it (not parsed and written again).

    Raises:
        ConfigError: The request is not a chat completion (a provider whose API is not OpenAI's).
    """
    path = urlsplit(url).path
    if not path.endswith("/chat/completions"):
        raise ConfigError(
            f"batch mode writes OpenAI chat completion requests; this model's requests go to {path!r} "
            "(use an openai/<name> or hosted_vllm/<name> model id)"
        )
    text = body.decode("utf-8")
    if not text.lstrip().startswith("{"):
        raise ConfigError(f"call {name}: the request body is not a JSON object")
    return f'{{"custom_id":{json.dumps(name)},"method":"POST","url":"{ENDPOINT}","body":{text}}}'


class RecordingTransport:
    """An lm15 sync transport that keeps each request (by the call's ``custom_id``) and answers none."""

    def __init__(self) -> None:
        self.lines: dict[str, str] = {}

    def stream(self, request: Any) -> Any:
        """Keep ``request`` as the current call's line; raise in place of an answer."""
        name = current_call()
        if name is None:
            raise ConfigError("a batch request was made outside a planned call")
        if name in self.lines:
            raise ConfigError(f"call {name} made a second request; a batch holds one request per call")
        self.lines[name] = request_line(name, request.url, request.body)
        raise _Held(name)


def render_requests(
    stage: Stage, seed: int, lm: dspy.BaseLM, keys: Iterable[Key], prompts: RenderedPrompts | None = None
) -> list[str]:
    """The batch input lines (JSON text) of ``keys`` (in plan order), each rendered by the stage's own call.

    ``prompts``: keep each call's formatted messages for its replay in this process.

    Raises:
        ConfigError: ``lm`` cannot be batched (see :func:`~.calls.batch_lm`), or a call made
            no request or not a chat completion.
    """
    transport = RecordingTransport()
    recording = bind_for_run(batch_lm(lm, transport), on_cost=lambda cost: None)
    call = KeyedStage(stage).caller(seed, recording)
    names = []
    settings = run_settings(lm, one_request=True)  # the online adapter; the first request is the same either way
    with dspy.context(**(settings if prompts is None else prompts.recording(settings))):
        for key in keys:
            names.append(custom_id(key))
            try:
                call(*key)
            except _Held:
                continue
            except Exception as exc:
                cause = exc.__cause__ or exc.__context__
                if isinstance(cause, _Held):  # wrapped on its way out of the engine
                    continue
                if isinstance(cause, ConfigError):  # the request is not one a batch can hold
                    raise cause from None
                raise
    missing = [name for name in names if name not in transport.lines]
    if missing:
        raise ConfigError(f"call {missing[0]} made no request; it cannot go in a batch")
    logger.info("rendered %d batch requests", len(names))
    return [transport.lines[name] for name in names]


def write_requests(path: str | os.PathLike[str], lines: list[str]) -> None:
    """Write ``lines`` as a batch input file at ``path`` (replaced; a ``WriteError`` if it fails)."""
    writer = LineWriter(path, truncate=True)
    try:
        writer.write_lines(lines)
    finally:
        writer.close()
