"""Time and memory of ``embtaskgen report`` as the number of tasks grows; print one JSON object.

Synthetic task files are written to a temporary folder. ``synthetic_rows`` makes
realistic task sentences of the four categories from sentence patterns, domains,
aspects, places, inputs, documents and qualifiers, with planted near-duplicates (3%
exact copies up to case and punctuation, 5% light edits of an earlier task); at scale
the templates also repeat, as a model's do. The cases:

* ``1k``, ``10k``, ``100k``: that many tasks in one file, rows of 10 tasks (``tasks``
  shape, as ``embtaskgen generate`` writes them), the four categories in turn;
* ``5k_one_row``: 5,000 such tasks in ONE row (issue case 7a: 300 s and 2.9 GB before);
* ``20k_one_row_numbered``: one row of 20,000 copies of one sentence with a counter
  ("... about subject 17 ..."), the shape that made the old pair listing quadratic
  (20 GB before);
* ``100k_numbered``: 100,000 such sentences in rows of 10, one category: one huge
  cluster of near-duplicates across the whole file.

A row counts its first 1,000 tasks (``MAX_ROW_TASKS`` of the report); the rest are
reported as ``over_cap``. Each case runs ``--repeat`` times (default 3), each in a fresh
Python process that imports embtaskgen and then runs ``diversity_report`` +
``format_report`` + the JSON dump, what ``embtaskgen report FILE -o report.json`` does.
Figures per case:

* ``seconds``: median of the runs, the report alone (import excluded);
* ``process_seconds`` / ``process_cpu_seconds``: median wall / CPU time (user + system)
  of the whole child process, imports included (on a shared machine the CPU time is the
  steadier figure);
* ``peak_rss_mb``: the largest peak resident set of the child processes, each its own
  (``VmHWM``; ``os.wait4``'s would count the parent's at the spawn);
* ``us_per_task``: ``seconds / tasks counted`` in microseconds: flat when linear;
* ``near_duplicate_rate``, ``tasks_counted`` and ``over_cap`` of the report.

The recall of the report's sketch search against the exact one has no public entry
point to time it through; the tests hold it (``tests/dedup/test_near_duplicates.py``,
on this script's ``synthetic_tasks``).

Usage:
    python benchmarks/report_scale.py                       # all cases, 3 runs each
    python benchmarks/report_scale.py --cases 1k,10k --repeat 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES: dict[str, tuple[int, int, str]] = {  # name -> (tasks, tasks per row, kind)
    "1k": (1_000, 10, "synthetic"),
    "10k": (10_000, 10, "synthetic"),
    "100k": (100_000, 10, "synthetic"),
    "5k_one_row": (5_000, 5_000, "synthetic"),
    "20k_one_row_numbered": (20_000, 20_000, "numbered"),
    "100k_numbered": (100_000, 10, "numbered"),
}

_DOMAINS = (
    "tax law",
    "vaccines",
    "home insurance",
    "tenant rights",
    "crop rotation",
    "jazz history",
    "marine biology",
    "electric cars",
    "retirement savings",
    "medieval castles",
    "cloud security",
    "food allergies",
    "volcano monitoring",
    "airline refunds",
    "chess openings",
    "urban cycling",
    "sleep disorders",
    "solar panels",
    "immigration rules",
    "wine making",
    "bird migration",
    "data privacy",
    "railway timetables",
    "coral reefs",
    "dog training",
    "mortgage rates",
    "ancient Rome",
    "quantum computing",
    "knitting patterns",
    "wildfire prevention",
    "kidney disease",
    "stock options",
    "football tactics",
    "3D printing",
    "beekeeping",
    "space telescopes",
    "public transport",
    "organic chemistry",
    "child nutrition",
    "video game design",
    "copyright law",
    "pet adoption",
    "earthquake safety",
    "coffee brewing",
    "cryptocurrency scams",
    "hiking trails",
    "patent filings",
    "mental health at work",
    "rare diseases",
    "supply chains",
    "renewable energy subsidies",
    "language learning",
    "baroque music",
    "forest ecology",
    "antique furniture",
    "diabetes care",
    "small business loans",
    "opera singers",
    "climate adaptation",
    "robotics competitions",
    "sourdough baking",
    "election law",
    "whale watching",
    "water purification",
    "film restoration",
    "open source licences",
    "military history",
    "skin care",
    "rental cars",
    "nuclear fusion",
    "garden pests",
    "public libraries",
    "cycling injuries",
    "fashion trends",
    "ocean shipping",
    "bridge engineering",
    "agriculture",
    "architecture",
    "art history",
    "astronomy",
    "automotive repair",
    "aviation",
    "banking",
    "childcare",
    "civil engineering",
    "dentistry",
    "e-commerce",
    "economics",
    "electrical engineering",
    "entertainment",
    "environmental policy",
    "fitness",
    "food safety",
    "gaming",
    "gardening",
    "genealogy",
    "geography",
    "geology",
    "healthcare",
    "hospitality",
    "human resources",
    "journalism",
    "labor law",
    "linguistics",
    "literature",
    "logistics",
    "manufacturing",
    "marketing",
    "mathematics",
    "meteorology",
    "mining",
    "neuroscience",
    "nutrition",
    "oceanography",
    "parenting",
    "pharmacology",
    "philosophy",
    "photography",
    "physics",
    "politics",
    "psychology",
    "real estate",
    "religion",
    "retail",
    "scientific publishing",
    "social media",
    "sociology",
    "software engineering",
    "statistics",
    "telecommunications",
    "tourism",
    "urban planning",
    "veterinary medicine",
    "video production",
    "wildlife conservation",
    "archaeology",
    "beer brewing",
    "ceramics",
    "dance",
    "epidemiology",
    "falconry",
    "glassblowing",
    "horse racing",
    "ice hockey",
    "jewellery making",
    "karate",
    "lighthouse history",
    "mountaineering",
    "numismatics",
    "orchid growing",
    "paleontology",
    "quilting",
    "rowing",
    "sailing",
    "tea ceremonies",
    "ultramarathons",
    "vintage radios",
    "woodworking",
)
_ASPECTS = (
    "the costs",
    "the risks",
    "the history",
    "the regulation",
    "common mistakes",
    "recent research",
    "the safety",
    "the environmental impact",
    "the best practices",
    "the equipment",
    "beginner questions",
    "the economics",
    "local differences",
    "the ethics",
    "new trends",
    "the terminology",
    "the health effects",
    "the legal disputes",
    "career paths",
    "the tools",
    "the public debate",
    "the measurement",
    "the failures",
    "the statistics",
    "the training",
    "the insurance",
    "the folklore",
    "the supply",
    "the pricing",
    "the funding",
    "the accessibility",
    "the certification",
    "the maintenance",
    "the hazards",
    "the origins",
    "the teaching",
    "the marketing",
    "the seasonal patterns",
    "the standards",
    "the licensing",
)
_PLACES = (
    "",
    "",
    "",
    "",
    "",
    " in Kenya",
    " in rural Canada",
    " in Japan",
    " in the European Union",
    " in Brazil",
    " in India",
    " in coastal towns",
    " in Scandinavia",
    " in Australia",
    " in Mexico",
    " in large cities",
    " in developing countries",
    " in the 1990s",
    " during the Second World War",
    " in the Middle Ages",
    " after 2010",
    " in Nigeria",
    " in Vietnam",
    " in Chile",
    " in Poland",
    " in mountain regions",
    " in small islands",
)
_QUERIES = (
    "question",
    "claim",
    "short query",
    "search phrase",
    "few keywords",
    "complaint",
    "user question",
    "symptom description",
    "product name",
    "headline",
    "tweet",
    "forum question",
    "voice command",
    "error message",
    "trivia question",
    "hypothesis",
    "customer request",
    "legal question",
    "homework question",
    "rumour",
    "statement",
    "survey answer",
    "job title",
    "quotation",
    "travel question",
)
_DOCS = (
    "articles",
    "official pages",
    "research abstracts",
    "forum answers",
    "news reports",
    "encyclopedia passages",
    "product manuals",
    "court rulings",
    "government guidance",
    "blog posts",
    "textbook sections",
    "help-centre pages",
    "clinical guidelines",
    "scientific papers",
    "FAQ entries",
    "podcast transcripts",
    "conference talks",
    "technical standards",
    "museum records",
    "patent texts",
    "interview transcripts",
    "policy briefs",
    "recipes",
    "lecture notes",
    "fact-check reports",
    "user reviews",
)
_RELATIONS = (
    "answer it",
    "support or refute it",
    "explain it in detail",
    "address the problem it raises",
    "give practical advice on it",
    "discuss its causes",
    "provide background on it",
    "contradict it",
    "offer step-by-step solutions",
    "cite evidence about it",
    "compare the options it mentions",
    "describe similar cases",
    "list the relevant rules",
    "summarise the expert consensus",
    "report measurements about it",
    "correct its errors",
    "put it in historical context",
    "estimate the costs involved",
    "name the people involved",
)
_AUDIENCES = (
    "",
    "",
    "",
    " for beginners",
    " for specialists",
    " written for children",
    " in plain language",
    " published in the last five years",
    " from reputable sources",
    " with worked examples",
    " for policy makers",
    " for teachers",
    " for small firms",
    " for patients",
    " for tourists",
    " with diagrams",
)
_SOURCES = (
    "",
    "",
    "",
    " from a national archive",
    " on a company intranet",
    " in a university library",
    " from a support forum",
    " in a medical database",
    " from local newspapers",
    " in a government portal",
    " from a patent office",
    " in an online shop",
    " from a trade journal",
    " in a parliamentary record",
    " from a citizen science project",
)
_SHORT = (
    "word",
    "product title",
    "hashtag",
    "person's name",
    "song title",
    "acronym",
    "company name",
    "book title",
    "city name",
    "movie title",
    "slogan",
    "username",
    "chemical name",
    "street name",
    "brand name",
    "species name",
    "idiom",
    "emoji",
    "file name",
    "course title",
    "menu item",
    "team name",
)
_SHORT_TARGETS = (
    "its dictionary definition",
    "a short phrase that explains it",
    "titles of related items",
    "the name of its author",
    "its most common synonym",
    "the category it belongs to",
    "a one-line description of it",
    "names that are often confused with it",
    "its translation into French",
    "its official abbreviation",
    "a short label for its mood",
    "the country it comes from",
    "a rhyming word",
    "its opposite",
    "a tagline with the same meaning",
    "the year it first appeared",
)
_LONG = (
    "essay",
    "research paper",
    "business proposal",
    "legal brief",
    "news feature",
    "product review",
    "grant application",
    "policy report",
    "biography",
    "case study",
    "white paper",
    "court opinion",
    "travel guide",
    "annual report",
    "sermon",
    "short story",
    "technical specification",
    "lesson plan",
    "memoir chapter",
)
_LONG_RELATIONS = (
    "argue the opposite side",
    "study the same problem with a different method",
    "reach similar conclusions",
    "cover the same events from another angle",
    "propose competing strategies",
    "cite the same sources",
    "make overlapping arguments",
    "describe comparable outcomes",
    "share its main thesis",
    "use the same data",
    "were written in reply to it",
    "follow the same structure",
    "criticise its method",
)
_INPUTS = (
    "customer support ticket",
    "product review",
    "news article",
    "job posting",
    "tweet",
    "restaurant review",
    "email",
    "medical abstract",
    "commit message",
    "forum post",
    "legal contract clause",
    "movie review",
    "chat message",
    "bug report",
    "insurance claim",
    "patient note",
    "student essay",
    "press release",
    "app review",
    "call transcript",
    "survey comment",
    "parliamentary question",
    "recipe",
    "hotel review",
    "sales lead",
    "podcast description",
)
_LABELS = (
    "the product area it concerns",
    "the sentiment it expresses",
    "the level of urgency",
    "the topic it covers",
    "the type of request it makes",
    "the emotion of its author",
    "the department that should handle it",
    "its level of formality",
    "the stage of the purchase journey",
    "the risk it describes",
    "the reading level it requires",
    "whether it contains a complaint",
    "the political leaning it shows",
    "the language variety it uses",
    "the kind of evidence it offers",
    "the age group it targets",
    "its likely author type",
    "the severity of the problem",
    "the intent behind it",
)


def _topic(rng: random.Random) -> str:
    domain = rng.choice(_DOMAINS)
    if rng.random() < 0.7:
        domain = f"{rng.choice(_ASPECTS)} of {domain}"
    return domain + rng.choice(_PLACES)


def _retrieval(rng: random.Random) -> str:
    q, d, r, a, s = (
        rng.choice(_QUERIES),
        rng.choice(_DOCS),
        rng.choice(_RELATIONS),
        rng.choice(_AUDIENCES),
        rng.choice(_SOURCES),
    )
    t = _topic(rng)
    return rng.choice(
        (
            f"Given a {q} about {t}, retrieve {d}{s}{a} that {r}.",
            f"Find {d}{s}{a} that {r}, given a {q} about {t}.",
            f"Search a collection of {d}{s} about {t} for those that {r}, given a {q}.",
            f"Retrieve {d} on {t}{a} that {r} when a user types a {q}.",
            f"For a {q} on {t}, locate {d}{s} that {r}.",
        )
    )


def _matching_short(rng: random.Random) -> str:
    sh, tg, s = rng.choice(_SHORT), rng.choice(_SHORT_TARGETS), rng.choice(_SOURCES)
    t = _topic(rng)
    return rng.choice(
        (
            f"Given a {sh} from {t}, find {tg}{s}.",
            f"Match a {sh} related to {t} to {tg}{s}.",
            f"Given a {sh} used in discussions of {t}, retrieve {tg}{s}.",
            f"Pair each {sh} about {t} with {tg}.",
        )
    )


def _matching_long(rng: random.Random) -> str:
    doc, r, s, a = (rng.choice(_LONG), rng.choice(_LONG_RELATIONS), rng.choice(_SOURCES), rng.choice(_AUDIENCES))
    t = _topic(rng)
    return rng.choice(
        (
            f"Given a {doc} about {t}, find {doc}s{s}{a} that {r}.",
            f"Match a long {doc} on {t} to other {doc}s{s} that {r}.",
            f"Given a full {doc} concerning {t}, retrieve documents{s} that {r}.",
            f"For a lengthy {doc} about {t}, find long texts{a} that {r}.",
        )
    )


def _classification(rng: random.Random) -> str:
    i, lab, s = rng.choice(_INPUTS), rng.choice(_LABELS), rng.choice(_SOURCES)
    t = _topic(rng)
    return rng.choice(
        (
            f"Classify a {i}{s} about {t} by {lab}.",
            f"Label a {i}{s} concerning {t} with {lab}.",
            f"Determine for a {i} about {t} {lab}.",
            f"Sort {i}s{s} on {t} into groups by {lab}.",
            f"Categorise each {i} that mentions {t} according to {lab}.",
        )
    )


_MAKERS = {
    "text-retrieval": _retrieval,
    "text-matching-short": _matching_short,
    "text-matching-long": _matching_long,
    "text-classification": _classification,
}
_SWAPS = (
    ("retrieve", "find"),
    ("Given a", "For a"),
    ("that", "which"),
    (" a ", " one "),
    ("about", "on"),
    ("Classify", "Categorise"),
    ("find", "look up"),
)


def _edit(task: str, rng: random.Random) -> str:
    """A light edit of a task: the kind of near-duplicate a model writes."""
    kind = rng.randrange(4)
    if kind == 0:
        return task.upper() if rng.random() < 0.3 else task.rstrip(".") + "!"  # normalised copy
    if kind == 1:
        for old, new in rng.sample(_SWAPS, len(_SWAPS)):
            if old in task:
                return task.replace(old, new, 1)
        return task + " "
    if kind == 2:
        words = task.rstrip(".").split()
        k = rng.randrange(1, len(words))
        return " ".join(words[:k] + words[k + 1 :]) + "."  # one word dropped
    return task.rstrip(".") + ", quickly."


def synthetic_tasks(n: int, category: str, rng: random.Random) -> list[str]:
    """``n`` task sentences of ``category``; about 8% repeat an earlier one (exactly or
    nearly)."""
    tasks: list[str] = []
    make = _MAKERS[category]
    for _ in range(n):
        r = rng.random()
        if tasks and r < 0.03:
            tasks.append(rng.choice(tasks).lower())
        elif tasks and r < 0.08:
            tasks.append(_edit(rng.choice(tasks), rng))
        else:
            tasks.append(make(rng))
    return tasks


def synthetic_rows(tasks: int, per_row: int, seed: int = 0) -> list[dict]:
    """Rows in the ``tasks`` shape, categories in turn, ``per_row`` tasks each."""
    rng = random.Random(seed)
    categories = list(_MAKERS)
    per_category = {c: synthetic_tasks(-(-tasks // len(categories)), c, rng) for c in categories}
    rows: list[dict] = []
    made, generation = 0, 0
    while made < tasks:
        category = categories[generation % len(categories)]
        pool = per_category[category]
        take = min(per_row, tasks - made)
        start = (generation // len(categories)) * per_row
        chunk = pool[start : start + take] or synthetic_tasks(take, category, rng)
        rows.append(
            {
                "category": category,
                "model_name": "synthetic",
                "generation": generation,
                "seed": seed,
                "topic": "",
                "tasks": chunk,
                "metadata": {"rollout_id": generation, "num_tasks": per_row},
            }
        )
        made += len(chunk)
        generation += 1
    return rows


def numbered_rows(tasks: int, per_row: int) -> list[dict]:
    """One sentence with a counter, ``per_row`` to a row, all text-retrieval."""
    return [
        {
            "category": "text-retrieval",
            "model_name": "synthetic",
            "generation": g,
            "seed": 0,
            "topic": "",
            "tasks": [
                f"Retrieve documents about subject {i} that answer a user's question."
                for i in range(start, min(tasks, start + per_row))
            ],
            "metadata": {"rollout_id": g, "num_tasks": per_row},
        }
        for g, start in enumerate(range(0, tasks, per_row))
    ]


def write_case(path: Path, tasks: int, per_row: int, kind: str, seed: int = 0) -> None:
    if kind == "numbered":
        rows = numbered_rows(tasks, per_row)
    elif per_row >= tasks:  # one row: one category
        rows = [
            {**synthetic_rows(1, 1, seed)[0], "tasks": synthetic_tasks(tasks, "text-retrieval", random.Random(seed))}
        ]
    else:
        rows = synthetic_rows(tasks, per_row, seed)
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


_CHILD = r"""
import json, sys, time
from embtaskgen import diversity_report, format_report
start = time.perf_counter()
report = diversity_report(sys.argv[1])
table = format_report(report)
with open(sys.argv[2], "w", encoding="utf-8") as handle:
    json.dump(report, handle, indent=2)
