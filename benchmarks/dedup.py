"""Speed, memory and accuracy of ``embtaskgen dedup`` on synthetic tasks; print one JSON object.

A file of flattened task rows is made deterministically from ``--seed``: distinct
tasks from 12 sentence templates whose slots (role, qualifier, subjects, documents,
purpose) draw from pools of 2,000 made-up words each, so two unplanted tasks share
only their template's few words (Jaccard of content words about 0.2) and are never
near-duplicates; then ``--planted`` (default 10%) more rows, each a copy of a random
distinct task with 1 or 2 different edits: two adjacent words swapped, a word replaced
by a made-up word, a word inserted or deleted, the punctuation or the case changed. The
rows are shuffled. (Two edits can leave a copy at a content-word Jaccard near or below
the default threshold, 8/12 = 0.67 for two replaced words: such copies are missed.)

The MinHash engine (rensa, the only one) runs ``--repeat`` times (default 3) in a fresh
Python process (``dedup_rows`` end to end: read, shingle, sign, LSH, write output and
report), and the figures per engine and size are:

* ``seconds``: median wall time of ``dedup_rows`` (imports and data making excluded);
* ``peak_rss_mb``: largest peak resident set of the child processes, each its own
  (``VmHWM``: the dedup's memory plus Python's; ``ru_maxrss`` and ``os.wait4`` would count
  the parent's, which wrote the data, at the spawn);
* ``precision``: share of the dropped rows that are planted copies dropped for a row of
  their own family (the original or another copy of it);
* ``recall``: share of the planted copies dropped (each family keeps one row);
* ``load``: ``/proc/loadavg`` before and after the runs (the machine may be shared).

``--calibrate`` instead prints the measurement the default threshold was chosen from:
``dedup_rows`` on the project's hand-labelled tasks (``tests/quality/fixtures``:
exact-duplicate lists, near-duplicate lists with their labelled paraphrase clusters in
``near_duplicate_clusters.json``, varied lists), its dropped rows judged against the
labels (precision: dropped for a labelled duplicate; recall: of the rows that have an
earlier labelled duplicate), per shingle kind and threshold, and at the defaults.

Usage (on a shared machine, under the benchmark lock):
    flock /tmp/embtaskgen-bench.lock python benchmarks/dedup.py --sizes 100000
    flock /tmp/embtaskgen-bench.lock python benchmarks/dedup.py --sizes 100000,1000000 --planted 0.05 --repeat 1
    python benchmarks/dedup.py --calibrate
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import statistics
import string
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

from peak_rss import own_peak_mb

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "quality" / "fixtures"
TEMPLATES = [
    "Given a {r}'s question about {a} {n}, retrieve {d} that explain the {p}.",
    "Retrieve {d} about {a} {n} that help a {r} understand the {p}.",
    "Find {d} on {a} {n} written for a {r} who studies the {p}.",
    "Classify {d} about {a} {n} by the {p} a {r} cares about.",
    "Label each {r} complaint about {a} {n} with its {p} and {d}.",
    "Match a {r}'s note on {a} {n} to the {d} describing its {p}.",
    "Given a {d} excerpt, find the {r} report on {a} {n} with the same {p}.",
    "Search {d} for passages where a {r} compares {a} {n} with the {p}.",
    "Determine whether a {r}'s review of {a} {n} mentions the {p} in its {d}.",
    "Pair each {a} {n} summary with the {d} a {r} wrote about the {p}.",
    "Given a claim about {a} {n}, retrieve {d} from a {r} that support the {p}.",
    "Rank {d} by how well they answer a {r}'s query about {a} {n} and its {p}.",
]
FILLERS = ["relevant", "specific", "several", "new", "detailed", "the", "all", "recent"]
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def _pool(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def _edit(text: str, rng: random.Random, pool: list[str]) -> str:
    for kind in rng.sample(["swap", "replace", "insert", "delete", "punct", "case"], rng.choice((1, 2))):
        words = text.split()
        if kind == "swap" and len(words) > 2:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        elif kind == "replace":
            words[rng.randrange(len(words))] = rng.choice(pool)
        elif kind == "insert":
            words.insert(rng.randrange(len(words) + 1), rng.choice(FILLERS))
        elif kind == "delete" and len(words) > 5:
            del words[rng.randrange(len(words))]
        text = " ".join(words)
        if kind == "punct":
            text = text.rstrip(".!?") + rng.choice(["!", "", " .", "?", "..."])
            text = text.replace(", ", " ", 1) if ", " in text else text.replace(" ", ", ", 1)
        elif kind == "case":
            text = rng.choice([str.lower, str.upper, str.title])(text)
    return text


def synthetic_rows(n: int, planted: float, seed: int) -> tuple[list[dict], list[int]]:
    """``n`` distinct tasks plus ``planted * n`` edited copies, shuffled; and per row its
    family (the index of the distinct task it is or copies)."""
    rng = random.Random(seed)
    pools = {k: _pool(rng, 2000) for k in "randp"}
    tasks, families = [], []
    for i in range(n):
        slots = {k: rng.choice(pools[k]) for k in "rad"}
        slots["n"] = f"{rng.choice(pools['n'])} {rng.choice(pools['n'])}"
        slots["p"] = f"{rng.choice(pools['p'])} {rng.choice(pools['p'])}"
        tasks.append(rng.choice(TEMPLATES).format(**slots))
        families.append(i)
    for _ in range(int(n * planted)):
        base = rng.randrange(n)
        tasks.append(_edit(tasks[base], rng, pools["n"]))
        families.append(base)
    order = list(range(len(tasks)))
    rng.shuffle(order)
    rows = [{"category": "text-retrieval", "task": tasks[i], "model_name": "synthetic"} for i in order]
    return rows, [families[i] for i in order]


def _child(args: argparse.Namespace) -> None:
    from embtaskgen import DedupSettings, dedup_rows

    start = time.perf_counter()
    result = dedup_rows(args.input, args.output, settings=DedupSettings(engine=args.engine), overwrite=True)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "removed": result.removed, "items": result.items, "peak_mb": own_peak_mb()}))


def _accuracy(report: Path, families: list[int]) -> dict:
    doc = json.loads(report.read_text(encoding="utf-8"))
    dropped = [(d["item"], d["kept"]["item"]) for d in doc["duplicates"]]
    right = sum(families[j] == families[i] for j, i in dropped)
    sizes = {}
    for f in families:
        sizes[f] = sizes.get(f, 0) + 1
    planted = sum(s - 1 for s in sizes.values())
    return {
        "removed": len(dropped),
        "planted": planted,
        "precision": round(right / max(1, len(dropped)), 4),
        "recall": round(right / max(1, planted), 4),
    }


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:  # not Linux
        return "unknown"


def _measure(n: int, args: argparse.Namespace, folder: Path) -> dict:
    rows, families = synthetic_rows(n, args.planted, args.seed)
    source = folder / f"tasks-{n}.jsonl"
    with open(source, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    del rows
    out = {"tasks": len(families)}
    for engine in args.engines.split(","):
        load = [_load()]
        target = folder / f"out-{engine}-{n}.jsonl"
        runs, peak = [], 0
        for _ in range(args.repeat):
            proc = subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    "--engine",
                    engine,
                    "--input",
                    str(source),
                    "--output",
                    str(target),
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            stdout = proc.stdout.read()
            _, status, _ = os.wait4(proc.pid, 0)
            if status:
                raise SystemExit(f"child failed ({engine}, {n}): status {status}")
            answer = json.loads(stdout)
            runs.append(answer["seconds"])
            peak = max(peak, answer["peak_mb"])
        load.append(_load())
        out[engine] = {
            "seconds": round(statistics.median(runs), 2),
            "runs": [round(r, 2) for r in runs],
            "peak_rss_mb": round(peak),
            "load": load,
            **_accuracy(Path(str(target) + ".dedup-report.json"), families),
        }
    return out


_PUNCT = str.maketrans(
    {c: " " for c in string.punctuation + "\"'`\u201c\u201d\u2018\u2019\u00ab\u00bb\u2013\u2014\u2026"}
)


def _fold(task: str) -> str:
    """The labels' exact-duplicate key: case, whitespace and punctuation folded."""
    return " ".join(unicodedata.normalize("NFKC", task).casefold().translate(_PUNCT).split())


