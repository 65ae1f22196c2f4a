"""Resume: the rows are the truth, the journal is evidence; settings that change rows are refused."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dspy
import pytest
from run_helpers import FaultyModel, generations_in, read_lines

from embtaskgen import EmbeddingTaskGenerator
from embtaskgen.brainstorm.stage import RunIdentity
from embtaskgen.errors import ResumeError
from embtaskgen.runs.files import RunFiles
from embtaskgen.runs.runner import run

CATS = ["text-retrieval", "text-classification"]


def make(model: FaultyModel, generations: int = 4, **kwargs) -> EmbeddingTaskGenerator:
    options = {"seed": 5, "lm": model.lm, "num_generations": generations, "concurrency": 1, **kwargs}
    return EmbeddingTaskGenerator(CATS, **options)


def everything(generations: int, per: int = 1):
    return {(c, g): per for c in CATS for g in range(generations)}


def cut_last_line(path, keep: int) -> None:
    """Keep only the first ``keep`` bytes of the file's last line (a torn write)."""
    data = path.read_bytes()
    start = data.rstrip(b"\n").rfind(b"\n") + 1
    path.write_bytes(data[: start + keep])


def drop_last_journal_line(files: RunFiles) -> None:
    lines = files.progress.read_bytes().splitlines(keepends=True)
    files.progress.write_bytes(b"".join(lines[:-1]))


# ------------------------------------------------------------ rows over the journal


def test_torn_last_row_confirmed_by_the_journal_is_called_again(tmp_path):
    """Issue case 3: the journal said ok for the torn row; resume used to trust it (7 of 8, complete)."""
    model = FaultyModel(seed=5, generations=4)
    out = tmp_path / "tasks.jsonl"
    run(make(model), out, progress=False)
    complete = read_lines(out)
    cut_last_line(out, keep=40)
    summary = run(make(model), out, resume=True, progress=False)
    assert (summary.skipped, summary.calls, summary.status) == (7, 1, "complete")
    assert generations_in(read_lines(out)) == everything(4)
    assert read_lines(out) == complete  # same seed, same row


def test_flattened_generation_cut_mid_write_is_removed_and_called_again(tmp_path):
    """Two of three rows of the last generation survived, then a torn third."""
    model = FaultyModel(seed=5, generations=4)
    out = tmp_path / "tasks.jsonl"
    run(make(model, flatten_tasks=True), out, progress=False)
    complete = read_lines(out)
    cut_last_line(out, keep=25)
    summary = run(make(model, flatten_tasks=True), out, resume=True, progress=False)
    assert (summary.skipped, summary.calls, summary.rows, summary.status) == (7, 1, 3, "complete")
    assert generations_in(read_lines(out)) == everything(4, per=3)
    assert read_lines(out) == complete


def test_flattened_rows_without_their_journal_line_are_not_trusted(tmp_path):
    """Killed at a line boundary before the journal line: nothing says the generation is whole."""
    model = FaultyModel(seed=5, generations=4)
    out = tmp_path / "tasks.jsonl"
    run(make(model, flatten_tasks=True), out, progress=False)
    files = RunFiles.for_output(out)
    drop_last_journal_line(files)
    data = out.read_bytes().splitlines(keepends=True)
    out.write_bytes(b"".join(data[:-1]))  # one of the three rows never made it
    summary = run(make(model, flatten_tasks=True), out, resume=True, progress=False)
    assert (summary.calls, summary.status) == (1, "complete")
    assert generations_in(read_lines(out)) == everything(4, per=3)


def test_a_journal_ok_without_rows_is_called_again(tmp_path):
    model = FaultyModel(seed=5, generations=4)
    out = tmp_path / "tasks.jsonl"
    run(make(model), out, progress=False)
    rows = read_lines(out)
    out.write_text(
        "".join(
            json.dumps(r, ensure_ascii=False) + "\n"
            for r in rows
            if (r["category"], r["generation"]) != ("text-retrieval", 1)
        )
    )
    summary = run(make(model), out, resume=True, progress=False)
    assert (summary.skipped, summary.calls, summary.status) == (7, 1, "complete")
    assert generations_in(read_lines(out)) == everything(4)
    assert model.attempts[("text-retrieval", 1)] == 2


def test_deleted_output_is_regenerated_in_full(tmp_path):
    """Issue case 3: a deleted output then --resume said complete with 0 rows."""
    model = FaultyModel(seed=5, generations=4)
    out = tmp_path / "tasks.jsonl"
    run(make(model), out, progress=False)
    complete = read_lines(out)
    out.unlink()
    summary = run(make(model), out, resume=True, progress=False)
    assert (summary.skipped, summary.calls, summary.total_rows, summary.status) == (0, 8, 8, "complete")
    assert read_lines(out) == complete
    headers = [r for r in read_lines(RunFiles.for_output(out).progress) if r["kind"] == "run"]
    assert headers[-1]["rows_reset"] is True


