"""A scripted OpenAI-compatible batch server on loopback: ``/v1/files`` and ``/v1/batches``, for tests.

``BatchStub(statuses=(...), mode=...)`` starts a ``ThreadingHTTPServer`` on 127.0.0.1 that
takes an uploaded input file (multipart ``POST /v1/files``), creates a batch from it
(``POST /v1/batches``), answers ``GET /v1/batches/{id}`` with the next status of
``statuses`` (the last one repeats) and, once the batch ends, serves its output and error
files (``GET /v1/files/{id}/content``). Each request line is answered as
:class:`~tests.openai_stub.OpenAIStub` ``(mode, answer=...)`` would answer it online, so a
run against this server and one against the chat stub get the same answers. Scripted
failures: ``fail_ids`` (custom_ids that go to the error file), ``answered`` (with
``expired``: only the first N lines have answers), ``failed`` (the batch fails
validation: no output file). ``uploads`` and ``created`` count what clients sent;
``chat`` (``POST /v1/chat/completions``) answers online for comparisons.
"""

from __future__ import annotations

import email.parser
import json
import threading
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler
from typing import Any

from openai_stub import LoopbackServer, OpenAIStub, completion_payload, send_json

__all__ = ["BatchStub"]


class BatchStub(LoopbackServer):
    """A loopback batch server (see the module docstring)."""

    def __init__(
        self,
        statuses: Sequence[str] = ("validating", "in_progress", "completed"),
        mode: str | Callable[[dict[str, Any]], tuple[int, str]] = "tasks",
        *,
        answer: str | None = None,
        fail_ids: Sequence[str] = (),
        answered: int | None = None,
    ) -> None:
        self.statuses = list(statuses)
        self.chat = OpenAIStub(mode, answer=answer)  # answers only, never started
        self.fail_ids = set(fail_ids)
        self.answered = answered
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.uploads = 0
        self.created = 0
        self.polls = 0
        self.online = 0
        self._lock = threading.Lock()

    def reply(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The status and JSON body a chat request ``body`` gets (online and in a batch alike)."""
        status, text = self.chat._answer(body)
        if status != 200:
            return status, {"error": {"message": text, "type": "invalid_request_error", "code": str(status)}}
        return 200, completion_payload(body, text)

    # ------------------------------------------------------------------ batches
    def _create(self, input_file_id: str) -> dict[str, Any]:
        with self._lock:
            self.created += 1
            batch_id = f"batch_{len(self.batches) + 1}"
            batch = {"id": batch_id, "object": "batch", "endpoint": "/v1/chat/completions", "errors": None}
            batch.update(input_file_id=input_file_id, completion_window="24h", created_at=0, turn=0)
            batch.update(status=self.statuses[0], output_file_id=None, error_file_id=None)
            self.batches[batch_id] = batch
        return self._public(batch)

    def _public(self, batch: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in batch.items() if key not in ("turn", "finished")}

    def _poll(self, batch_id: str) -> dict[str, Any] | None:
        with self._lock:
            self.polls += 1
            batch = self.batches.get(batch_id)
            if batch is None:
                return None
            status = self.statuses[min(batch["turn"], len(self.statuses) - 1)]
            batch["turn"] += 1
            if status in ("completed", "expired", "failed") and not batch.get("finished"):
                batch["finished"] = True
                self._finish(batch, status)
            batch["status"] = status
            return self._public(batch)

    def _finish(self, batch: dict[str, Any], status: str) -> None:
        if status == "failed":
            batch["errors"] = {"object": "list", "data": [{"code": "invalid_file", "message": "scripted failure"}]}
            return
        lines = [json.loads(line) for line in self.files[batch["input_file_id"]].splitlines() if line.strip()]
        if status == "expired" and self.answered is not None:
            lines = lines[: self.answered]
        out, errors = [], []
        for n, line in enumerate(lines):
            name = line["custom_id"]
            if name in self.fail_ids:
                error = {"code": "server_error", "message": "scripted line failure"}
                errors.append({"id": f"r{n}", "custom_id": name, "response": None, "error": error})
                continue
            status_code, body = self.reply(line["body"])
            response = {"status_code": status_code, "request_id": f"q{n}", "body": body}
            out.append({"id": f"r{n}", "custom_id": name, "response": response, "error": None})
        out.reverse()  # a provider writes them in any order
        for kind, records in (("output_file_id", out), ("error_file_id", errors)):
            if records:
                file_id = f"file-{batch['id']}-{kind[:-8]}"
                self.files[file_id] = "".join(json.dumps(r) + "\n" for r in records).encode()
                batch[kind] = file_id

    # ------------------------------------------------------------------ server
    def start(self) -> BatchStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                parts = self.path.strip("/").split("/")
                if parts[:2] == ["v1", "batches"] and len(parts) == 3:
                    batch = stub._poll(parts[2])
                    if batch is None:
                        send_json(self, 404, {"error": {"message": "no such batch"}})
                    else:
                        send_json(self, 200, batch)
                    return
                if parts[:2] == ["v1", "files"] and len(parts) == 4 and parts[3] == "content":
                    data = stub.files.get(parts[2])
                    if data is None:
                        send_json(self, 404, {"error": {"message": "no such file"}})
                        return
                    self.send_response(200)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                send_json(self, 404, {"error": {"message": f"no route {self.path}"}})

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.rstrip("/") == "/v1/files":
                    head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
                    message = email.parser.BytesParser().parsebytes(head + raw)
                    data = next(part.get_payload(decode=True) for part in message.get_payload() if part.get_filename())
                    with stub._lock:
                        stub.uploads += 1
                        file_id = f"file-{stub.uploads}"
                        stub.files[file_id] = data
                    send_json(
                        self,
                        200,
                        {
                            "id": file_id,
                            "object": "file",
                            "bytes": len(data),
                            "created_at": 0,
                            "filename": "input.jsonl",
                            "purpose": "batch",
                            "status": "processed",
                        },
                    )
                    return
                if self.path.rstrip("/") == "/v1/batches":
                    body = json.loads(raw)
                    send_json(self, 200, stub._create(body["input_file_id"]))
                    return
                if self.path.rstrip("/").endswith("/chat/completions"):
                    with stub._lock:
                        stub.online += 1
                    send_json(self, *stub.reply(json.loads(raw)))
                    return
                send_json(self, 404, {"error": {"message": f"no route {self.path}"}})

        return self.serve(Handler, "batch-stub")
