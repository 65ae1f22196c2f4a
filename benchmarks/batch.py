"""Batch mode against a scripted batch server: same rows as online, one submission across a kill, driver CPU per call.

Prints one JSON object. The server (``tests/batch_stub.py``'s ``BatchStub``, in this
process) answers ``/v1/chat/completions`` online and ``/v1/files`` + ``/v1/batches`` for
batches, each request with the same deterministic answer (tasks derived from the prompt).
Every run is a fresh child process (``--child``) making ``4 x --generations`` calls (all
four categories; default 2,000 calls) with one seed:

* ``online``: ``run(gen, out)`` (8 calls in flight);
* ``batch``: ``run(gen, out, batch=BatchMode(poll=0.05))``: render, upload, poll, replay;
* ``kill_resume``: a batch run killed (SIGKILL) while its batch is ``in_progress``, then
  ``run(..., resume=True, batch=...)`` in a new process.

Figures:

* ``rows_identical``: the batch run's and the resumed run's output files are byte for byte
  the online run's;
* ``kill_resume``: files uploaded and batches created across the kill and the resume (1
  and 1: the resume polled the recorded batch), the requests in the uploaded file, and the
  distinct ``custom_id`` among them (each call once);
* ``cpu_ms_per_call``: CPU time (user + system, every thread) of the child's ``run`` call
  alone (imports and generator construction excluded) per call, median of ``--repeat``
  runs each (all runs in ``*_all``); the server's CPU is this process's, not counted;
  ``batch_to_online``: the ratio of the medians (target: at most 1);
* ``online_chat_requests``: chat requests the server answered online, against the online
  runs' calls (equal: the batch runs sent none);
* ``load``: ``/proc/loadavg`` before and after (the machine may be shared).

Usage (on a shared machine, under the benchmark lock):
    flock /tmp/embtaskgen-bench.lock python benchmarks/batch.py
    python benchmarks/batch.py --generations 50 --repeat 1   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATEGORIES = ["text-retrieval", "text-matching-short", "text-matching-long", "text-classification"]
SEED = 7


def child(api_base: str, output: str, generations: int, mode: str) -> None:
    """One run in this process; print its CPU seconds, wall seconds and summary as JSON."""
    from embtaskgen import BatchMode, EmbeddingTaskGenerator, run

    gen = EmbeddingTaskGenerator(
        CATEGORIES, num_generations=generations, seed=SEED, lm="openai/stub", api_base=api_base
    )
    gen.predictor_for("text-retrieval")  # builds everything before the clock starts
    batch = BatchMode(poll=0.05) if mode != "online" else False
    cpu, wall = time.process_time(), time.perf_counter()
    summary = run(gen, output, progress=False, resume=mode == "resume", batch=batch)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(json.dumps({"cpu": cpu, "wall": wall, "summary": json.loads(summary.to_json())}), flush=True)


def _spawn(api_base: str, output: Path, generations: int, mode: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, __file__, "--child", api_base, str(output), str(generations), mode]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "DSPY_CACHEDIR": tempfile.mkdtemp(prefix="etg-batch-bench-")}
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def _finish(process: subprocess.Popen[bytes]) -> dict:
    out, err = process.communicate(timeout=1800)
    if process.returncode != 0:
        raise SystemExit(f"child failed ({process.returncode}): {err.decode()[-3000:]}")
    return json.loads(out.decode().splitlines()[-1])


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generations", type=int, default=500, help="calls per category (4 categories)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    from batch_stub import BatchStub

    calls = 4 * args.generations
    work = Path(tempfile.mkdtemp(prefix="etg-batch-bench-"))
    load_before = _load()
    online_cpu, batch_cpu, identical = [], [], []
    with BatchStub(statuses=["validating", "in_progress", "completed"]) as stub:
        reference = None
        for n in range(args.repeat):
            online = _finish(_spawn(stub.base_url, work / f"online-{n}.jsonl", args.generations, "online"))
            batch = _finish(_spawn(stub.base_url, work / f"batch-{n}.jsonl", args.generations, "batch"))
            assert online["summary"]["ok"] == batch["summary"]["ok"] == calls, (online["summary"], batch["summary"])
            online_cpu.append(1000 * online["cpu"] / calls)
            batch_cpu.append(1000 * batch["cpu"] / calls)
            reference = (work / f"online-{n}.jsonl").read_bytes()
            identical.append((work / f"batch-{n}.jsonl").read_bytes() == reference)
        # kill while in progress, then resume
        stub.statuses = ["validating", *["in_progress"] * 1_000_000]
        uploads, created = stub.uploads, stub.created
        killed_out = work / "killed.jsonl"
        process = _spawn(stub.base_url, killed_out, args.generations, "batch")
        deadline = time.monotonic() + 600
        polls = stub.polls
        while time.monotonic() < deadline and (stub.created == created or stub.polls < polls + 3):
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        killed_rows = killed_out.stat().st_size if killed_out.exists() else 0
        stub.statuses = ["completed"]
        resumed = _finish(_spawn(stub.base_url, killed_out, args.generations, "resume"))
        input_file = stub.files[f"file-{uploads + 1}"].decode().splitlines()
        names = [json.loads(line)["custom_id"] for line in input_file]
        kill_resume = {
            "killed_with_status": "in_progress",
            "rows_before_resume_bytes": killed_rows,
            "uploads": stub.uploads - uploads,
            "batches_created": stub.created - created,
            "requests_in_uploaded_file": len(names),
            "distinct_custom_ids": len(set(names)),
            "resumed_ok": resumed["summary"]["ok"],
            "resumed_total_rows": resumed["summary"]["total_rows"],
            "rows_identical": killed_out.read_bytes() == reference,
        }
        online_requests = stub.online
    online_median, batch_median = statistics.median(online_cpu), statistics.median(batch_cpu)
    print(
        json.dumps(
            {
                "calls": calls,
                "repeat": args.repeat,
                "rows_identical": all(identical),
                "kill_resume": kill_resume,
                # chat requests the server answered online: the online runs' calls only (batch runs send none)
                "online_chat_requests": {"received": online_requests, "online_runs_made": calls * args.repeat},
                "cpu_ms_per_call": {
                    "online": round(online_median, 3),
                    "batch": round(batch_median, 3),
                    "batch_to_online": round(batch_median / online_median, 3),
                    "online_all": [round(x, 3) for x in online_cpu],
                    "batch_all": [round(x, 3) for x in batch_cpu],
                },
                "load": {"before": load_before, "after": _load()},
                "python": sys.version.split()[0],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        main()