def test_deleted_flattened_output_forgets_generations_that_kept_nothing(tmp_path):
    """Generations whose tasks were all duplicates are done only while the rows they repeat exist."""
    model = FaultyModel(seed=5, generations=4, shared=True)
    out = tmp_path / "tasks.jsonl"
    run(make(model, flatten_tasks=True), out, progress=False)
    assert len(read_lines(out)) == 3
    out.unlink()
    summary = run(make(model, flatten_tasks=True), out, resume=True, progress=False)
    assert (summary.calls, summary.total_rows, summary.status) == (8, 3, "complete")
    again = run(make(model, flatten_tasks=True), out, resume=True, progress=False)
    assert (again.skipped, again.calls) == (8, 0)


def test_parse_failures_stay_final_even_when_the_output_is_gone(tmp_path):
    model = FaultyModel(seed=5, generations=2)
    original = model.engine._reply
    model.engine._reply = lambda request: (
        "no list here" if model.by_rollout[request.config.seed][1] == 1 else original(request)
    )
    out = tmp_path / "tasks.jsonl"
    run(make(model, generations=2), out, progress=False)
    out.unlink()
    summary = run(make(model, generations=2), out, resume=True, progress=False)
    assert (summary.skipped, summary.calls, summary.status) == (2, 2, "complete")


# --------------------------------------------------------- a finished run stays intact


def test_resume_of_a_finished_run_keeps_its_summary_and_writes_nothing(tmp_path):
    """Issue 15: the summary used to be overwritten with zeros."""
    model = FaultyModel(seed=5, generations=4)
    out = tmp_path / "tasks.jsonl"
    first = run(make(model), out, progress=False)
    files = RunFiles.for_output(out)
    before = {path: path.read_bytes() for path in files.all}
    again = run(make(model), out, resume=True, progress=False)
    assert (again.skipped, again.calls, again.status) == (8, 0, "complete")
    assert {path: path.read_bytes() for path in files.all} == before
    assert json.loads(files.summary.read_text())["tasks"] == first.tasks == 24


def test_resume_of_a_finished_run_without_summary_writes_the_true_totals(tmp_path):
    model = FaultyModel(seed=5, generations=4)
    out = tmp_path / "tasks.jsonl"
    run(make(model), out, progress=False)
    files = RunFiles.for_output(out)
    files.summary.unlink()
    run(make(model), out, resume=True, progress=False)
    written = json.loads(files.summary.read_text())
    assert (written["status"], written["total_rows"], written["total_tasks"]) == ("complete", 8, 24)


@pytest.mark.parametrize(("written_flat", "shape"), [(False, "one row per call"), (True, "one row per task")])
def test_a_flatten_mismatch_names_the_files_real_shape(tmp_path, written_flat, shape):
    """Issue 15: a file of one row per call was called "one row per task"."""
    model = FaultyModel(seed=5, generations=4)
    out = tmp_path / "tasks.jsonl"
    run(make(model, generations=1, flatten_tasks=written_flat), out, progress=False)
    RunFiles.for_output(out).progress.unlink()  # no journal: the rows alone must say it
    with pytest.raises(ResumeError, match=rf"flatten: the file has {shape} .*this run has flatten={not written_flat}"):
        run(make(model, generations=1, flatten_tasks=not written_flat), out, resume=True, progress=False)


# ------------------------------------------------------------ settings must match


def _with_demo(gen: EmbeddingTaskGenerator) -> EmbeddingTaskGenerator:
    gen.text_retrieval.demos = [dspy.Example(num_tasks=3, topic="", avoid=[], tasks=["Given a claim, find proof."])]
    return gen