seconds = time.perf_counter() - start
peak_kb = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "peak_kb": peak_kb, "tasks_counted": report["total"]["tasks"],
                  "near_duplicate_rate": report["total"]["near_duplicate_rate"],
                  "over_cap": report["total"].get("over_cap")}))
"""


def _run_child(source: Path, out: Path) -> dict:
    """One fresh process; its own peak RSS (``VmHWM``, which it reports) and CPU (``os.wait4``)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(source), str(out)], stdout=stdout, stderr=stderr, text=True
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        stdout.seek(0)
        stderr.seek(0)
        text, errors = stdout.read(), stderr.read()
    if proc.returncode != 0:
        raise RuntimeError(f"report failed on {source} (exit {proc.returncode}): {errors[-2000:]}")
    result = json.loads(text.strip().splitlines()[-1])
    result["process_seconds"] = wall
    result["process_cpu_seconds"] = usage.ru_utime + usage.ru_stime
    result["peak_rss_mb"] = result.pop("peak_kb") / 1024  # the child's own (VmHWM): ru_maxrss counts the parent's too
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases", default=",".join(CASES), help=f"comma-separated, from {', '.join(CASES)} (default: all)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    names = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in names if c not in CASES]
    if unknown or args.repeat < 1:
        parser.error(
            f"unknown case(s) {unknown}; choose from {', '.join(CASES)}" if unknown else "--repeat must be at least 1"
        )
    load_before = os.getloadavg()
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="report-scale-") as tmp:
        folder = Path(tmp)
        for name in names:
            tasks, per_row, kind = CASES[name]
            source = folder / f"{name}.jsonl"
            write_case(source, tasks, per_row, kind, args.seed)
            runs = [_run_child(source, folder / f"{name}.report.json") for _ in range(args.repeat)]
            seconds = statistics.median(r["seconds"] for r in runs)
            counted = runs[0]["tasks_counted"]
            results[name] = {
                "tasks_in_file": tasks,
                "tasks_per_row": per_row,
                "tasks_counted": counted,
                "over_cap": runs[0]["over_cap"],
                "file_mb": round(source.stat().st_size / 2**20, 2),
                "seconds": round(seconds, 3),
                "seconds_all": [round(r["seconds"], 3) for r in runs],
                "process_seconds": round(statistics.median(r["process_seconds"] for r in runs), 3),
                "process_cpu_seconds": round(statistics.median(r["process_cpu_seconds"] for r in runs), 3),
                "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs), 1),
                "us_per_task": round(seconds / max(counted, 1) * 1e6, 1),
                "near_duplicate_rate": round(runs[0]["near_duplicate_rate"], 4),
            }
    report = {
        "benchmark": "embtaskgen report on synthetic files (seconds: median of runs, "
        "report only; peak RSS of the child process)",
        "repeat": args.repeat,
        "seed": args.seed,
        "cpus": os.cpu_count(),
        "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "python": platform.python_version(),
        "cases": results,
    }
    if "10k" in results and "100k" in results:
        report["us_per_task_100k_over_10k"] = round(results["100k"]["us_per_task"] / results["10k"]["us_per_task"], 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
