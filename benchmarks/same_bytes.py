"""Same seed, same bytes: sha256 of the files the CLI writes, for issue #20's before/after check.

Drives an ``embtaskgen`` console script (``--cli``) through ``subprocess`` and prints ONE
JSON object. Nothing is imported from ``embtaskgen`` here (only ``tests/script_text.py``
reads its language scripts, for bitext replies), so the same script measures the code
before and after a refactor: run it with each side's python and ``--cli``.

The commands, each with ``--seed``, ``--no-progress`` and ``--no-cache``, on the scripted
loopback OpenAI server (``-m openai/stub --api-base URL``), once with ``--executor local``
and once with ``--executor ray --ray-workers 2``:

* ``generate``: ``generate -c all -n 3``;
* ``examples-tasks``: ``examples --tasks F --per-task 2`` (``F``: :data:`TASKS`, fixed here);
* ``examples-kinds``: ``examples --kinds sts,bitext --count 4``;
* ``pipeline``: ``pipeline -c all -n 1 --kinds all --count 2 --mine-negatives`` (on Ray
  without ``--mine-negatives``, which the CLI refuses there: exit 2);
* ``dedup``: ``dedup IN`` on :func:`dedup_rows` (240 short tasks, every fifth a copy of an
  earlier one with one word replaced): a JSONL file locally, a folder of two shards on Ray
  (there ``dedup`` takes no ``--seed``, ``--no-progress`` or model, and no ``--ray-workers``);

and, with ``--embedded`` (minutes: it loads the real embedded model), ``embedded``:
``generate -c all -n 2`` on the embedded default (no ``-m``, local executor only).

The server (``tests/openai_stub.py``'s ``OpenAIStub`` with :func:`reply`) answers every
call from its prompt alone: a brainstorm call gets tasks, an example call valid outputs
for the fields it asks for, both varied by a hash of the messages.

Per command (key ``<command>/<executor>``) the JSON holds ``exit``, and:

* ``rows``: per row file (path relative to the command's folder): ``sha256`` of its
  bytes, ``lines``, and ``sorted_sha256`` (of its lines sorted: equal when only the order
  differs). A folder of Ray shards also gets ``<folder>/*`` (the shards concatenated in
  name order);
* ``sidecars_normalised``: sha256 of each summary, journal (progress) and failures file
  after removing the volatile fields (:data:`VOLATILE`: times, durations, rates, pids) at
  any depth and writing the stub's URL and the output folder as ``<api-base>`` /
  ``<out>``; NOT the raw bytes.

Usage:
    python benchmarks/same_bytes.py --out /tmp/sb                      # the CLI on PATH
    cd OTHER_CHECKOUT && .venv/bin/python benchmarks/same_bytes.py --cli .venv/bin/embtaskgen --out /tmp/sb0
    flock /tmp/embtaskgen-bench.lock python benchmarks/same_bytes.py --out /tmp/sb --embedded --only 'embedded/*'
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from openai_stub import OpenAIStub, chat_tasks_reply  # noqa: E402
from script_text import in_script  # noqa: E402

#: The task file of ``examples --tasks F``: one call row per category, two tasks each.
TASKS: list[dict[str, Any]] = [
    {
        "category": "text-retrieval",
        "generation": 0,
        "seed": 11,
        "tasks": [
            "Given a question about a cooking technique, retrieve recipes that use it.",
            "Given a legal question, retrieve court rulings that answer it.",
        ],
    },
    {
        "category": "text-matching-short",
        "generation": 0,
        "seed": 12,
        "tasks": [
            "Given a product title, find the same product's title in another shop.",
            "Match a song to its cover.",
        ],
    },
    {
        "category": "text-matching-long",
        "generation": 0,
        "seed": 13,
        "tasks": [
            "Given a news article, find the article that reports the same event.",
            "Match a bug report to its fix.",
        ],
    },
    {
        "category": "text-classification",
        "generation": 0,
        "seed": 14,
        "tasks": ["Classify a product review by sentiment.", "Tag a news headline with its topic."],
    },
]

#: Fields removed (at any depth) from sidecars before hashing: they change from run to run.
VOLATILE = frozenset(
    {"started", "finished", "ended", "time", "timestamp", "seconds", "calls_per_second", "elapsed", "duration", "pid"}
)

_FIELD = re.compile(r"\[\[ ## (\w+) ## \]\]\n(.*?)(?=\n\n|\Z)", re.DOTALL)
_ASKED = re.compile(r"`\[\[ ## (\w+) ## \]\]`")
_SIDECAR = re.compile(r"^_|\.(summary\.json|progress\.jsonl|failures\.jsonl|dedup-report\.json)$")
_WORDS = (
    "river stone market engine garden winter signal paper harbor violin copper forest ledger orbit canyon "
    "lantern meadow quartz saddle thunder velvet walnut yacht zephyr anchor bridge cactus dolphin ember falcon "
    "glacier hammock island jasmine kettle lemon marble nectar oyster pepper quill raven sailor tulip umbrella"
).split()


def _words(seed: str, n: int) -> str:
    digest = hashlib.sha256(seed.encode()).digest() * (n // 32 + 1)
    return " ".join(_WORDS[b % len(_WORDS)] for b in digest[:n])


def reply(body: dict[str, Any]) -> tuple[int, str]:
    """The stub's answer: tasks for a brainstorm call, valid outputs for an example call."""
    user = str(body["messages"][-1]["content"])
    asked = [name for name in _ASKED.findall(user) if name != "completed"]
    if not asked or "tasks" in asked:
        return 200, chat_tasks_reply(body)
    tag = hashlib.sha256(json.dumps(body["messages"], sort_keys=True).encode()).hexdigest()[:8]
    inputs = dict(_FIELD.findall(user))
    n = int((re.findall(r"\d+", inputs.get("num_words", "")) or ["30"])[0])
    source = inputs.get("source_language", inputs.get("language"))
    target = inputs.get("target_language", inputs.get("language"))
    values = {
        "user_query": f"query {tag} {_words(tag + 'q', 3)}",
        "positive_document": f"{tag} {_words(tag + 'p', n)}",
        "hard_negative_document": f"{tag} {_words(tag + 'n', n)}",
        "input": f"input {tag} {_words(tag + 'i', 6)}",
        "input_text": f"A text numbered {tag} about {_words(tag + 't', 4)}.",
        "label": "alpha",
        "misleading_label": "beta",
        "S1": in_script("first", tag, source),
        "S2": in_script("second", tag, target),
        "S3": in_script("third", tag, target),
    }
    fields = "".join(f"[[ ## {name} ## ]]\n{values.get(name, f'{name} {tag}')}\n\n" for name in asked)
    return 200, fields + "[[ ## completed ## ]]"


