"""Throughput of ``--executor ray`` against the local runner, on a scripted server with fixed latency.

Prints one JSON object. A scripted OpenAI-compatible server (a subprocess on 127.0.0.1;
every answer takes ``--latency`` seconds and lists 5 distinct tasks) serves ``--calls``
calls of ``embtaskgen.run`` at the same total concurrency ``--concurrency`` three ways,
each in a fresh subprocess so that its peak RSS is its own:

* ``local``: the local runner (worker threads in one process), a JSONL file;
* ``ray_1`` / ``ray_2``: ``executor="ray"`` with 1 and 2 actors (``concurrency / workers``
  calls in flight each), a folder of shards, on a local Ray instance (2 CPUs, loopback).

Figures per run: ``ratio`` = achieved / ideal rate (ideal = ``concurrency / latency``
calls per second) over the run itself; for Ray also ``ratio_with_init`` (counting
``ray.init``), ``ray_init_s`` (starting the local instance) and ``startup_s`` (the run's
wall time minus the ideal, ``calls x latency / concurrency``: actor start-up, the model
built in each actor, the last batch's tail), ``first_batch_s`` (until the first rows show
in the output folder, which the driver is watched for every 0.1 s) and ``steady_ratio``
(the rate of rows from the first ones seen to the last, against the ideal rate: Ray once
its actors are up); ``driver_peak_rss_mb`` (the process that
calls ``run``; Ray's own processes are not counted). The median of ``--repeat`` runs is
reported (all runs in ``all``).

Usage:
    flock /tmp/embtaskgen-bench.lock python benchmarks/ray_throughput.py            # 2,000 calls, 1 s, 64 in flight
    python benchmarks/ray_throughput.py --calls 300 --concurrency 32                 # quick look
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time

_WORDS = [
    "tax",
    "river",
    "vaccine",
    "poetry",
    "tennis",
    "bridge",
    "salary",
    "volcano",
    "jazz",
    "orbit",
    "wheat",
    "court",
    "glacier",
    "opera",
    "router",
    "bakery",
    "lung",
    "mortgage",
    "falcon",
    "harbor",
    "chess",
    "coral",
]


def _reply(seed: object) -> str:
    digest = hashlib.sha256(str(seed).encode()).hexdigest()
    words = [_WORDS[int(digest[k : k + 4], 16) % len(_WORDS)] for k in range(0, 40, 4)]
    tasks = [
        f"Find {words[2 * i]} reports that answer a question about {words[2 * i + 1]} (variant {i})." for i in range(5)
    ]
    return f"[[ ## tasks ## ]]\n{json.dumps(tasks)}\n\n[[ ## completed ## ]]"


def serve(port_file: str, latency: float) -> None:
    """The scripted server: answers every chat completion after ``latency`` seconds."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            time.sleep(latency)
            data = json.dumps(
                {
                    "id": "x",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body.get("model", "bench"),
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": _reply(body.get("seed"))},
                        }
                    ],
                    "usage": {"prompt_tokens": 300, "completion_tokens": 100, "total_tokens": 400},
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.request_queue_size = 1024
    with open(port_file, "w") as handle:
        handle.write(str(server.server_address[1]))
    server.serve_forever()


def _rows_in(folder: str) -> int:
    """Rows in the folder's shards (``part-*.jsonl``; the sidecars start with ``_``)."""
    total = 0
    for path in glob.glob(os.path.join(folder, "part-*.jsonl")):
        try:
            with open(path, "rb") as handle:
                total += sum(1 for _ in handle)
        except OSError:  # gone between the listing and the read
            pass
    return total


def _watch(folder: str, commits: list[tuple[float, int]], stop: threading.Event) -> None:
    """Record (time, rows) each time the folder holds more rows, every 0.1 s until ``stop``."""
    seen = 0
    while True:
        done = stop.is_set()
        rows = _rows_in(folder)
        if rows > seen:
            commits.append((time.perf_counter(), rows))
            seen = rows
        if done:
            return
        stop.wait(0.1)


