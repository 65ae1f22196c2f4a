"""Time ``embtaskgen.score_tasks`` on 20-item lists; print the figures as JSON.

The lists are the good lists of the labelled set (tests/quality/fixtures/labelled_lists.json),
taken in turn, each scored against its category's seed pool (the default examples).

Usage:
    python benchmarks/metric_speed.py [--runs 3000]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

from embtaskgen import METRIC_VERSION, score_tasks

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "quality" / "fixtures" / "labelled_lists.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3000, help="timed calls (default 3000)")
    args = parser.parse_args()
    doc = json.loads(LABELLED.read_text(encoding="utf-8"))
    lists = [(x["tasks"], x["category"]) for x in doc["lists"] if x["label"] == "good" and len(x["tasks"]) == 20]
    for tasks, category in lists:  # warm-up: imports, the seed pools' features
        score_tasks(tasks, category)
    times = []
    for i in range(args.runs):
        tasks, category = lists[i % len(lists)]
        start = time.perf_counter()
        score_tasks(tasks, category)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(
        json.dumps(
            {
                "benchmark": "score_tasks, 20-item list, default examples (seed pool)",
                "metric_version": METRIC_VERSION,
                "runs": args.runs,
                "lists": len(lists),
                "median_ms": round(statistics.median(times), 3),
                "p90_ms": round(times[int(0.9 * len(times))], 3),
                "min_ms": round(times[0], 3),
                "max_ms": round(times[-1], 3),
                "python": platform.python_version(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