def dedup_rows() -> list[dict[str, str]]:
    """Rows for ``dedup``: distinct 8-word tasks, every fifth a near-copy of the one 4 rows before."""
    rows: list[dict[str, str]] = []
    for i in range(240):
        words = _words(f"dedup{i}", 8).split()
        if i % 5 == 4:
            words = rows[i - 4]["task"].rstrip(".").split()[1:]
            words[3] = _WORDS[i % len(_WORDS)]
        rows.append({"category": "text-retrieval", "task": f"Retrieve {' '.join(words)}."})
    return rows


def commands(tasks: Path) -> dict[str, list[str]]:
    """Name -> CLI arguments (without model, seed, executor and output)."""
    return {
        "generate": ["generate", "-c", "all", "-n", "3"],
        "examples-tasks": ["examples", "--tasks", str(tasks), "--per-task", "2"],
        "examples-kinds": ["examples", "--kinds", "sts,bitext", "--count", "4"],
        "pipeline": ["pipeline", "-c", "all", "-n", "1", "--kinds", "all", "--count", "2", "--mine-negatives"],
    }


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _row_figures(data: bytes) -> dict[str, Any]:
    lines = data.splitlines(keepends=True)
    return {"sha256": _sha(data), "lines": len(lines), "sorted_sha256": _sha(b"".join(sorted(lines)))}


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _normalised(data: bytes, replace: dict[str, str]) -> str:
    text = data.decode()
    for old, new in replace.items():
        text = text.replace(old, new)
    if text.lstrip().startswith("{") and "\n{" not in text.strip():  # one JSON object (a summary)
        return _sha(json.dumps(_scrub(json.loads(text)), indent=2).encode())
    lines = [json.dumps(_scrub(json.loads(line))) for line in text.splitlines() if line.strip()]
    return _sha("\n".join(lines).encode())


