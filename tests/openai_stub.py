"""A scripted OpenAI-compatible chat server on loopback, with hostile modes, for tests.

``OpenAIStub(mode=...)`` starts a ``ThreadingHTTPServer`` on 127.0.0.1 (a free port) that
answers ``POST /v1/chat/completions`` (and ``/chat/completions``). Every request is kept
(path, headers, JSON body) in ``stub.requests``. Modes:

* ``"tasks"`` (default): a ChatAdapter-formatted answer with ``tasks``: a JSON list of
  distinct tasks derived from the prompt (``answer`` overrides the field text);
* ``"raw"``: the assistant message is ``answer`` verbatim (e.g. a bare Python
  expression, a lone surrogate escape, a huge list);
* ``"status"``: HTTP ``status`` with an OpenAI-style error whose message is ``answer``
  (e.g. a 401 that quotes the key back);
* ``"echo"``: tasks that quote the request's ``Authorization`` header and the end of its
  prompt back, as a hostile or careless server may;
* ``"hang"``: accepts the request and never answers (until the stub stops);
* ``"drip"``: sends the headers, then one byte every 0.05 s, forever;
* ``"huge"``: a valid answer whose message is ``size`` bytes of ``a``, sent in 64 kB chunks
  (``size=None``: an endless body);
* a callable ``mode(body) -> (status, text)`` for anything else.

``usage(body, text)`` (optional) gives the answer's ``usage`` (default: 10 prompt and 10
completion tokens). In every mode, ``{authorization}`` in an answer becomes the request's ``Authorization``
header and ``{prompt}`` the last 200 characters of its last message (each escaped to fit
in a JSON string).

Use it as a context manager (``with OpenAIStub() as stub: stub.base_url``), or call
``start()``/``stop()``. It makes no network call beyond loopback.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

__all__ = ["OpenAIStub", "chat_tasks_reply", "completion_payload", "send_json"]


def send_json(
    handler: BaseHTTPRequestHandler, status: int, payload: dict[str, Any], headers: Iterable[tuple[str, str]] = ()
) -> None:
    """Answer a request with ``payload`` as JSON (``ensure_ascii`` keeps lone surrogates as
    ``\\ud83d`` escapes, as a real server may send them), with extra ``headers``."""
    data = json.dumps(payload, ensure_ascii=True).encode("ascii")
    handler.send_response(status)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def chat_tasks_reply(body: dict[str, Any], count: int = 5) -> str:
    """A ChatAdapter answer whose tasks depend on the prompt (so each call differs)."""
    # A decimal number: hex digits can spell "fff", which the precision gate drops as garbled.
    digest = int(hashlib.sha256(json.dumps(body.get("messages"), sort_keys=True).encode()).hexdigest()[:8], 16)
    tasks = [f"Given a question about subject {digest}-{i}, retrieve passages that answer it." for i in range(count)]
    return f"[[ ## tasks ## ]]\n{json.dumps(tasks)}\n\n[[ ## completed ## ]]"


def completion_payload(
    body: dict[str, Any], text: str, usage: Callable[[dict[str, Any], str], dict[str, int]] | None = None
) -> dict[str, Any]:
    """The chat completion a server sends for the request ``body`` with the assistant message ``text``
    (``usage(body, text)``: its token counts; default 10 prompt and 10 completion tokens)."""
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", "stub"),
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
        "usage": usage(body, text) if usage else {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def _body(head: bytes, size: int | None) -> Iterator[bytes]:
    yield head
    block, sent = b"a" * 65536, 0
    while size is None or sent < size:
        part = block if size is None else block[: size - sent]
        sent += len(part)
        yield part
    yield b'"}}], "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}'


def _drip(every: float = 0.05) -> Iterator[bytes]:
    while True:
        yield b" "
        time.sleep(every)


_S = TypeVar("_S", bound="LoopbackServer")


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1, port chosen by the OS, for one test's stub.

    A stub's ``start`` builds its request handler and calls :meth:`serve`; :meth:`stop` ends
    the server; the stub is a context manager (``with Stub() as stub: stub.base_url``).
    """

    #: Connections the listening socket queues (a wave of hundreds needs more than the default).
    request_queue_size = 5
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``: pass as ``api_base``."""
        if self._server is None:
            raise RuntimeError("start the stub first")
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self: _S) -> _S:
        raise NotImplementedError

    def serve(self: _S, handler: type[BaseHTTPRequestHandler], name: str) -> _S:
        """Listen on a free loopback port and answer with ``handler`` on a daemon thread."""

        class Server(ThreadingHTTPServer):
            request_queue_size = self.request_queue_size
            daemon_threads = True

        self._server = Server(("127.0.0.1", 0), handler)
        poll = {"poll_interval": 0.05}
        threading.Thread(target=self._server.serve_forever, kwargs=poll, name=name, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self: _S) -> _S:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class OpenAIStub(LoopbackServer):
    """A loopback OpenAI-compatible chat server (see the module docstring)."""

    def __init__(
        self,
        mode: str | Callable[[dict[str, Any]], tuple[int, str]] = "tasks",
        *,
        answer: str | None = None,
        status: int = 200,
        delay: float = 0.0,
        size: int | None = None,
        usage: Callable[[dict[str, Any], str], dict[str, int]] | None = None,
    ) -> None:
        self.mode = mode
        self.usage = usage
        self.size = size
        self._stopping = threading.Event()
        self.answer = answer
        self.status = status
        self.delay = delay
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ server
    def start(self) -> OpenAIStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - /v1/models
                self._send(200, {"object": "list", "data": [{"id": "stub", "object": "model"}]})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    body = {}
                with stub._lock:
                    stub.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if stub.mode in ("hang", "drip", "huge"):
                    self._stream(stub.mode, body)
                    return
                if stub.delay:
                    threading.Event().wait(stub.delay)
                status, text = stub._answer(body)
                prompt = str((body.get("messages") or [{}])[-1].get("content"))[-200:]
                for name, value in (("authorization", str(self.headers.get("Authorization"))), ("prompt", prompt)):
                    text = text.replace("{" + name + "}", json.dumps(value)[1:-1])
                if status != 200:
                    self._send(
                        status, {"error": {"message": text, "type": "invalid_request_error", "code": str(status)}}
                    )
                    return
                self._send(200, completion_payload(body, text, stub.usage))

            def _stream(self, mode: str, body: dict[str, Any]) -> None:
                if mode == "hang":
                    stub._stopping.wait()
                    return
                head = '{"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": '
                head += '[{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "'
                chunks = _drip() if mode == "drip" else _body(head.encode(), stub.size)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                for chunk in chunks:
                    if stub._stopping.is_set():
                        return
                    try:
                        self.wfile.write(chunk)
                        self.wfile.flush()
                    except OSError:  # the client cut the answer off
                        return

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                send_json(self, status, payload)

        return self.serve(Handler, "openai-stub")

    def stop(self) -> None:
        self._stopping.set()  # endless answers end
        super().stop()

    # ----------------------------------------------------------------- answers
    def _answer(self, body: dict[str, Any]) -> tuple[int, str]:
        if callable(self.mode):
            return self.mode(body)
        if self.mode == "status":
            return self.status, self.answer or "error"
        if self.mode == "raw":
            return 200, self.answer or ""
        if self.mode == "echo":
            tasks = '["Given a request signed {authorization}, retrieve its audit log.", "Given {prompt}, find it."]'
            return 200, f"[[ ## tasks ## ]]\n{tasks}\n\n[[ ## completed ## ]]"
        if self.answer is not None:
            return 200, f"[[ ## tasks ## ]]\n{self.answer}\n\n[[ ## completed ## ]]"
        return 200, chat_tasks_reply(body)

    @property
    def calls(self) -> int:
        """Chat requests received so far."""
        with self._lock:
            return sum(1 for r in self.requests if "completions" in r["path"])
