"""``--executor ray`` on a local Ray instance against loopback OpenAI-compatible servers.

One Ray instance (2 CPUs, 127.0.0.1, no dashboard) serves the module and is shut down at
the end. The servers are ``tests/openai_stub.py`` (fixed latency, scripted failures) and,
in one test, ``llama_cpp.server`` with the embedded model.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections import Counter

import pytest
from click.testing import CliRunner
from openai_stub import OpenAIStub, chat_tasks_reply

from embtaskgen import EmbeddingExampleGenerator, EmbeddingTaskGenerator, read_jsonl, run
from embtaskgen.cli.main import main
from embtaskgen.execute.faults import RetryPolicy

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("local_ray")]

CATEGORIES = ["text-retrieval", "text-matching-short"]


def _generator(stub: OpenAIStub, generations: int = 6, **kwargs) -> EmbeddingTaskGenerator:
    options = {
        "num_generations": generations,
        "seed": 11,
        "lm": "openai/stub",
        "api_base": stub.base_url,
        "concurrency": 4,
        "flatten_tasks": True,
        "num_tasks": 5,
    }
    options.update(kwargs)
    return EmbeddingTaskGenerator(CATEGORIES, **options)


def _rows(path) -> list[str]:
    return sorted(json.dumps(row, sort_keys=True) for row in read_jsonl(path))


def _generations(path) -> Counter:
    return Counter((row["category"], row["generation"]) for row in read_jsonl(path) if row.get("task_index", 0) == 0)


_WORDS = [
    "tax",
    "river",
    "vaccine",
    "poetry",
    "tennis",
    "bridge",
    "salary",
    "volcano",
    "jazz",
    "orbit",
    "wheat",
    "court",
    "glacier",
    "opera",
    "router",
    "bakery",
    "lung",
    "mortgage",
    "falcon",
    "harbor",
    "chess",
    "coral",
    "lawsuit",
    "violin",
    "rocket",
    "cheese",
    "malaria",
    "pension",
    "tundra",
    "sonnet",
    "cricket",
    "tariff",
]
_TEMPLATES = [
    "Find {0} articles that answer a question about {1} and {2}.",
    "Given a user query on {0}, retrieve {1} documents that mention {2}.",
    "Match complaints about {0} with support answers on {1} or {2}.",
    "Rank reviews of {0} by how well they address a {1} question from {2} fans.",
    "Retrieve abstracts on {0} relevant to a claim concerning {1} near a {2}.",
]


def _per_call(body: dict, key: object = None) -> tuple[int, str]:
    """Tasks that differ per call (the request's sampling seed is the call's rollout id)."""
    digest = hashlib.sha256(str(body.get("seed") if key is None else key).encode()).hexdigest()
    words = [_WORDS[int(digest[k : k + 4], 16) % len(_WORDS)] for k in range(0, 60, 4)]
    tasks = [template.format(*words[3 * i : 3 * i + 3]) for i, template in enumerate(_TEMPLATES)]
    return 200, f"[[ ## tasks ## ]]\n{json.dumps(tasks)}\n\n[[ ## completed ## ]]"


def test_the_same_rows_with_the_local_runner_and_with_ray_on_one_or_two_workers(tmp_path):
    with OpenAIStub(mode=_per_call, delay=0.05) as stub:
        gen = _generator(stub)
        local = run(gen, tmp_path / "local.jsonl", progress=False)
        one = run(gen, tmp_path / "one", progress=False, executor="ray", ray_workers=1)
        result = CliRunner().invoke(
            main,
            [
                "generate",
                "-c",
                CATEGORIES[0],
                "-c",
                CATEGORIES[1],
                "-n",
                "6",
                "--seed",
                "11",
                "-m",
                "openai/stub",
                "--api-base",
                stub.base_url,
                "--concurrency",
                "4",
                "--flatten",
                "--num-tasks",
                "5",
                "--no-cache",
                "--no-progress",
                "--executor",
                "ray",
                "--ray-workers",
                "2",
                "--format",
                "parquet",
                "-o",
                str(tmp_path / "two"),
            ],
        )
    assert result.exit_code == 0, result.output
    assert local.ok == one.ok == 12 and one.status == "complete" and one.tasks == local.tasks == 60
    assert _rows(tmp_path / "local.jsonl") == _rows(tmp_path / "one") == _rows(tmp_path / "two")
    assert all(p.suffix == ".parquet" for p in (tmp_path / "two").glob("part-*"))
    summary = json.loads((tmp_path / "two" / "_summary.json").read_text())
    assert summary["ok"] == 12 and summary["output"] == str(tmp_path / "two") and summary["concurrency"] == 4
    # readers take the folder: report, examples --tasks
    report = CliRunner().invoke(main, ["report", str(tmp_path / "two")])
    assert report.exit_code == 0 and "text-retrieval" in report.output
    assert len(EmbeddingExampleGenerator(kinds="text-retrieval", lm="openai/stub").plan(tmp_path / "two")) == 30


def test_duplicates_across_generations_are_dropped_in_plan_order(tmp_path):
    def repeating(body: dict) -> tuple[int, str]:  # one call in three repeats another's tasks
        seed = int(body.get("seed") or 0)
        return _per_call(body, key=seed % 2 if seed % 3 == 0 else seed)

    with OpenAIStub(mode=repeating, delay=0.02) as stub:
        local = run(_generator(stub, concurrency=8), tmp_path / "local.jsonl", progress=False)
        on_ray = run(_generator(stub), tmp_path / "ray", progress=False, executor="ray", ray_workers=2)
    assert on_ray.duplicates == local.duplicates > 0
    assert _rows(tmp_path / "ray") == _rows(tmp_path / "local.jsonl")


def _scripted(body: dict) -> tuple[int, str]:
    """Per prompt: a 400 (final error), a list that does not parse, or tasks; a 500 on the first try of some."""
    text = json.dumps(body.get("messages"), sort_keys=True)
    digest = int(hashlib.sha256(text.encode()).hexdigest(), 16)
    if digest % 5 == 0:
        return 400, "bad request"
    if digest % 5 == 1:
        return 200, "[[ ## tasks ## ]]\nnot a list\n\n[[ ## completed ## ]]"
    if digest % 5 == 2:
        with _FIRST_LOCK:
            first = text not in _FIRST
            _FIRST.add(text)
        if first:
            return 500, "try again"
    return _per_call(body)


_FIRST: set[str] = set()
_FIRST_LOCK = threading.Lock()


def test_failures_are_accounted_as_the_local_runner_accounts_them(tmp_path):
    with OpenAIStub(mode=_scripted) as stub:
        gen = _generator(stub, generations=8)
        local = run(gen, tmp_path / "local.jsonl", progress=False, retry=RetryPolicy(attempts=0))
        _FIRST.clear()
        ray_run = run(gen, tmp_path / "ray", progress=False, retry=RetryPolicy(attempts=0), executor="ray")
    assert local.errors > 0 and local.parse_failures > 0 and local.ok > 0
    fields = ("ok", "errors", "parse_failures", "failed", "remaining", "status", "errors_by_type", "tasks")
    assert {f: getattr(ray_run, f) for f in fields} == {f: getattr(local, f) for f in fields}
    failures = [json.loads(line) for line in (tmp_path / "ray" / "_failures.jsonl").read_text().splitlines()]
    local_failures = read_jsonl(tmp_path / "local.jsonl.failures.jsonl")
    assert sorted((f["category"], f["generation"], f["reason"]) for f in failures) == sorted(
        (f["category"], f["generation"], f["reason"]) for f in local_failures
    )
    assert _rows(tmp_path / "ray") == _rows(tmp_path / "local.jsonl")


def _map_workers() -> list:
    import psutil

    return [
        p
        for p in psutil.Process().children(recursive=True)
        if "MapWorker" in " ".join(p.cmdline() if p.is_running() else [])
    ]


def test_a_worker_killed_mid_run_loses_no_generation_and_duplicates_none(tmp_path):
    killed: list[int] = []
    with OpenAIStub(mode=_per_call, delay=0.3) as stub:
        gen = _generator(stub, generations=20)

        def kill_one() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and stub.calls < 6:
                time.sleep(0.05)
            workers = _map_workers()  # only processes this test started (children of our Ray)
            if workers:
                killed.append(workers[0].pid)
                workers[0].kill()

        killer = threading.Thread(target=kill_one)
        killer.start()
        summary = run(gen, tmp_path / "out", progress=False, executor="ray", ray_workers=2)
        killer.join()
    assert killed, "no Ray worker process was found to kill"
    assert summary.status == "complete" and summary.ok == 40 and summary.failed == 0
    counts = _generations(tmp_path / "out")
    assert len(counts) == 40 and set(counts.values()) == {1}
    assert stub.calls > 40  # the killed worker's batch was made again


def test_resume_calls_only_the_generations_not_written(tmp_path):
    down = {"on": True}

    def flaky(body: dict) -> tuple[int, str]:
        digest = int(hashlib.sha256(json.dumps(body.get("messages")).encode()).hexdigest(), 16)
        if down["on"] and digest % 3 == 0:
            return 401, "no key"
        return _per_call(body)

    with OpenAIStub(mode=flaky) as stub:
        gen = _generator(stub, generations=6)
        first = run(gen, tmp_path / "out", progress=False, executor="ray")
        assert first.status == "partial" and first.errors > 0
        before = stub.calls
        down["on"] = False
        second = run(gen, tmp_path / "out", progress=False, executor="ray", resume=True)
        assert stub.calls - before == first.errors
        third = run(gen, tmp_path / "out", progress=False, executor="ray", resume=True)
    assert second.status == "complete" and second.skipped == first.ok and second.retried_earlier == first.errors
    assert third.calls == 0 and third.status == "complete"
    counts = _generations(tmp_path / "out")
    assert len(counts) == 12 and set(counts.values()) == {1}


def test_a_torn_shard_is_resumed_to_the_rows_of_a_clean_run_and_no_command_leaves_a_hidden_file(tmp_path, monkeypatch):
    """Issue #21 case 5: a shard cut mid-line made --resume exit 1 and left .rows-of-all-shards.jsonl."""
    monkeypatch.setattr("embtaskgen.runs.ray.executor.SHARD_CALLS", 4)  # 12 generations: three shards
    monkeypatch.setattr("embtaskgen.runs.ray.executor.SHARD_SECONDS", 1e9)  # not one more on a slow, busy machine
    out = tmp_path / "out"
    with OpenAIStub(mode=_per_call) as stub:
        gen = _generator(stub)
        run(gen, tmp_path / "local.jsonl", progress=False)
        run(gen, out, progress=False, executor="ray")
        shards = sorted(out.glob("part-*.jsonl"))
        assert len(shards) == 3
        shards[-1].write_bytes(shards[-1].read_bytes()[:-30])  # the last generation's last row torn
        before = stub.calls
        resumed = run(gen, out, progress=False, executor="ray", resume=True)
        assert stub.calls - before == 1 and resumed.status == "complete"
    joined = b"".join(path.read_bytes() for path in sorted(out.glob("part-*.jsonl")))
    assert joined == (tmp_path / "local.jsonl").read_bytes()  # same seed, same rows, same order
    runner = CliRunner()
    for args in (["report", str(out)], ["dedup", str(out), "-o", str(tmp_path / "kept.jsonl")]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
    assert [name for name in os.listdir(out) if name.startswith(".")] == []


def test_examples_run_on_ray_from_a_folder_of_tasks(tmp_path):
    def answer(body: dict) -> tuple[int, str]:
        digest = hashlib.sha256(json.dumps(body.get("messages")).encode()).hexdigest()[:8]
        text = json.dumps(body.get("messages"))
        if "S1" in text:
            fields = {"S1": f"The cat {digest} sits.", "S2": f"A cat {digest} is sitting.", "S3": f"Rain {digest}."}
        else:
            return 200, chat_tasks_reply(body)
        return 200, "".join(f"[[ ## {k} ## ]]\n{v}\n\n" for k, v in fields.items()) + "[[ ## completed ## ]]"

    with OpenAIStub(mode=answer) as stub:
        gen = EmbeddingExampleGenerator(
            kinds="sts", count=6, seed=3, lm="openai/stub", api_base=stub.base_url, concurrency=2
        )
        local = run(gen, tmp_path / "local.jsonl", tasks=None, progress=False)
        on_ray = run(gen, tmp_path / "ray", tasks=None, progress=False, executor="ray", format="parquet")
    assert local.ok == on_ray.ok == 6
    assert _rows(tmp_path / "ray") == _rows(tmp_path / "local.jsonl")


def test_the_embedded_model_served_by_llama_cpp_server_through_ray(tmp_path):
    pytest.importorskip("llama_cpp.server", reason="needs llama-cpp-python[server]")
    from llama_server import llama_server

    with llama_server("smollm2", tmp_path / "server.log") as base:
        gen = EmbeddingTaskGenerator(
            "text-retrieval",
            num_generations=2,
            seed=2,
            lm="openai/smollm2",
            api_base=base,
            num_tasks=3,
            max_tokens=300,
            concurrency=1,
        )
        summary = run(gen, tmp_path / "out", progress=False, executor="ray", ray_workers=1)
    assert summary.calls == 2 and summary.ok + summary.parse_failures == 2
    rows = read_jsonl(tmp_path / "out")
    assert all(row["model_name"] == "openai/smollm2" for row in rows)
