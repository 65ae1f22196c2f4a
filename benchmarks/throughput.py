"""Throughput, memory and per-call overhead of ``embtaskgen.run`` against a fixed-latency engine.

Prints one JSON object. Every figure comes from a fresh subprocess (so peak RSS is that
run's alone). The model is a scripted engine that answers 20 distinct tasks after a fixed
latency: ``time.sleep`` for the sync engine, ``asyncio.sleep`` for the async one.

Figures:

* ``ratio``: achieved / ideal rate, ideal = calls x latency / concurrency seconds.
  - ``runner``: ``embtaskgen.run`` (worker threads, sync engine path); the median of
    ``--repeat`` runs (all of them in ``runner_all``);
  - ``baseline_dspy_parallel``: ``dspy.Parallel(num_threads=C)`` over
    ``EmbeddingTaskGenerator.call`` (default DSPy settings: disk cache, history);
  - ``baseline_asyncio_acall``: ``asyncio`` + a semaphore of C over ``Predict.acall``
    on the async engine (default DSPy settings).
* ``peak_rss_mb``: peak resident memory of a runner process for ``--calls`` and for
  ``--big-calls`` calls (the big run uses ``--big-latency`` to bound its wall time).
* ``overhead``: CPU seconds per call of the whole runner process (what limits the
  rate on a small machine), and wall seconds added per call slot,
  ``(wall - ideal) x concurrency / calls``.

Usage:
    python benchmarks/throughput.py                      # 2,000 calls, 1 s, 256 in flight
    python benchmarks/throughput.py --calls 500 --big-calls 2000   # quick look
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

_TASKS = [f"Retrieve documents about subject {i} that answer a user's question." for i in range(20)]


def _engines(latency: float):
    import asyncio

    from dspy.lm15 import Message, Response, TextPart, Usage

    reply = "[[ ## tasks ## ]]\n" + json.dumps(_TASKS) + "\n\n[[ ## completed ## ]]"

    def response() -> Response:
        return Response(
            id=None,
            model="bench",
            message=Message.assistant([TextPart(reply)]),
            finish_reason="stop",
            usage=Usage(input_tokens=300, output_tokens=200),
        )

    class SleepEngine:
        def complete(self, request):
            time.sleep(latency)
            return response()

        def close(self):
            pass

    class AsyncSleepEngine:
        async def complete(self, request):
            await asyncio.sleep(latency)
            return response()

        async def aclose(self):
            pass

    return SleepEngine(), AsyncSleepEngine()


def _child(mode: str, calls: int, latency: float, concurrency: int) -> dict:
    """One measurement, run in this (fresh) process."""
    os.environ.setdefault("DSPY_CACHEDIR", tempfile.mkdtemp(prefix="bench-dspy-cache-"))
    import dspy

    from embtaskgen import EmbeddingTaskGenerator

    engine, async_engine = _engines(latency)
    lm = dspy.LM("bench/fixed-latency", engine=engine, async_engine=async_engine)
    seed = 1
    gen = EmbeddingTaskGenerator("text-retrieval", num_generations=calls, seed=seed, lm=lm, concurrency=concurrency)
    started, cpu = time.perf_counter(), time.process_time()
    ok = 0
    if mode == "runner":
        from embtaskgen import run

        out = os.path.join(tempfile.mkdtemp(prefix="bench-out-"), "tasks.jsonl")
        ok = run(gen, out, progress=False).ok
    elif mode == "parallel":
        parallel = dspy.Parallel(num_threads=concurrency, disable_progress_bar=True)
        results = parallel([(gen.call, ("text-retrieval", g, seed)) for g in range(calls)])
        ok = sum(1 for r in results if r is not None and r.items is not None)
    elif mode == "asyncio":
        import asyncio

        from embtaskgen import derive_id

        predictor = gen.predictor_for("text-retrieval")

        async def main() -> int:
            gate = asyncio.Semaphore(concurrency)

            async def one(g: int):
                config = {"rollout_id": derive_id(seed, "text-retrieval", g), "temperature": 1.0}
                async with gate:
                    with dspy.context(lm=lm, track_usage=True, usage_tracker=None):
                        return await predictor.acall(num_tasks=20, topic="", avoid=[], config=config)

            results = await asyncio.gather(*(one(g) for g in range(calls)))
            return sum(1 for r in results if isinstance(getattr(r, "tasks", None), list))

        ok = asyncio.run(main())
    else:
        raise ValueError(f"mode must be runner, parallel or asyncio, not {mode!r}")
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    ideal = calls * latency / concurrency
    return {
        "mode": mode,
        "calls": calls,
        "ok": ok,
        "latency_s": latency,
        "concurrency": concurrency,
        "wall_s": round(wall, 3),
        "ideal_s": round(ideal, 3),
        "ratio": round(ideal / wall, 3),
        "cpu_s_per_call": round(cpu / calls, 6),
        "wall_overhead_s_per_call": round((wall - ideal) * concurrency / calls, 4),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _measure(mode: str, calls: int, latency: float, concurrency: int) -> dict:
    command = [sys.executable, __file__, "--child", mode, str(calls), str(latency), str(concurrency)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--big-calls", type=int, default=20000)
    parser.add_argument("--big-latency", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=3, help="runner measurements; the median is reported")
    parser.add_argument("--child", nargs=4, metavar=("MODE", "CALLS", "LATENCY", "CONCURRENCY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, calls, latency, concurrency = args.child
        print(json.dumps(_child(mode, int(calls), float(latency), int(concurrency))))
        return
    repeats = [_measure("runner", args.calls, args.latency, args.concurrency) for _ in range(max(1, args.repeat))]
    runner = sorted(repeats, key=lambda r: r["ratio"])[len(repeats) // 2]  # the median run
    parallel = _measure("parallel", args.calls, args.latency, args.concurrency)
    asyncio_ = _measure("asyncio", args.calls, args.latency, args.concurrency)
    big = _measure("runner", args.big_calls, args.big_latency, args.concurrency)
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_1m": os.getloadavg()[0]},
        "setup": {
            "calls": args.calls,
            "latency_s": args.latency,
            "concurrency": args.concurrency,
            "ideal_s": runner["ideal_s"],
            "note": f"the {args.big_calls}-call run uses latency {args.big_latency} s to bound its wall time",
        },
        "ratio": {
            "runner": runner["ratio"],
            "runner_all": [r["ratio"] for r in repeats],
            "baseline_dspy_parallel": parallel["ratio"],
            "baseline_asyncio_acall": asyncio_["ratio"],
            "target": 0.9,
        },
        "peak_rss_mb": {
            str(args.calls): runner["peak_rss_mb"],
            str(args.big_calls): big["peak_rss_mb"],
            "target": 300,
        },
        "overhead": {
            "runner_cpu_s_per_call": runner["cpu_s_per_call"],
            "runner_wall_s_per_call": runner["wall_overhead_s_per_call"],
            "baseline_dspy_parallel_cpu_s_per_call": parallel["cpu_s_per_call"],
            "baseline_asyncio_acall_cpu_s_per_call": asyncio_["cpu_s_per_call"],
            f"runner_{args.big_calls}_cpu_s_per_call": big["cpu_s_per_call"],
        },
        "runs": [*repeats, parallel, asyncio_, big],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