@pytest.mark.parametrize(
    ("field", "change", "shown"),
    [
        ("program", _with_demo, None),
        ("temperature", {"temperature": 0.7}, ("1.0", "0.7")),
        ("few_shot", {"few_shot": 0}, ("2", "0")),
        ("topic_pool", {"topics": ["law", "sports"]}, ("none", "2 topics")),
        ("avoid_archive", {"avoid_archive": 3}, ("0", "3")),
        ("num_tasks", {"num_tasks": 7}, ("20", "7")),
        ("topic", {"topic": "law"}, ("''", "'law'")),
        ("keep_duplicates", {"keep_duplicates": True}, ("False", "True")),
        ("max_tokens", {"max_tokens": 300}, ("none", "300")),
        ("frequency_penalty", {"frequency_penalty": 0.5}, ("none", "0.5", "--frequency-penalty")),
        ("presence_penalty", {"presence_penalty": -1}, ("none", "-1.0", "--presence-penalty")),
        ("adapter", {"adapter": "json"}, ("'auto'", "'StrictJSONAdapter'", "--adapter")),
        ("model_name", "other-model", ("scripted/run-test", "scripted/other")),
    ],
)
def test_resume_refuses_settings_that_change_the_rows(tmp_path, field, change, shown):
    """Issue case 11: these were accepted silently or with a warning."""
    model = FaultyModel(seed=5, generations=4)
    out = tmp_path / "tasks.jsonl"
    run(make(model, generations=2), out, progress=False)
    files = RunFiles.for_output(out)
    before = {path: path.read_bytes() for path in files.all}
    if change == "other-model":
        gen = make(model, lm=dspy.LM("scripted/other", engine=model.engine))
    elif callable(change):
        gen = change(make(model))
    else:
        gen = make(model, **change)
    with pytest.raises(ResumeError, match=f"cannot resume .*: {field}: the file was made with") as refused:
        run(gen, out, resume=True, progress=False)
    if shown is not None:
        assert all(value in str(refused.value) for value in shown), str(refused.value)
    assert {path: path.read_bytes() for path in files.all} == before


def test_resume_refuses_another_api_base(tmp_path, monkeypatch):
    model = FaultyModel(seed=5, generations=2)
    monkeypatch.setattr("embtaskgen.lm.resolve.resolve_lm", lambda spec, **kwargs: model.lm)
    out = tmp_path / "tasks.jsonl"
    first = make(model, generations=2, lm="openai/x", api_base="http://127.0.0.1:1/v1/")
    run(first, out, progress=False)
    journal = RunFiles.for_output(out).progress.read_text()
    assert '"api_base": "http://127.0.0.1:1/v1"' in journal  # credentials are refused at entry (tests/lm)
    other = make(model, generations=2, lm="openai/x", api_base="http://127.0.0.1:2/v1")
    with pytest.raises(ResumeError, match="api_base: the file was made with 'http://127.0.0.1:1/v1', this run has"):
        run(other, out, resume=True, progress=False)


def test_no_repeat_is_part_of_the_identity():
    made = RunIdentity(seed=1, categories=["text-retrieval"], flatten=False, no_repeat=None)
    assert made.mismatch(made.model_copy(update={"no_repeat": 0.0})) == (
        "no_repeat: the file was made with none (the default), this run has 0.0 (--no-repeat)"
    )


def test_an_older_journal_without_the_new_fields_only_warns(tmp_path, caplog):
    model = FaultyModel(seed=5, generations=4)
    out = tmp_path / "tasks.jsonl"
    run(make(model, generations=2), out, progress=False)
    files = RunFiles.for_output(out)
    lines = read_lines(files.progress)
    old = ("seed", "categories", "flatten", "num_tasks", "topic", "model_name", "keep_duplicates")
    lines[0] = {"kind": "run", "version": 1, **{key: lines[0][key] for key in old}, "num_generations": 2}
    files.progress.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with caplog.at_level(logging.WARNING, logger="embtaskgen.runs.journal"):
        summary = run(make(model, temperature=0.5), out, resume=True, progress=False)
    assert summary.status == "complete"
    assert "does not record" in caplog.text and "temperature" in caplog.text
    # The new session recorded everything: from now on a change is refused.
    with pytest.raises(ResumeError, match="temperature: the file was made with 0.5"):
        run(make(model, generations=3), out, resume=True, progress=False)


def test_sigkill_subprocess_then_resume_accounts_every_generation_once(tmp_path):
    """A process killed outright (no Ctrl-C handling): resume repairs and completes the file."""
    out = tmp_path / "tasks.jsonl"
    child = Path(__file__).parent.parent / "run_child.py"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, str(child), str(out), "60"], env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not out.exists() or out.stat().st_size < 1500):
        time.sleep(0.02)
    process.kill()
    assert process.wait(timeout=30) == -signal.SIGKILL
    done = subprocess.run(
        [sys.executable, str(child), str(out), "60", "--resume"], env=env, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert generations_in(read_lines(out)) == {(c, g): 3 for c in CATS for g in range(60)}
    summary = json.loads(done.stdout.decode().splitlines()[-1])
    assert (summary["status"], summary["total_rows"]) == ("complete", 360)