def child(args: argparse.Namespace) -> None:
    """One run in this process; prints its figures as JSON."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "true")
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    from embtaskgen import EmbeddingTaskGenerator, run

    gen = EmbeddingTaskGenerator(
        "text-retrieval",
        num_generations=args.calls,
        seed=1,
        lm="openai/bench",
        api_base=args.api_base,
        concurrency=args.concurrency,
        num_tasks=5,
    )
    out = tempfile.mkdtemp(prefix="ray-bench-")
    init = 0.0
    if args.child == "local":
        started = time.perf_counter()
        summary = run(gen, os.path.join(out, "tasks.jsonl"), progress=False)
        wall = time.perf_counter() - started
    else:
        import ray
        from ray.data import DataContext

        t0 = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False)
        init = time.perf_counter() - t0
        DataContext.get_current().enable_progress_bars = False
        folder = os.path.join(out, "tasks")
        commits: list[tuple[float, int]] = []  # (time, rows in the folder) whenever the driver wrote more
        stop = threading.Event()
        watcher = threading.Thread(target=_watch, args=(folder, commits, stop), daemon=True)
        started = time.perf_counter()
        watcher.start()
        summary = run(gen, folder, progress=False, executor="ray", ray_workers=args.workers)
        stop.set()
        watcher.join()
        wall = time.perf_counter() - started
        ray.shutdown()
    ideal = args.calls * args.latency / args.concurrency
    result = {
        "ok": summary.ok,
        "failed": summary.failed,
        "seconds": round(wall, 2),
        "ideal_s": round(ideal, 2),
        "ratio": round(ideal / wall, 3),
        "driver_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "driver_cpu_s": round(time.process_time(), 2),
    }
    if args.child == "ray":
        first_time, first_rows = commits[0]
        after = commits[-1][1] - first_rows
        span = commits[-1][0] - first_time
        steady = after * args.latency / args.concurrency / span if span > 0 else None
        result.update(
            {
                "ray_init_s": round(init, 2),
                "ratio_with_init": round(ideal / (wall + init), 3),
                "startup_s": round(wall - ideal, 2),
                "first_batch_s": round(first_time - started, 2),
                "batches": len(commits),
                "steady_ratio": round(steady, 3) if steady else None,
            }
        )
    print(json.dumps(result))


def _start_server(latency: float) -> tuple[subprocess.Popen, str]:
    port_file = tempfile.mktemp(prefix="ray-bench-port-")
    process = subprocess.Popen([sys.executable, __file__, "--serve", port_file, "--latency", str(latency)])
    deadline = time.monotonic() + 30
    while not (os.path.exists(port_file) and open(port_file).read().strip()):
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("the scripted server did not start")
        time.sleep(0.1)
    port = open(port_file).read().strip()
    os.unlink(port_file)
    return process, f"http://127.0.0.1:{port}/v1"


def _run_child(mode: str, workers: int, args: argparse.Namespace, api_base: str) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        mode,
        "--workers",
        str(workers),
        "--calls",
        str(args.calls),
        "--latency",
        str(args.latency),
        "--concurrency",
        str(args.concurrency),
        "--api-base",
        api_base,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{mode} run failed: {done.stderr[-2000:]}")
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", choices=["local", "ray"], help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--api-base", help=argparse.SUPPRESS)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.latency)
        return
    if args.child:
        child(args)
        return
    server, api_base = _start_server(args.latency)
    try:
        runs: dict[str, list[dict]] = {"local": [], "ray_1": [], "ray_2": []}
        for _ in range(args.repeat):
            runs["local"].append(_run_child("local", 0, args, api_base))
            runs["ray_1"].append(_run_child("ray", 1, args, api_base))
            runs["ray_2"].append(_run_child("ray", 2, args, api_base))
    finally:
        server.terminate()
        server.wait(timeout=10)
    report = {
        "calls": args.calls,
        "latency_s": args.latency,
        "concurrency": args.concurrency,
        "repeat": args.repeat,
        "ideal_rate_per_s": round(args.concurrency / args.latency, 2),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    for name, results in runs.items():
        median = sorted(results, key=lambda r: r["ratio"])[len(results) // 2]
        report[name] = {**median, "all_ratios": [r["ratio"] for r in results]}
    report["ray_2_vs_local"] = round(report["ray_2"]["ratio"] / report["local"]["ratio"], 3)
    report["targets"] = {
        "ray_2_ratio_at_least_0.85": report["ray_2"]["ratio"] >= 0.85,
        "ray_2_no_slower_than_local": report["ray_2"]["ratio"] >= report["local"]["ratio"],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
