"""Play a batch input file through a running OpenAI-compatible server and write the batch output file.

Like ``vllm run-batch -i IN -o OUT``, but against a server that is already up (llama.cpp's
``llama_cpp.server``, vLLM's ``vllm serve``, any ``/v1`` endpoint): each input line
``{"custom_id", "method", "url", "body"}`` is POSTed to ``--api-base`` plus its ``url``
(without the ``/v1`` prefix the base already holds), and one output line per request is
written, in input order, in the OpenAI batch output format,
``{"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}``.
A non-2xx answer keeps its status code and body (its JSON, or its text); a request that
got no answer (connection refused, timeout) has ``response`` null and an ``error``
object. Prints one JSON line at the end: requests, ok (2xx), failed, seconds.

Usage (the file route of docs/runs/batch.md, with ``embtaskgen ... --batch-requests``):
    python benchmarks/play_batch.py -i requests.jsonl -o results.jsonl --api-base http://127.0.0.1:8000/v1
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests


def play(line: dict[str, Any], api_base: str, headers: dict[str, str], timeout: float) -> dict[str, Any]:
    """The batch output line of one input line's request, sent to ``api_base``."""
    path = line["url"].removeprefix("/v1")
    out: dict[str, Any] = {"id": f"batch_req_{uuid.uuid4().hex}", "custom_id": line["custom_id"]}
    try:
        answer = requests.request(
            line.get("method", "POST"), api_base.rstrip("/") + path, json=line["body"], headers=headers, timeout=timeout
        )
    except requests.RequestException as exc:
        return out | {"response": None, "error": {"code": type(exc).__name__, "message": str(exc)[:500]}}
    try:
        body: Any = answer.json()
    except ValueError:
        body = answer.text
    response = {"status_code": answer.status_code, "request_id": answer.headers.get("x-request-id", ""), "body": body}
    return out | {"response": response, "error": None}


def main() -> None:
    """Read ``-i``, play every line through ``--api-base``, write ``-o``, print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-i", "--input", required=True, help="batch input file (JSONL)")
    parser.add_argument("-o", "--output", required=True, help="batch output file to write (JSONL)")
    parser.add_argument("--api-base", required=True, help="the server's base URL, e.g. http://127.0.0.1:8000/v1")
    parser.add_argument("--concurrency", type=int, default=1, help="requests in flight (default 1)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per request (default 600)")
    args = parser.parse_args()
    key = os.environ.get("OPENAI_API_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    with open(args.input, encoding="utf-8") as handle:
        lines = [json.loads(text) for text in handle if text.strip()]
    start, ok = time.monotonic(), 0
    with open(args.output, "w", encoding="utf-8") as out, ThreadPoolExecutor(max(1, args.concurrency)) as pool:
        for result in pool.map(lambda line: play(line, args.api_base, headers, args.timeout), lines):
            ok += bool(result["response"]) and 200 <= result["response"]["status_code"] < 300
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
    seconds = round(time.monotonic() - start, 2)
    print(json.dumps({"requests": len(lines), "ok": ok, "failed": len(lines) - ok, "seconds": seconds}))


if __name__ == "__main__":
    main()
