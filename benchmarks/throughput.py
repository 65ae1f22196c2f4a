"""Throughput, memory and CPU per call of ``embtaskgen.run`` against a fixed-latency engine.

Prints one JSON object. Every figure comes from a fresh subprocess (so peak RSS and CPU
time are that run's alone; a cache-on run gets a fresh, empty ``DSPY_CACHEDIR``). The
model is a scripted engine that answers 20 distinct tasks after a fixed latency:
``time.sleep`` for the sync engine, ``asyncio.sleep`` for the async one.

Scenarios (``--scenarios``), each measured with ``run(..., cache=False/True)``: runs use
no response cache and ignore ``cache=True`` (with a ``DeprecationWarning``), so both give
the same path; ``cache_on`` is kept to compare with checkouts where it funnelled DSPy's cache:

* ``wave``: 2,000 calls, 1 s latency, 256 in flight (calls start and end in waves);
* ``steady``: 5,000 calls, 50 ms latency, 64 in flight (the runner's CPU is the limit:
  the ideal rate is 1,280 calls/s, 0.78 ms of wall time per call);
* ``wide``: 10,000 calls, 2 s latency, 1,024 in flight (high concurrency online).

``--baseline-src DIR`` also measures the runner of another checkout (e.g. ``git archive
c227945 | tar -x -C DIR``: today's main) in the same invocation, same scenarios, cache off
(``baseline_runner``), so both see the same machine load.

Figures per scenario and cache setting:

* ``ratio``: achieved / ideal rate, ideal = calls x latency / concurrency seconds; the
  median of ``--repeat`` runs (all of them in ``ratio_all``);
* ``cpu_ms_per_call``: CPU time of the whole runner process (user + system, every
  thread) per call, of the median run: what limits the rate on a small machine, and
  less sensitive to other load than wall time;
* ``wall_overhead_ms_per_call``: ``(wall - ideal) x concurrency / calls``.

Same-process baselines (same engine, measured in the same invocation, so the same
machine load), in ``baselines``:

* ``dspy_floor``: a standard-library thread pool of C workers over ``Predict.__call__``
  with DSPy's cache off, no history, no trace, no rows written: DSPy's own cost per call;
* ``dspy_parallel``: ``dspy.Parallel(num_threads=C)`` over ``EmbeddingTaskGenerator.call``
  (default DSPy settings: cache on, history);
* ``asyncio_acall``: ``asyncio`` + a semaphore of C over ``Predict.acall`` on the async
  engine (default DSPy settings).

``cached_rerun`` (with ``--rerun``): the ``steady`` run made twice on one cache folder;
with a run cache the second answered every call from it; now it makes them all again
(``calls_made`` counts engine calls).

``peak_rss_mb``: peak resident memory of a runner process for the first scenario, and
for ``--big-calls`` calls at ``--big-latency`` (cache off).

Usage:
    python benchmarks/throughput.py                               # both scenarios, cache off and on
    python benchmarks/throughput.py --scenarios wave --repeat 1 --big-calls 0 --no-baselines  # quick look
    python benchmarks/throughput.py --scenarios wide --repeat 3 --big-calls 0 --no-baselines --no-cache-on \
        --baseline-src /tmp/main-src                               # 1,024 in flight against main
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

#: name -> (calls, latency in seconds, calls in flight)
SCENARIOS = {"wave": (2000, 1.0, 256), "steady": (5000, 0.05, 64), "wide": (10000, 2.0, 1024)}


def _engines(latency: float, counter: list[int] | None = None):
    import asyncio

    from dspy.lm15 import Message, Response, TextPart, Usage

    reply = "[[ ## tasks ## ]]\n" + json.dumps(_TASKS) + "\n\n[[ ## completed ## ]]"

    def response() -> Response:
        if counter is not None:
            counter.append(1)
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


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(mode: str, calls: int, latency: float, concurrency: int, cache: bool, cache_dir: str | None) -> dict:
    """One measurement, run in this (fresh) process."""
    os.environ["DSPY_CACHEDIR"] = cache_dir or tempfile.mkdtemp(prefix="bench-dspy-cache-")
    import dspy

    from embtaskgen import EmbeddingTaskGenerator

    made: list[int] = []
    engine, async_engine = _engines(latency, made)
    lm = dspy.LM("bench/fixed-latency", engine=engine, async_engine=async_engine)
    seed = 1
    gen = EmbeddingTaskGenerator("text-retrieval", num_generations=calls, seed=seed, lm=lm, concurrency=concurrency)
    gen.predictor_for("text-retrieval")  # imports and builds everything before the clock starts
    started, cpu = time.perf_counter(), _cpu_seconds()
    ok = 0
    if mode == "runner":
        from embtaskgen import run

        out = os.path.join(tempfile.mkdtemp(prefix="bench-out-"), "tasks.jsonl")
        ok = run(gen, out, progress=False, cache=cache).ok
    elif mode == "floor":
        from concurrent.futures import ThreadPoolExecutor

        bare = lm.copy(cache=False)
        predictor = gen.predictor_for("text-retrieval")

        def one(generation: int) -> list | None:
            config = {"rollout_id": generation + 1, "temperature": 1.0}
            with dspy.context(lm=bare, disable_history=True, max_trace_size=0):
                tasks = predictor(num_tasks=20, topic="", avoid=[], config=config).tasks
            return list(tasks) if isinstance(tasks, list) else None

        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            results = list(pool.map(one, range(calls)))
        ok = sum(1 for r in results if r is not None)
    elif mode == "parallel":
        parallel = dspy.Parallel(num_threads=concurrency, disable_progress_bar=True)
        results = parallel([(gen.call, ("text-retrieval", g, seed)) for g in range(calls)])
        ok = sum(1 for r in results if r is not None and r.items is not None)
    elif mode == "asyncio":
        import asyncio

        predictor = gen.predictor_for("text-retrieval")

        async def main() -> int:
            gate = asyncio.Semaphore(concurrency)

            async def one(g: int):
                config = {"rollout_id": g + 1, "temperature": 1.0}
                async with gate:
                    with dspy.context(lm=lm, track_usage=True, usage_tracker=None):
                        return await predictor.acall(num_tasks=20, topic="", avoid=[], config=config)

            results = await asyncio.gather(*(one(g) for g in range(calls)))
            return sum(1 for r in results if isinstance(getattr(r, "tasks", None), list))

        ok = asyncio.run(main())
    else:
        raise ValueError(f"mode must be runner, floor, parallel or asyncio, not {mode!r}")
    wall = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu
    ideal = calls * latency / concurrency
    return {
        "mode": mode,
        "cache": cache,
        "calls": calls,
        "calls_made": len(made),
        "ok": ok,
        "latency_s": latency,
        "concurrency": concurrency,
        "wall_s": round(wall, 3),
        "ideal_s": round(ideal, 3),
        "ratio": round(ideal / wall, 3),
        "cpu_ms_per_call": round(cpu / calls * 1000, 3),
        "wall_overhead_ms_per_call": round((wall - ideal) * concurrency / calls * 1000, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _measure(
    mode: str,
    calls: int,
    latency: float,
    concurrency: int,
    cache: bool = False,
    cache_dir: str | None = None,
    source: str | None = None,
) -> dict:
    """One measurement in a fresh process; ``source``: a checkout whose ``embtaskgen`` it imports."""
    command = [
        sys.executable,
        __file__,
        "--child",
        mode,
        str(calls),
        str(latency),
        str(concurrency),
        "1" if cache else "0",
        cache_dir or "",
    ]
    env = None if source is None else dict(os.environ, PYTHONPATH=os.path.abspath(source))
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return found if source is None else found | {"source": source}


def _median(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda r: r["ratio"])[len(runs) // 2]


def _summary(runs: list[dict]) -> dict:
    median = _median(runs)
    return {
        "ratio": median["ratio"],
        "ratio_all": [r["ratio"] for r in runs],
        "cpu_ms_per_call": median["cpu_ms_per_call"],
        "cpu_ms_per_call_all": [r["cpu_ms_per_call"] for r in runs],
        "wall_overhead_ms_per_call": median["wall_overhead_ms_per_call"],
        "peak_rss_mb": median["peak_rss_mb"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default="wave,steady", help=f"comma-separated: {', '.join(SCENARIOS)}")
    parser.add_argument("--repeat", type=int, default=3, help="runner measurements per setting; the median is reported")
    parser.add_argument("--big-calls", type=int, default=20000, help="calls of the peak-RSS run (0: skip it)")
    parser.add_argument("--big-latency", type=float, default=0.05)
    parser.add_argument("--no-baselines", action="store_true", help="skip the DSPy baselines")
    parser.add_argument("--rerun", action="store_true", help="also measure a steady rerun answered from the cache")
    parser.add_argument("--no-cache-on", action="store_true", help="skip the cache_on runs (the same path)")
    parser.add_argument("--baseline-src", default=None, help="also measure the runner of this checkout")
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, calls, latency, concurrency, cache, cache_dir = args.child
        print(json.dumps(_child(mode, int(calls), float(latency), int(concurrency), cache == "1", cache_dir or None)))
        return
    names = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown or not names:
        parser.error(f"--scenarios: choose from {', '.join(SCENARIOS)}, got {args.scenarios!r}")
    load_before = os.getloadavg()[0]
    report: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_1m_before": load_before},
        "targets": {"ratio": 0.9, "cpu_ms_per_call": 1.5, "scenario_for_ratio": "wave"},
        "scenarios": {},
        "runs": [],
    }
    for name in names:
        calls, latency, concurrency = SCENARIOS[name]
        entry: dict = {
            "calls": calls,
            "latency_s": latency,
            "concurrency": concurrency,
            "ideal_s": round(calls * latency / concurrency, 3),
        }
        for cache in (False,) if args.no_cache_on else (False, True):
            runs = [_measure("runner", calls, latency, concurrency, cache) for _ in range(max(1, args.repeat))]
            entry["cache_on" if cache else "cache_off"] = _summary(runs)
            report["runs"] += runs
        if args.baseline_src:
            source = args.baseline_src
            runs = [_measure("runner", calls, latency, concurrency, source=source) for _ in range(max(1, args.repeat))]
            entry["baseline_runner"] = _summary(runs) | {"source": source}
            report["runs"] += runs
        if not args.no_baselines:
            baselines = {}
            for mode, label in (("floor", "dspy_floor"), ("parallel", "dspy_parallel"), ("asyncio", "asyncio_acall")):
                if mode == "parallel" and name != "wave":
                    continue  # dspy.Parallel's thread pool is slow to compare at 5,000 calls
                found = _measure(mode, calls, latency, concurrency)
                baselines[label] = {"ratio": found["ratio"], "cpu_ms_per_call": found["cpu_ms_per_call"]}
                report["runs"].append(found)
            entry["baselines"] = baselines
        report["scenarios"][name] = entry
    if args.rerun:
        calls, latency, concurrency = SCENARIOS["steady"]
        folder = tempfile.mkdtemp(prefix="bench-dspy-cache-")
        first = _measure("runner", calls, latency, concurrency, True, folder)
        again = _measure("runner", calls, latency, concurrency, True, folder)
        report["cached_rerun"] = {
            "first": _summary([first]) | {"calls_made": first["calls_made"]},
            "rerun": _summary([again]) | {"calls_made": again["calls_made"]},
        }
        report["runs"] += [first, again]
    if args.big_calls > 0:
        _, _, concurrency = SCENARIOS[names[0]]
        big = _measure("runner", args.big_calls, args.big_latency, concurrency)
        report["peak_rss_mb"] = {
            names[0]: report["scenarios"][names[0]]["cache_off"]["peak_rss_mb"],
            str(args.big_calls): big["peak_rss_mb"],
            "target": 300,
        }
        report["runs"].append(big)
    report["machine"]["load_avg_1m_after"] = os.getloadavg()[0]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
