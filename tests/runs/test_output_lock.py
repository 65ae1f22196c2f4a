"""One writer per output: a second run on a held output exits 2 naming the holder, or waits.

The holder is ``embtaskgen generate`` in a child process against the scripted loopback
server, its calls held until the test releases them; a second run is the command in this
process. Issue 21, case 6: before, both ran, and every generation was written twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import dspy
import pytest
from click.testing import CliRunner
from openai_stub import OpenAIStub, chat_tasks_reply

from embtaskgen import EmbeddingTaskGenerator
from embtaskgen.cli.main import main
from embtaskgen.errors import ConfigError
from embtaskgen.runs.runner import run

pytestmark = pytest.mark.skipif(not Path("/proc/locks").exists(), reason="names the holder from /proc/locks")


def _until(condition: Callable[[], object], what: str) -> None:
    """Wait (at most a minute) for ``condition``; fail naming ``what`` otherwise."""
    deadline = time.monotonic() + 60
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        time.sleep(0.05)


@contextlib.contextmanager
def _holding(path: Path) -> Iterator[None]:
    """Hold ``path``'s lock from this process, as a run does (``flock`` on its journal, or on a folder)."""
    fd = os.open(path, os.O_RDONLY | (0 if path.is_dir() else os.O_CREAT), 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _args(base_url: str, out: Path, *extra: str) -> list[str]:
    return [
        "generate",
        *("-m", "openai/stub", "--api-base", base_url, "-o", str(out), "-c", "text-retrieval", "-n", "2"),
        *("--seed", "1", "--concurrency", "1", "--no-progress", "--no-cache", *extra),
    ]


def _generations(out: Path) -> list[int]:
    return sorted(json.loads(line)["generation"] for line in out.read_text().splitlines())


@pytest.fixture
def held(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    """``generate -o tasks.jsonl`` in a child process, holding the output: no answer until ``release`` is set."""
    release = threading.Event()

    def answer(body: dict) -> tuple[int, str]:
        release.wait(30)
        return 200, chat_tasks_reply(body)

    monkeypatch.setenv("OPENAI_API_KEY", "etg-lock-test-key")
    out = tmp_path / "tasks.jsonl"
    env = {**os.environ, "DSPY_CACHEDIR": str(tmp_path / "dspy-cache")}
    with OpenAIStub(answer) as stub:
        command = [sys.executable, "-m", "embtaskgen.cli.main", *_args(stub.base_url, out)]
        child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _until(lambda: stub.requests, "the child's first call")  # it holds the lock from before its calls
            yield SimpleNamespace(child=child, stub=stub, out=out, release=release)
        finally:
            release.set()
            child.kill()
            child.wait()


def test_a_second_run_exits_2_naming_the_holder_and_a_killed_holders_lock_is_taken_over(held):
    second = CliRunner().invoke(main, _args(held.stub.base_url, held.out))
    assert second.exit_code == 2, second.output
    assert f"is being written by process {held.child.pid}" in second.output
    assert "pass --wait-lock to wait, or choose another path" in second.output
    assert held.out.read_text() == "" and len(held.stub.requests) == 1  # the second run called nothing
    held.child.kill()  # SIGKILL: the kernel drops its lock with the process
    held.child.wait()
    held.release.set()
    third = CliRunner().invoke(main, _args(held.stub.base_url, held.out, "--resume"))
    assert third.exit_code == 0, third.output
    assert _generations(held.out) == [0, 1]


def test_wait_lock_waits_for_the_holder_then_resumes_what_it_finished(held, caplog):
    done: dict[str, object] = {}
    args = _args(held.stub.base_url, held.out, "--resume", "--wait-lock")
    waiter = threading.Thread(target=lambda: done.update(result=CliRunner().invoke(main, args)))
    waiter.start()
    _until(lambda: f"written by process {held.child.pid}" in caplog.text, "the second run waiting")
    assert "waiting for it to finish" in caplog.text and "result" not in done
    held.release.set()
    assert held.child.wait(timeout=60) == 0
    waiter.join(60)
    result = done["result"]
    assert result.exit_code == 0, result.output
    assert "calls=0 " in result.stderr  # it waited, then found the run finished
    assert _generations(held.out) == [0, 1]  # each generation written once


def test_a_ray_run_on_a_held_folder_is_refused_before_anything_runs(tmp_path):
    folder = tmp_path / "shards"
    folder.mkdir()
    lm = dspy.utils.DummyLM([{"tasks": '["Retrieve news articles."]'}])
    gen = EmbeddingTaskGenerator("text-retrieval", seed=1, lm=lm, avoid_archive=0)
    with _holding(folder / "_progress.jsonl"):
        with pytest.raises(ConfigError, match=f"{folder} is being written by process {os.getpid()}"):
            run(gen, folder, executor="ray", progress=False)
        assert sorted(p.name for p in folder.iterdir()) == ["_progress.jsonl"]


def test_a_pipeline_on_a_held_folder_exits_2_and_writes_nothing(tmp_path, monkeypatch):
    from run_helpers import FaultyModel

    model = FaultyModel(seed=1, generations=1)
    monkeypatch.setattr("embtaskgen.lm.resolve.resolve_lm", lambda spec, **kwargs: model.lm)
    folder = tmp_path / "out"
    folder.mkdir()
    with _holding(folder):
        args = ["pipeline", "-c", "text-retrieval", "-m", "openai/x", "--seed", "1", "--no-progress", "-o", str(folder)]
        result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert f"{folder} is being written by process {os.getpid()}" in result.output
    assert list(folder.iterdir()) == [] and sum(model.attempts.values()) == 0


def test_what_the_lock_created_is_removed_when_the_run_is_refused(tmp_path):
    from embtaskgen.runs.output_lock import hold_output

    journal = tmp_path / "new" / "out.jsonl.progress.jsonl"
    with pytest.raises(ConfigError), hold_output(journal):
        raise ConfigError("refused before writing anything")
    assert not journal.parent.exists()
    journal.parent.mkdir()
    journal.write_text('{"kind": "run"}\n')
    with pytest.raises(ConfigError), hold_output(journal):
        raise ConfigError("refused")
    assert journal.read_text() == '{"kind": "run"}\n'  # not created by the lock: kept
