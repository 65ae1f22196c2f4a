"""`embtaskgen generate` against real HTTP servers on loopback: exit statuses, no key leaked.

Every test runs the command against ``tests/openai_stub.py`` (or an address nobody
listens on) with ``OPENAI_API_KEY`` set to a recognisable fake key, and checks the exit
status (0 all ok, 1 some failed, 3 none ok) and that the key is in no file the run
wrote and nowhere on stdout or stderr. Tests of retried faults (503, connection
refused) run in-process with DSPy's and the run's retries switched off; the others run
the command as a user does, in a subprocess, with ``-vv`` so that every log line is
checked too.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import dspy
import pytest
from click.testing import CliRunner
from openai_stub import OpenAIStub, chat_tasks_reply

import embtaskgen.lm.resolve as resolve
from embtaskgen.cli.main import main
from embtaskgen.cli.options import RedactingFilter, install_redaction, run_exit_status
from embtaskgen.execute.faults import RetryPolicy

KEY = "etg-cli-test-key-5e8a1d2c7b"  # not sk-shaped: only the environment step of redaction finds it
UNREACHABLE = "http://127.0.0.1:9/v1"  # the discard port: nothing listens there


def _refuse(status: int = 401):
    """A stub answering ``status`` with an error that quotes the key back, as some servers do."""
    return OpenAIStub(
        "status", status=status, answer=f"Incorrect API key provided: {KEY}. You can find your key at ..."
    )


def _every_other_refused():
    """A stub that answers every even request and refuses every odd one (quoting the key)."""
    count, lock = itertools.count(), threading.Lock()

    def mode(body):
        with lock:
            n = next(count)
        return (200, chat_tasks_reply(body)) if n % 2 == 0 else (401, f"Incorrect API key provided: {KEY}")

    return OpenAIStub(mode)


def _generate_args(api_base: str, out: Path, *extra: str) -> list[str]:
    return [
        "generate",
        "-m",
        "openai/stub",
        "--api-base",
        api_base,
        "-o",
        str(out),
        "--no-progress",
        "--seed",
        "1",
        "-c",
        "text-retrieval",
        *extra,
    ]


def _cli(tmp_path: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it (its own process, its own DSPy disk cache)."""
    env = {**os.environ, "OPENAI_API_KEY": KEY, "DSPY_CACHEDIR": str(tmp_path / "dspy-cache")}
    env.pop("LITELLM_LOCAL_MODEL_COST_MAP", None)  # the command sets it itself
    return subprocess.run(
        [sys.executable, "-m", "embtaskgen.cli.main", "-vv", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _written(tmp_path: Path) -> dict[str, str]:
    """Every file the run wrote (the DSPy cache aside)."""
    return {
        str(p.relative_to(tmp_path)): p.read_text(encoding="utf-8", errors="replace")
        for p in tmp_path.rglob("*")
        if p.is_file() and "dspy-cache" not in p.parts
    }


def _assert_no_key(tmp_path: Path, *streams: str) -> None:
    files = _written(tmp_path)
    assert files, "the run wrote no file"
    for name, text in files.items():
        assert KEY not in text, f"the key leaked into {name}"
    for text in streams:
        assert KEY not in text, "the key leaked into stdout/stderr"


def _summary(out: Path) -> dict:
    return json.loads(out.with_name(out.name + ".summary.json").read_text())


def _failures(out: Path) -> list[dict]:
    return [json.loads(line) for line in out.with_name(out.name + ".failures.jsonl").read_text().splitlines()]


@pytest.fixture
def quick_retries(monkeypatch):
    """No DSPy retries inside a call and no run-level retries: a 503 fails at once."""
    resolve_lm = resolve.resolve_lm

    def resolve_without_retries(*args, **kwargs):
        lm = resolve_lm(*args, **kwargs)
        return lm.copy(num_retries=0) if isinstance(lm, dspy.LM) else lm

    @dataclass(frozen=True)
    class NoRetry(RetryPolicy):
        attempts: int = 0

    monkeypatch.setattr(resolve, "resolve_lm", resolve_without_retries)
    monkeypatch.setattr("embtaskgen.runs.runner.RetryPolicy", NoRetry)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


# ------------------------------------------------------------------ as a user runs it


def test_every_call_refused_exits_3_and_the_quoted_key_is_nowhere(tmp_path):
    out = tmp_path / "out.jsonl"
    with _refuse(401) as stub:
        done = _cli(tmp_path, _generate_args(stub.base_url, out, "-n", "2"))
        assert stub.calls == 2
        assert stub.requests[0]["headers"]["Authorization"] == f"Bearer {KEY}"  # the key did reach the server
    assert done.returncode == 3, done.stderr[-3000:]
    assert out.read_text() == ""
    summary = _summary(out)
    assert (summary["ok"], summary["failed"], summary["errors_by_type"]) == (0, 2, {"LMAuthError": 2})
    failures = _failures(out)
    assert len(failures) == 2 and all("Incorrect API key provided: [REDACTED]" in f["error"] for f in failures)
    assert "Incorrect API key provided: [REDACTED]" in done.stderr  # the -vv log line, redacted
    assert "all 2 generations failed (LMAuthError x2)" in done.stderr
    _assert_no_key(tmp_path, done.stdout, done.stderr)


def test_some_calls_refused_exits_1_the_file_holds_the_others(tmp_path):
    out = tmp_path / "out.jsonl"
    with _every_other_refused() as stub:
        done = _cli(tmp_path, _generate_args(stub.base_url, out, "-n", "4", "--concurrency", "1"))
        assert stub.calls == 4
    assert done.returncode == 1, done.stderr[-3000:]
    summary = _summary(out)
    assert (summary["ok"], summary["failed"], summary["status"]) == (2, 2, "partial")
    assert len(out.read_text().splitlines()) == 2 and len(_failures(out)) == 2
    assert "2 of 4 generations failed (LMAuthError x2)" in done.stderr
    _assert_no_key(tmp_path, done.stdout, done.stderr)


def test_every_call_answered_exits_0(tmp_path):
    out = tmp_path / "out.jsonl"
    with OpenAIStub() as stub:
        done = _cli(tmp_path, _generate_args(stub.base_url, out, "-n", "2", "--flatten"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(out.read_text().splitlines()) == 10  # 2 calls x 5 tasks
    assert _summary(out)["status"] == "complete"
    assert "generations failed" not in done.stderr
    _assert_no_key(tmp_path, done.stdout, done.stderr)


def test_a_server_that_echoes_the_key_gets_it_redacted_in_rows_journal_and_cache(tmp_path):
    out = tmp_path / "out.jsonl"
    with OpenAIStub("echo") as stub:
        done = _cli(tmp_path, _generate_args(stub.base_url, out, "-n", "2", "--flatten", "--cache"))
    assert done.returncode == 0, done.stderr[-3000:]
    tasks = [json.loads(line)["task"] for line in out.read_text().splitlines()]
    assert "Given a request signed Bearer [REDACTED], retrieve its audit log." in tasks
    _assert_no_key(tmp_path, done.stdout, done.stderr)
    cache = [p for p in (tmp_path / "dspy-cache").rglob("*") if p.is_file()]
    assert all(KEY.encode() not in p.read_bytes() for p in cache)  # nothing a run is sent is cached


def test_a_topic_holding_the_key_exits_2_before_any_call_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    out = tmp_path / "out.jsonl"
    with OpenAIStub() as stub:
        result = CliRunner().invoke(main, _generate_args(stub.base_url, out, "-n", "2", "--topic", f"keys like {KEY}"))
        assert stub.calls == 0
    assert result.exit_code == 2, result.output
    assert "holds the API key" in result.output and KEY not in result.output
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ retried faults, in-process


@pytest.mark.parametrize("server", ["503", "unreachable"])
def test_a_failing_server_exits_3(tmp_path, quick_retries, server):
    out = tmp_path / "out.jsonl"
    if server == "503":
        with _refuse(503) as stub:
            result = CliRunner().invoke(main, _generate_args(stub.base_url, out, "-n", "2"))
            assert stub.calls == 2  # one request per generation: no retry in this test
        expected = "LMServerError"
    else:
        result = CliRunner().invoke(main, _generate_args(UNREACHABLE, out, "-n", "2"))
        expected = "LMTransportError"
    assert result.exit_code == 3, result.output
    assert _summary(out)["errors_by_type"] == {expected: 2}
    assert f"all 2 generations failed ({expected} x2)" in result.stderr
    _assert_no_key(tmp_path, result.stdout, result.stderr)


def test_a_missing_key_exits_3(tmp_path, quick_retries, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        main,
        [
            "generate",
            "-m",
            "openai/gpt-4o-mini",
            "-o",
            str(out),
            "--no-progress",
            "--seed",
            "1",
            "-c",
            "text-retrieval",
        ],
    )
    assert result.exit_code == 3, result.output
    assert "OPENAI_API_KEY" in _failures(out)[0]["error"]


def test_an_unknown_provider_exits_3(tmp_path, quick_retries):
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        main,
        [
            "generate",
            "-m",
            "nosuchprovider/model",
            "-o",
            str(out),
            "--no-progress",
            "--seed",
            "1",
            "-c",
            "text-retrieval",
        ],
    )
    assert result.exit_code == 3, result.output
    assert _summary(out)["ok"] == 0


def test_answers_that_never_parse_count_as_failed(tmp_path, quick_retries):
    out = tmp_path / "out.jsonl"
    with OpenAIStub("raw", answer="I would rather not.") as stub:
        result = CliRunner().invoke(main, _generate_args(stub.base_url, out, "-n", "2"))
    assert result.exit_code == 3, result.output
    assert _summary(out)["parse_failures"] == 2


def test_max_failures_stops_with_1_after_some_ok_and_3_after_none(tmp_path, quick_retries):
    some = tmp_path / "some.jsonl"
    with _every_other_refused() as stub:
        result = CliRunner().invoke(
            main, _generate_args(stub.base_url, some, "-n", "6", "--concurrency", "1", "--max-failures", "1")
        )
    assert result.exit_code == 1, result.output
    summary = _summary(some)
    assert summary["status"] == "aborted" and summary["ok"] >= 1 and summary["remaining"] > 0
    none = tmp_path / "none.jsonl"
    with _refuse(401) as stub:
        result = CliRunner().invoke(
            main, _generate_args(stub.base_url, none, "-n", "6", "--concurrency", "1", "--max-failures", "1")
        )
    assert result.exit_code == 3, result.output
    assert _summary(none)["status"] == "aborted"
    assert KEY not in result.stderr and KEY not in result.stdout


def test_a_resume_with_nothing_left_exits_0(tmp_path, quick_retries):
    out = tmp_path / "out.jsonl"
    with OpenAIStub() as stub:
        first = CliRunner().invoke(main, _generate_args(stub.base_url, out, "-n", "2"))
        again = CliRunner().invoke(main, [*_generate_args(stub.base_url, out, "-n", "2"), "--resume"])
    assert (first.exit_code, again.exit_code) == (0, 0), again.output


# ------------------------------------------------------------------ a run uses no cache


def test_a_run_neither_reads_nor_writes_dspys_cache_and_cache_is_ignored(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    assert dspy.cache.enable_memory_cache  # conftest: a fresh memory cache, empty
    with OpenAIStub(answer='["Given a claim, retrieve evidence from server A."]') as a:
        for name in ("a", "a-again"):
            args = _generate_args(a.base_url, tmp_path / f"{name}.jsonl", "-n", "2", "--cache")
            result = CliRunner().invoke(main, args)
            assert result.exit_code == 0, result.output
        assert a.calls == 4  # the rerun asked again: resume, not the cache, continues a run
    assert len(dspy.cache.memory_cache) == 0
    assert "--cache is ignored" in caplog.text


# ------------------------------------------------------------------ usage errors and the pieces


@pytest.mark.parametrize("api_base", ["", "ftp://host/v1", "127.0.0.1:8000/v1", "http://h:99999/v1"])
def test_a_bad_api_base_is_a_usage_error_and_writes_nothing(tmp_path, api_base):
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, _generate_args(api_base, out))
    assert result.exit_code == 2, result.output
    assert "api_base" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("extra", [(), ("--api-base", "http://127.0.0.1:8001/v1")])
def test_credentials_in_api_base_exit_2_at_once_naming_the_key_variable_and_never_the_password(tmp_path, extra):
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, _generate_args("http://user:hunter2pw@127.0.0.1:8000/v1", out, *extra))
    assert result.exit_code == 2, result.output
    assert "must not hold credentials" in result.output and "OPENAI_API_KEY" in result.output
    assert "hunter2pw" not in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("summary", "status"),
    [
        (SimpleNamespace(status="complete", ok=4, failed=0, remaining=0), 0),
        (SimpleNamespace(status="complete", ok=0, failed=0, remaining=0), 0),  # a resume with nothing left
        (SimpleNamespace(status="complete", ok=3, failed=1, remaining=0), 1),  # a parse failure
        (SimpleNamespace(status="partial", ok=3, failed=1, remaining=1), 1),
        (SimpleNamespace(status="aborted", ok=2, failed=3, remaining=5), 1),
        (SimpleNamespace(status="aborted", ok=2, failed=0, remaining=5), 1),  # a write failed
        (SimpleNamespace(status="partial", ok=0, failed=4, remaining=4), 3),
        (SimpleNamespace(status="complete", ok=0, failed=4, remaining=0), 3),  # nothing parsed
        (SimpleNamespace(status="aborted", ok=0, failed=1, remaining=4), 3),
        (SimpleNamespace(status="interrupted", ok=0, failed=0, remaining=4), 130),
    ],
)
def test_run_exit_status(summary, status):
    assert run_exit_status(summary) == status


@pytest.mark.parametrize(
    ("summary", "status"),
    [
        (SimpleNamespace(status="complete", ok=3, failed=1, invalid=1, remaining=0), 0),
        (SimpleNamespace(status="complete", ok=0, failed=4, invalid=4, remaining=0), 0),  # every example refused
        (SimpleNamespace(status="complete", ok=2, failed=2, invalid=1, remaining=0), 1),  # and a parse failure
        (SimpleNamespace(status="partial", ok=0, failed=4, invalid=2, remaining=2), 1),  # answered, and errors
        (SimpleNamespace(status="aborted", ok=0, failed=3, invalid=3, remaining=5), 1),  # --max-failures stopped it
        (SimpleNamespace(status="partial", ok=0, failed=4, invalid=0, remaining=4), 3),
    ],
)
def test_invalid_examples_do_not_set_the_exit_status(summary, status):
    assert run_exit_status(summary) == status


def test_the_filter_redacts_messages_arguments_and_tracebacks(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    try:
        raise RuntimeError(f"server said {KEY}")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed: %s (%d)", (KEY, 401), sys.exc_info())
    assert RedactingFilter().filter(record)
    text = logging.Formatter("%(message)s").format(record)
    assert KEY not in text
    assert "failed: [REDACTED] (401)" in text and "server said [REDACTED]" in text


def test_every_handler_gets_the_filter_once():
    install_redaction()
    install_redaction()
    dspy_handlers = logging.getLogger("dspy").handlers
    assert dspy_handlers  # DSPy logs through its own handler, which does not propagate to root
    for handler in dspy_handlers + logging.getLogger().handlers:
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1


def test_an_answer_over_the_size_limit_is_a_failure_by_reason_never_retried(tmp_path, monkeypatch):
    """Issue 21: a 500 MB answer was read whole (2.66 GB peak) and cached; an endless one grew without end."""
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    out = tmp_path / "out.jsonl"
    with OpenAIStub("huge", size=None) as stub:
        result = CliRunner().invoke(
            main, _generate_args(stub.base_url, out, "-n", "2", "--max-response-bytes", "100000")
        )
        assert stub.calls == 2  # one request per generation: not retried
    assert result.exit_code == 3, result.output
    assert _summary(out)["errors_by_type"] == {"ResponseTooLarge": 2}
    assert all("--max-response-bytes" in failure["error"] for failure in _failures(out))


@pytest.mark.parametrize("command", ["generate", "examples", "optimize", "evaluate"])
@pytest.mark.parametrize(
    ("option", "value"), [("--timeout", "0"), ("--timeout", "soon"), ("--max-response-bytes", "0")]
)
def test_a_bad_timeout_or_size_limit_exits_2_on_every_command_that_calls_a_model(tmp_path, command, option, value):
    result = CliRunner().invoke(main, [command, "-m", "openai/stub", option, value, "-o", str(tmp_path / "o.json")])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.output  # the option exists and names its valid range
