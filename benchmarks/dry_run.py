"""How close ``--dry-run`` comes to what the run then sends and gets: prompt and (``--sample``) completion tokens.

A scripted OpenAI-compatible server on loopback (started and stopped here) answers every
call with a list of tasks whose length varies with the prompt (5 to 25 tasks), and reports
usage as a server does: the prompt tokens of the messages it was sent and the completion
tokens of its answer, both counted with ``litellm.token_counter`` (the tokenizer the dry
run uses for a model LiteLLM does not know: the figure measures what the dry run renders,
not a tokenizer's mismatch). Then, with the same settings and seed:

1. ``embtaskgen generate --dry-run [--sample N]`` predicts the run (the sample's calls are
   answered by the same server and counted apart);
2. ``embtaskgen generate`` makes the run; the server sums what it was sent.

Prints JSON: predicted and sent prompt tokens and their relative error, expected and
reported completion tokens and their relative error, and the calls of each part.

Usage:
    python benchmarks/dry_run.py --generations 50 --sample 20    # 4 categories x 50 = 200 calls
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "true")  # the bundled map: no download attempt
import litellm  # noqa: E402 - after the setting it reads at import

MODEL = "openai/scripted"
EMBTASKGEN = str(Path(sys.executable).with_name("embtaskgen"))


class _Server:
    """The scripted server: answers, and the tokens it was sent and answered, per request."""

    def __init__(self) -> None:
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.requests = 0
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._http.daemon_threads = True
        threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}/v1"

    def reset(self) -> None:
        with self._lock:
            self.prompt_tokens = self.completion_tokens = self.requests = 0

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                messages = body.get("messages") or []
                digest = int(hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()[:8], 16)
                tasks = [
                    f"Given a question about subject {digest % 1000}-{i}, retrieve passages that answer it."
                    for i in range(5 + digest % 21)
                ]
                text = f"[[ ## tasks ## ]]\n{json.dumps(tasks)}\n\n[[ ## completed ## ]]"
                prompt = litellm.token_counter(model=MODEL, messages=messages)
                completion = litellm.token_counter(model=MODEL, text=text, count_response_tokens=True)
                with server._lock:
                    server.prompt_tokens += prompt
                    server.completion_tokens += completion
                    server.requests += 1
                usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
                choice = {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
                payload = {"id": "x", "object": "chat.completion", "created": 0, "model": MODEL}
                data = json.dumps({**payload, "choices": [choice], "usage": usage}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _relative(predicted: float | None, actual: float) -> float | None:
    return None if predicted is None or not actual else round((predicted - actual) / actual, 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generations", type=int, default=50, help="calls per category (4 categories)")
    parser.add_argument("--sample", type=int, default=20, help="--sample of the dry run (0: none)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-tokens", type=int, default=1000)
    options = parser.parse_args()
    server = _Server()
    folder = Path(tempfile.mkdtemp(prefix="dry-run-bench-"))
    try:
        common = [EMBTASKGEN, "generate", "-c", "all", "-n", str(options.generations), "--seed", str(options.seed)]
        common += ["-m", MODEL, "--api-base", server.url, "--max-tokens", str(options.max_tokens), "--no-progress"]
        dry = [*common, "--dry-run", "-o", str(folder / "estimate.json")]
        if options.sample:
            dry += ["--sample", str(options.sample)]
        subprocess.run(dry, check=True, capture_output=True, text=True)
        sampled = {"requests": server.requests, "completion_tokens": server.completion_tokens}
        server.reset()
        subprocess.run([*common, "-o", str(folder / "tasks.jsonl")], check=True, capture_output=True, text=True)
        estimate = json.loads((folder / "estimate.json").read_text())["stages"][0]
        summary = json.loads((folder / "tasks.jsonl.summary.json").read_text())
        print(
            json.dumps(
                {
                    "calls": {"planned": estimate["calls"], "sent": server.requests, "sampled": sampled["requests"]},
                    "prompt_tokens": {
                        "predicted": estimate["prompt_tokens"],
                        "sent": server.prompt_tokens,
                        "relative_error": _relative(estimate["prompt_tokens"], server.prompt_tokens),
                    },
                    "completion_tokens": {
                        "expected": estimate["expected_completion_tokens"],
                        "reported": summary["usage"]["completion_tokens"],
                        "answered_by_server": server.completion_tokens,
                        "relative_error": _relative(
                            estimate["expected_completion_tokens"], summary["usage"]["completion_tokens"]
                        ),
                        "bound": estimate["completion_bound"],
                    },
                    "tokenizer": estimate["tokenizer"],
                    "settings": vars(options),
                },
                indent=2,
            )
        )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