def _labelled_pairs() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    lists = json.loads((FIXTURES / "labelled_lists.json").read_text(encoding="utf-8"))["lists"]
    clusters = json.loads((FIXTURES / "near_duplicate_clusters.json").read_text())["clusters"]
    items = []  # (category, cluster key or None, text)
    for x in lists:
        if x["kind"] in ("varied", "exact-duplicates"):
            items += [(x["category"], None, t) for t in x["tasks"]]
        elif x["kind"] == "near-duplicates":
            of = {i: k for k, c in enumerate(clusters[x["id"]]) for i in c}
            items += [(x["category"], (x["id"], of[i]), t) for i, t in enumerate(x["tasks"])]
    pos, neg = [], []
    for a, b in itertools.combinations(items, 2):
        if a[0] == b[0]:
            same = _fold(a[2]) == _fold(b[2]) or (a[1] is not None and a[1] == b[1])
            (pos if same else neg).append((a[2], b[2]))
    return pos, neg


def _judge(texts: list[str], pos: list[tuple[str, str]], settings: object, folder: Path) -> dict:
    """``dedup_rows`` on the labelled texts; its (dropped, kept) pairs judged by the labels."""
    from embtaskgen import dedup_rows

    source, target = folder / "labelled.jsonl", folder / "labelled-out.jsonl"
    with open(source, "w", encoding="utf-8") as handle:
        for text in texts:
            handle.write(json.dumps({"category": "text-retrieval", "task": text, "model_name": "labelled"}) + "\n")
    report = dedup_rows(source, target, settings=settings, overwrite=True).report
    doc = json.loads(Path(report).read_text(encoding="utf-8"))
    dropped = [(d["text"], d["kept"]["text"]) for d in doc["duplicates"]]
    labelled = {frozenset(p) for p in pos}
    right = sum(frozenset(p) in labelled for p in dropped)
    at = {t: i for i, t in enumerate(texts)}
    droppable = len({max(at[a], at[b]) for a, b in pos if a != b})  # have an earlier duplicate
    return {
        "dropped": len(dropped),
        "labelled_duplicate": right,
        "droppable": droppable,
        "precision": round(right / max(1, len(dropped)), 3),
        "recall": round(right / max(1, droppable), 3),
    }


