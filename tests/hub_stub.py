"""A loopback stub of the Hugging Face Hub endpoints a push calls, for tests.

``HubStub()`` answers ``POST /api/repos/create``, ``/api/validate-yaml``, and a dataset
repo's ``/preupload/<rev>`` (every file "regular") and ``/commit/<rev>`` (the NDJSON
payload; the files it carries land in ``stub.files``). Every request is kept in
``stub.requests`` (method, path, headers, body). ``status`` makes every call fail with it.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from openai_stub import send_json

__all__ = ["HubStub", "hub_environ"]

#: Offline switches another test (or a loaded model) may have left in the environment.
_OFFLINE = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")


def hub_environ(hub: HubStub, token: str, **extra: str) -> dict[str, str]:
    """The environment of a process that pushes to ``hub``: its address and ``token``, online."""
    kept = {key: value for key, value in os.environ.items() if key not in _OFFLINE}
    return {**kept, "HF_ENDPOINT": hub.url, "HF_TOKEN": token, "HF_HUB_DISABLE_TELEMETRY": "1", **extra}


class HubStub:
    """A loopback Hub (see the module docstring); use it as a context manager."""

    def __init__(self, *, status: int = 200) -> None:
        self.status = status
        self.requests: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}
        self.created: list[dict[str, Any]] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> HubStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                stub.requests.append({"method": "GET", "path": self.path, "headers": dict(self.headers)})
                self._send(404, {"error": "not in the stub"})

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stub.requests.append({"method": "POST", "path": self.path, "headers": dict(self.headers), "body": body})
                if stub.status != 200:
                    self._send(stub.status, {"error": f"refused by the stub ({stub.status})"})
                    return
                path = self.path.split("?", 1)[0]
                if path == "/api/repos/create":
                    request = json.loads(body)
                    stub.created.append(request)
                    name = f"{request.get('organization') or 'me'}/{request['name']}"
                    self._send(200, {"url": f"{stub.url}/datasets/{name}", "name": name})
                elif path == "/api/validate-yaml":
                    self._send(200, {"errors": [], "warnings": []})
                elif "/preupload/" in path:
                    files = json.loads(body)["files"]
                    self._send(
                        200,
                        {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]},
                    )
                elif "/commit/" in path:
                    for line in body.splitlines():
                        item = json.loads(line)
                        if item.get("key") == "file":
                            value = item["value"]
                            stub.files[value["path"]] = base64.b64decode(value["content"])
                    repo = path.split("/api/datasets/", 1)[1].split("/commit/", 1)[0]
                    self._send(
                        200, {"commitUrl": f"{stub.url}/datasets/{repo}/commit/{'a' * 40}", "commitOid": "a" * 40}
                    )
                else:
                    self._send(404, {"error": "not in the stub"})

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                send_json(self, status, payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
