"""Stage 2 on the embedded model: valid examples per call, parse failures, invalid by reason, speed.

For each example kind, N calls through ``EmbeddingExampleGenerator`` (fixed seed, DSPy's
cache off, one call at a time, the model loaded before the clock starts) with the adapter
:meth:`EmbeddingExampleGenerator.adapter_for` picks for the LM (the
``CompactObjectAdapter`` for an embedded model). The four task kinds write one example
for each of N tasks from a fixed set of realistic tasks (below, cycled); ``sts`` and
``bitext`` write N examples. Prints one JSON document:

    {"model": ..., "seed": ..., "max_num_words": ..., "load_average": [before, after],
     "kinds": {"<kind>": {calls, valid, valid_share, parse_failures, errors, invalid_reasons, seconds_per_call,
     prompt_tokens_per_call, completion_tokens_per_call}}, "samples": {"<kind>": [...]}}

``samples`` holds up to ``--samples`` outputs per kind as generated (valid or not, with
their reasons).

Usage:
    python benchmarks/examples.py --calls 5 --kinds sts,bitext
    python benchmarks/examples.py --model smollm2 --calls 3
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

from embtaskgen import CATEGORIES, EXAMPLE_KINDS, EmbeddingExampleGenerator, ExampleSettings, load_local_lm

#: The kinds that need no task (the others are the brainstorm's categories).
SYMMETRIC_KINDS = tuple(kind for kind in EXAMPLE_KINDS if kind not in CATEGORIES)

#: Realistic tasks per task kind (what stage 1 should brainstorm).
TASKS: dict[str, tuple[str, ...]] = {
    "text-retrieval": (
        "Given a question about a medical symptom, retrieve articles that explain its possible causes.",
        "Given a user's question about a programming error, retrieve forum answers that fix it.",
        "Given a traveller's question about a city, retrieve guide passages that answer it.",
        "Given a claim about climate, retrieve scientific abstracts that support or refute it.",
        "Given a question about tenant rights, retrieve legal help pages that answer it.",
    ),
    "text-matching-short": (
        "Given a product title, find the title of the same product in another online shop.",
        "Given a question, find a paraphrase of it asked by another user.",
        "Given a company name, find the same company written another way.",
        "Given a news headline, find a headline about the same event.",
        "Given a search query, find a query with the same intent.",
    ),
    "text-matching-long": (
        "Given a news article, find another article that reports the same event.",
        "Given a product description, find the description of the same product from another seller.",
        "Given a scientific abstract, find the abstract of a paper on the same problem.",
        "Given a customer complaint, find an earlier complaint about the same issue.",
        "Given a recipe, find another recipe for the same dish.",
    ),
    "text-classification": (
        "Classify a product review as positive, negative or neutral.",
        "Classify a customer support email by the department that should handle it.",
        "Classify a news article by its topic.",
        "Classify a tweet as containing hate speech or not.",
        "Classify a movie plot summary by its genre.",
    ),
}


def _load() -> float:
    """The 1-minute load average (timings on a shared machine mean little without it)."""
    return round(os.getloadavg()[0], 2)


def _per_call(total: Any, calls: int) -> float | None:
    return round(total / calls, 1) if isinstance(total, (int, float)) and calls else None


def run_kind(
    lm: Any, adapter: Any, kind: str, calls: int, seed: int, max_num_words: int, samples: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Benchmark one kind; return its report and its sample outputs."""
    gen = EmbeddingExampleGenerator(
        kind,
        seed=seed,
        lm=lm,
        adapter=adapter,
        concurrency=1,
        max_num_words=max_num_words,
        count=calls if kind in SYMMETRIC_KINDS else 0,
    )
    tasks = None
    if kind not in SYMMETRIC_KINDS:
        pool = TASKS[kind]
        tasks = [
            (kind, f"{pool[i % len(pool)]}" + (f" (set {i // len(pool) + 1})" if i >= len(pool) else ""))
            for i in range(calls)
        ]
    started = time.perf_counter()
    prediction = gen(tasks)
    seconds = time.perf_counter() - started
    stats = prediction.stats
    usage = stats.get("usage", {})
    report = {
        "calls": stats["calls"],
        "valid": stats["kept"],
        "valid_share": round(stats["kept"] / stats["calls"], 2) if stats["calls"] else None,
        "parse_failures": stats["parse_failures"],
        "errors": stats["errors"],
        "invalid": stats["invalid"],
        "invalid_reasons": stats["invalid_reasons"],
        "seconds_per_call": round(seconds / stats["calls"], 1) if stats["calls"] else None,
        "prompt_tokens_per_call": _per_call(usage.get("prompt_tokens"), stats["calls"]),
        "completion_tokens_per_call": _per_call(usage.get("completion_tokens"), stats["calls"]),
    }
    shown: list[dict[str, Any]] = []
    for row in prediction.rows:
        shown.append(
            {
                "valid": True,
                "task": row["task"],
                "attributes": row["attributes"],
                **{name: row[name] for name in gen.predictor_for(kind).signature.output_fields},
            }
        )
    for failure in prediction.failures:
        shown.append(
            {
                "valid": False,
                "reasons": failure["reasons"],
                "attributes": failure["attributes"],
                "raw_output": failure["raw_output"],
                "error": failure["error"],
            }
        )
    return report, shown[:samples]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None, help="embedded model (default: the default model)")
    parser.add_argument("--kinds", default="all", help=f"comma-separated kinds ({', '.join(EXAMPLE_KINDS)}) or all")
    parser.add_argument("--calls", type=int, default=5, help="calls per kind")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--max-num-words",
        type=int,
        default=None,
        help="cap of the retrieval documents' num_words (default: the embedded model's, EMBEDDED_MAX_NUM_WORDS)",
    )
    parser.add_argument("--samples", type=int, default=2, help="outputs shown per kind")
    args = parser.parse_args(argv)
    kinds = ExampleSettings(kinds=args.kinds.split(",") if args.kinds != "all" else "all").kinds
    lm = load_local_lm(args.model, cache=False)
    lm.engine.load()
    adapter = EmbeddingExampleGenerator(lm=lm).adapter_for(lm)  # the one every generator picks for lm
    max_num_words = args.max_num_words or ExampleSettings(lm=lm).max_num_words
    report: dict[str, Any] = {
        "model": lm.model,
        "seed": args.seed,
        "max_num_words": max_num_words,
        "adapter": type(adapter).__name__,
        "load_average": [_load()],
        "kinds": {},
        "samples": {},
    }
    for kind in kinds:
        report["kinds"][kind], report["samples"][kind] = run_kind(
            lm, adapter, kind, args.calls, args.seed, max_num_words, args.samples
        )
        print(f"{kind}: {json.dumps(report['kinds'][kind])}", file=sys.stderr, flush=True)
    report["load_average"].append(_load())
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