def _calibrate() -> dict:
    from embtaskgen import DedupSettings

    pos, neg = _labelled_pairs()
    texts = sorted({t for pair in pos + neg for t in pair})
    result: dict = {"positive_pairs": len(pos), "negative_pairs": len(neg), "texts": len(texts), "sweep": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for kind, size in (("word", 1), ("word", 2), ("char", 3), ("char", 4), ("char", 5)):
            table = {}
            for t in [x / 100 for x in range(40, 91, 5)]:
                settings = DedupSettings(shingles=kind, shingle_size=size, threshold=t)
                judged = _judge(texts, pos, settings, Path(tmp))
                table[f"{t:.2f}"] = {"precision": judged["precision"], "recall": judged["recall"]}
            result["sweep"][f"{kind}{size}"] = table
        result["minhash_lsh_default"] = _judge(texts, pos, DedupSettings(), Path(tmp))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000", help="comma-separated distinct-task counts")
    parser.add_argument("--engines", default="rensa")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--planted", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    if args.calibrate:
        print(json.dumps(_calibrate(), indent=1))
        return
    result = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "planted": args.planted,
        "seed": args.seed,
        "repeat": args.repeat,
        "sizes": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for n in map(int, args.sizes.split(",")):
            result["sizes"][str(n)] = _measure(n, args, Path(tmp))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
