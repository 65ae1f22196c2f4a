"""A run at a server's rate limits: achieved rate, 429s and failed calls, paced and not.

Prints one JSON object. The server is ``tests/rate_limited_stub.py``'s ``RateLimitedStub``
in this process (token buckets of ``--rpm`` requests and ``--tpm`` tokens per minute, each
holding ``--burst`` seconds' worth; a request counts its messages' characters / 4 + its
``max_tokens``; rate-limit headers on every answer, ``Retry-After`` on a 429; ``--latency``
seconds per admitted answer). Each run is ``embtaskgen.run`` of ``--calls`` stage-1 calls
(``text-retrieval``, ``--few-shot``, ``--max-tokens``) at ``--concurrency`` in a fresh
subprocess. ``--scale K`` multiplies both limits by K (the same limits per second, K times
faster: ``--scale 10 --calls 3000`` takes a tenth of the time of the full run).

Runs (``--modes``):

* ``headers``: this checkout, no user limits: the pacer reads the server's headers;
* ``user``: this checkout with ``--max-rpm``/``--max-tpm`` given as the server's limits;
* ``baseline``: the runner of another checkout (``--baseline-src DIR``, e.g. ``git archive
  c227945 | tar -x -C DIR``) on the same server: no pacing, a 429 retried like any fault.

Figures per run: ``ok`` and ``failed`` calls; ``share_429`` (429 answers / all answers);
``requests_per_min`` and ``tokens_per_min`` (admitted by the server, over the run's
seconds) and ``utilisation`` (of the binding limit: the larger of the two shares).

Usage:
    flock /tmp/embtaskgen-bench.lock python benchmarks/rate_limits.py --scale 10 --calls 3000
    flock /tmp/embtaskgen-bench.lock python benchmarks/rate_limits.py --calls 3000 --modes headers  # full: minutes
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from rate_limited_stub import RateLimitedStub  # noqa: E402

MODES = ("headers", "user", "baseline")

_CHILD = """
import json, sys, tempfile, os, logging
logging.disable(logging.WARNING)
from embtaskgen import EmbeddingTaskGenerator, run
args = json.loads(sys.argv[1])
gen = EmbeddingTaskGenerator(
    "text-retrieval", num_generations=args["calls"], seed=1, lm="openai/bench", api_base=args["url"],
    concurrency=args["concurrency"], few_shot=args["few_shot"], max_tokens=args["max_tokens"],
)
out = os.path.join(tempfile.mkdtemp(prefix="bench-rate-"), "tasks.jsonl")
summary = run(gen, out, progress=False, max_failures=None, **args["limits"])
print(json.dumps({"ok": summary.ok, "failed": summary.failed, "seconds": summary.seconds,
                  "errors_by_type": dict(summary.errors_by_type)}))
"""


def _one(mode: str, args: argparse.Namespace) -> dict:
    rpm, tpm = args.rpm * args.scale, args.tpm * args.scale
    with RateLimitedStub(rpm, tpm, burst=args.burst, latency=args.latency) as stub:
        limits = {"max_rpm": int(rpm), "max_tpm": int(tpm)} if mode == "user" else {}
        payload = {
            "calls": args.calls,
            "url": stub.base_url,
            "concurrency": args.concurrency,
            "few_shot": args.few_shot,
            "max_tokens": args.max_tokens,
            "limits": limits,
        }
        env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="true", DSPY_CACHEDIR=tempfile.mkdtemp())
        if mode == "baseline":
            env["PYTHONPATH"] = str(Path(args.baseline_src).resolve())
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, json.dumps(payload)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            cwd=tempfile.gettempdir(),
        )
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"{mode} run failed:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        answers = stub.admitted + stub.refused
        minutes = result["seconds"] / 60
        per_min = {"requests": stub.admitted / minutes, "tokens": stub.tokens_admitted / minutes}
        return {
            "mode": mode,
            **result,
            "wall_s": round(wall, 1),
            "answers": answers,
            "refused_429": stub.refused,
            "share_429": round(stub.refused / answers, 4) if answers else 0.0,
            "requests_per_min": round(per_min["requests"], 1),
            "tokens_per_min": round(per_min["tokens"]),
            "tokens_per_request": round(stub.tokens_admitted / max(1, stub.admitted), 1),
            "utilisation": round(max(per_min["requests"] / rpm, per_min["tokens"] / tpm), 3),
            "limits": {"rpm": rpm, "tpm": tpm},
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rpm", type=float, default=600)
    parser.add_argument("--tpm", type=float, default=200_000)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply both limits (same limits per second, faster)"
    )
    parser.add_argument("--burst", type=float, default=10.0, help="seconds of budget the server's buckets hold")
    parser.add_argument("--latency", type=float, default=1.0, help="seconds per admitted answer")
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--few-shot", type=int, default=0)
    parser.add_argument("--max-tokens", type=int, default=100)
    parser.add_argument("--modes", default="headers,user,baseline", help=f"comma-separated: {', '.join(MODES)}")
    parser.add_argument("--baseline-src", default=None, help="a checkout whose runner is the baseline")
    args = parser.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or any(m not in MODES for m in modes):
        parser.error(f"--modes: choose from {', '.join(MODES)}, got {args.modes!r}")
    if "baseline" in modes and not args.baseline_src:
        parser.error("--modes baseline needs --baseline-src DIR (a checkout of the baseline's code)")
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_1m": os.getloadavg()[0]},
        "setup": {k: getattr(args, k) for k in ("calls", "rpm", "tpm", "scale", "burst", "latency", "concurrency")}
        | {"few_shot": args.few_shot, "max_tokens": args.max_tokens},
        "targets": {"utilisation": 0.9, "failed": 0, "share_429": 0.02},
        "runs": [_one(mode, args) for mode in modes],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
