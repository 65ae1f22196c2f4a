"""Time ``mine_negatives`` with the real all-MiniLM-L6-v2 (``semantic`` extra); print JSON.

The rows are synthetic retrieval examples (seeded): each positive is a few sentences
about one of 40 topics, each query a short phrase on that topic, so that close
neighbours exist and the margin has work to do. The embedder is loaded once (its load
time is reported apart); the median of ``--runs`` mining runs is reported, and
``score_example`` is timed on the same rows.

Usage:
    python benchmarks/mining.py [--rows 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time

from embtaskgen import load_default_embedder, mine_negatives, score_example

os.environ.setdefault("HF_HUB_OFFLINE", "1")

_TOPICS = [f"topic{n}" for n in range(40)]
_WORDS = (
    "river bank loan market seed engine court garden protein satellite poem tax ruling fabric vaccine "
    "glacier opera harbor ledger circuit enzyme mural statute turbine orchard sonnet"
).split()


def _rows(count: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        topic = rng.choice(_TOPICS)
        words = [rng.choice(_WORDS) for _ in range(12)]
        positive = " ".join(f"The {topic} {w} matters because {rng.choice(_WORDS)} affects it." for w in words[:6])
        rows.append(
            {
                "kind": "text-retrieval",
                "task": "Retrieve documents.",
                "user_query": f"{topic} {words[0]} {n}",
                "positive_document": positive,
                "hard_negative_document": " ".join(reversed(positive.split())),
                "attributes": {"num_words": 50, "language": "English"},
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    embedder = load_default_embedder()
    load_seconds = time.perf_counter() - started
    rows = _rows(args.rows, seed=0)
    times, mined = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        mined = mine_negatives(rows, embedder)
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    scores = [score_example(row) for row in rows]
    score_ms = (time.perf_counter() - started) * 1000 / len(rows)
    print(
        json.dumps(
            {
                "rows": args.rows,
                "embedder_load_seconds": round(load_seconds, 2),
                "mining_seconds_median": round(statistics.median(times), 2),
                "rows_per_second": round(args.rows / statistics.median(times), 1),
                "mined_share": round(sum(r["mined_negative"] is not None for r in mined) / len(mined), 3),
                "score_example_ms_per_row": round(score_ms, 3),
                "mean_score_example": round(sum(scores) / len(scores), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
