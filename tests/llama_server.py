"""``python -m llama_cpp.server`` on loopback with an embedded GGUF, for slow tests.

``with llama_server("gemma-3-270m", log_path) as base_url:`` starts the server on a free
loopback port, waits until it lists its model (up to 60 s), yields its ``/v1`` URL and
stops it. The model is served under the alias of its registry name. Every slow test that
serves a model uses it (``tests/embedded``, ``tests/examples``, ``tests/runs``).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

__all__ = ["llama_server"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def llama_server(model: str, log_path: Path, *, n_ctx: int = 4096) -> Iterator[str]:
    """Serve the embedded model ``model`` (a registry name) on loopback; yield its base URL."""
    pytest.importorskip("llama_cpp.server", reason="needs llama-cpp-python[server]")
    from embtaskgen.embedded.catalog import resolve_model_path

    path, _ = resolve_model_path(model)
    port = _free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(path),
                "--model_alias",
                model,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                str(n_ctx),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}/v1"
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    pytest.fail(f"llama_cpp.server exited: {log_path.read_text()[-2000:]}")
                try:
                    with urllib.request.urlopen(f"{base}/models", timeout=2) as response:
                        if json.load(response)["data"]:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    pytest.fail("llama_cpp.server did not start within 60 s")
                time.sleep(0.5)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