def figures(folder: Path, replace: dict[str, str]) -> dict[str, Any]:
    """Row hashes (and shard concatenations) and normalised sidecar hashes of a command's folder."""
    rows: dict[str, Any] = {}
    sidecars: dict[str, str] = {}
    shards: dict[str, list[bytes]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name, data = str(path.relative_to(folder)), path.read_bytes()
        if _SIDECAR.search(path.name):
            sidecars[name] = _normalised(data, replace)
            continue
        rows[name] = _row_figures(data)
        if re.match(r"part-\d+", path.name):
            shards.setdefault(str(path.parent.relative_to(folder)), []).append(data)
    for parent, parts in shards.items():
        rows[f"{parent}/*"] = _row_figures(b"".join(parts))
    return {"rows": rows, "sidecars_normalised": sidecars}


def run_one(
    cli: str, name: str, argv: list[str], out: Path, replace: dict[str, str], retry: bool = True
) -> dict[str, Any]:
    """Run one command into ``out/<name>`` (fresh) and return its figures."""
    folder = out / name.replace("/", "-")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shards = name.endswith("/ray") and argv[0] in ("generate", "examples")
    target = folder / ("run" if argv[0] == "pipeline" else "rows" if shards else "rows.jsonl")
    cache = out / "_dspy_cache" / folder.name
    env = dict(os.environ, OPENAI_API_KEY="sk-same-bytes", DSPY_CACHEDIR=str(cache))
    done = subprocess.run([cli, *argv, "-o", str(target)], env=env, capture_output=True, text=True, timeout=3600)
    if retry and "timed out during startup" in done.stderr:  # Ray's start-up on a loaded machine: once more
        return run_one(cli, name, argv, out, replace, retry=False)
    replace = {**replace, str(out): "<out>"}
    shown = [replace.get(a, a.replace(str(out), "<out>")) for a in [*argv, "-o", str(target)]]
    result: dict[str, Any] = {"argv": shown, "exit": done.returncode}
    if done.returncode != 0:
        result["stderr_tail"] = done.stderr.strip().splitlines()[-5:]
    return result | figures(folder, replace)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", default="embtaskgen", help="embtaskgen console script (default: on PATH)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the outputs (emptied per command)")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--embedded", action="store_true", help="also generate -c all -n 2 on the embedded model")
    parser.add_argument("--only", default="*", help="comma-separated globs of the names to run, e.g. 'generate/*'")
    args = parser.parse_args()
    cli = shutil.which(args.cli) or args.cli
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    fixtures: dict[str, list[dict[str, Any]]] = {
        "tasks_fixture.jsonl": TASKS,
        "dedup_fixture.jsonl": dedup_rows(),
        "dedup_shards/part-000000.jsonl": dedup_rows()[:120],
        "dedup_shards/part-000001.jsonl": dedup_rows()[120:],
    }
    report: dict[str, Any] = {"cli": cli, "seed": args.seed, "fixtures_sha256": {}}
    for name, rows in fixtures.items():
        (out / name).parent.mkdir(exist_ok=True)
        (out / name).write_text("".join(json.dumps(row) + "\n" for row in rows))
        report["fixtures_sha256"][name] = _sha((out / name).read_bytes())
    common = ["--seed", str(args.seed), "--no-progress", "--no-cache"]
    runs: dict[str, Any] = {}
    with OpenAIStub(reply) as stub:
        model = ["-m", "openai/stub", "--api-base", stub.base_url]
        executors = {"local": ["--executor", "local"], "ray": ["--executor", "ray", "--ray-workers", "2"]}
        plan = {
            f"{c}/{e}": [*(a if e == "local" else [v for v in a if v != "--mine-negatives"]), *common, *model, *x]
            for c, a in commands(out / "tasks_fixture.jsonl").items()
            for e, x in executors.items()
        }
        plan["dedup/local"] = ["dedup", str(out / "dedup_fixture.jsonl"), "--executor", "local"]
        plan["dedup/ray"] = ["dedup", str(out / "dedup_shards"), "--executor", "ray"]
        if args.embedded:
            plan["embedded/local"] = ["generate", "-c", "all", "-n", "2", *common]
        for name, argv in plan.items():
            if any(fnmatch.fnmatch(name, glob) for glob in args.only.split(",")):
                print(f"running {name}", file=sys.stderr, flush=True)
                runs[name] = run_one(cli, name, argv, out, {stub.base_url: "<api-base>"})
    report["volatile_fields_removed_from_sidecars"] = sorted(VOLATILE)
    report["runs"] = runs
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
