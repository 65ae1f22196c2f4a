"""Stage-2 runs (run with an example generator): streaming, failures with raw text, resume mid-run, refusals."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading

import pytest
from scripted import prompt_text, scripted_lm

from embtaskgen.cli.options import run_exit_status
from embtaskgen.errors import ConfigError, ResumeError, RunAborted
from embtaskgen.examples.generator import EmbeddingExampleGenerator
from embtaskgen.runs.files import RunFiles
from embtaskgen.runs.runner import run

TASKS = [
    ("text-classification", "Classify a product review by sentiment."),
    ("text-classification", "Tag a news headline with its topic."),
]


def _answer(fields: dict[str, str]) -> str:
    return "".join(f"[[ ## {k} ## ]]\n{v}\n\n" for k, v in fields.items()) + "[[ ## completed ## ]]"


def reply(request) -> str:
    """A valid example for whatever kind the prompt asks, different per prompt."""
    text = prompt_text(request)
    d = hashlib.sha256(text.encode()).hexdigest()[:8]
    if "[[ ## S1 ## ]]" in text:
        return _answer(
            {
                "S1": f"The cat {d} sits on the mat.",
                "S2": f"A cat {d} is sitting on a mat.",
                "S3": f"Stock prices {d} fell sharply.",
            }
        )
    return _answer(
        {
            "input_text": f"The battery {d} lasts two days and the screen is bright.",
            "label": "favourable",
            "misleading_label": "unfavourable",
        }
    )


def failing_after(n: int, error: type[Exception] = ValueError):
    """Valid answers for the first ``n`` calls, then errors (not retried by the run)."""
    count, lock = itertools.count(), threading.Lock()

    def answer(request) -> str:
        with lock:
            k = next(count)
        if k >= n:
            raise error("model is down")
        return reply(request)

    return answer


def make(answer=reply, **kwargs) -> EmbeddingExampleGenerator:
    # Latin-script languages: the English replies are then in the script bitext asks for.
    options = {
        "kinds": ["text-classification", "sts", "bitext"],
        "examples_per_task": 2,
        "count": 2,
        "seed": 5,
        "concurrency": 1,
        "languages": ["English", "German"],
    }
    options.update(kwargs)
    return EmbeddingExampleGenerator(lm=scripted_lm(answer), **options)


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def keys(rows) -> list[tuple[str, int]]:
    return sorted((row["task_id"], row["example_index"]) for row in rows)


def test_rows_stream_to_the_file_with_a_summary_and_journal(tmp_path):
    out = tmp_path / "examples.jsonl"
    summary = run(make(), out, tasks=TASKS, progress=False)
    rows = lines(out)
    assert summary.status == "complete" and summary.planned == 8 and summary.ok == 8 and summary.rows == 8
    assert len(rows) == 8 and {row["kind"] for row in rows} == {"text-classification", "sts", "bitext"}
    assert all(row["seed"] == 5 and row["model_name"] == "scripted/test" for row in rows)
    assert summary.usage["total_tokens"] > 0
    files = RunFiles.for_output(out)
    assert json.loads(files.summary.read_text())["rows"] == 8
    journal = lines(files.progress)
    assert journal[0]["kind"] == "run" and journal[0]["stage"] == "examples"
    assert sum(1 for record in journal if record.get("status") == "ok") == 8


def test_same_seed_same_rows_whatever_the_concurrency(tmp_path):
    one = tmp_path / "a.jsonl"
    many = tmp_path / "b.jsonl"
    run(make(), one, tasks=TASKS, progress=False)
    run(make(concurrency=4), many, tasks=TASKS, progress=False)
    by_key = lambda rows: sorted(rows, key=lambda r: (r["task_id"], r["example_index"]))  # noqa: E731
    assert by_key(lines(one)) == by_key(lines(many))


def test_invalid_examples_go_to_the_failures_file_with_the_raw_text(tmp_path):
    def answer(request):
        if "[[ ## S1 ## ]]" in prompt_text(request):
            return _answer({"S1": "Same.", "S2": "Same.", "S3": "Other."})
        return reply(request)

    out = tmp_path / "examples.jsonl"
    summary = run(make(answer), out, tasks=TASKS, progress=False)
    failures = lines(RunFiles.for_output(out).failures)
    assert summary.ok == 4 and (summary.parse_failures, summary.invalid) == (0, 4)
    assert summary.dropped == {"texts_not_distinct": 4}
    assert {f["reason"] for f in failures} == {"invalid"} and len(failures) == 4
    assert all(f["reasons"] == ["texts_not_distinct"] and '"S1": "Same."' in f["raw_output"] for f in failures)
    assert {row["kind"] for row in lines(out)} == {"text-classification"}
    again = run(make(answer), out, tasks=TASKS, resume=True, progress=False)
    assert again.calls == 0 and again.skipped == 8  # invalid examples are final


def test_a_run_whose_examples_are_all_invalid_is_complete_and_exits_0(tmp_path):
    def answer(request):
        return _answer({"S1": "Same.", "S2": "Same.", "S3": "Other."})

    summary = run(make(answer, kinds="sts", count=3), tmp_path / "sts.jsonl", tasks=None, progress=False)
    assert (summary.status, summary.ok, summary.invalid, summary.errors, summary.remaining) == ("complete", 0, 3, 0, 0)
    assert run_exit_status(summary) == 0  # a content decision, counted in the summary, not a failed call


def test_parse_failures_keep_the_raw_answer(tmp_path):
    out = tmp_path / "examples.jsonl"
    summary = run(make(lambda request: "I would rather not.", kinds="sts", count=2), out, tasks=None, progress=False)
    failures = lines(RunFiles.for_output(out).failures)
    assert summary.ok == 0 and summary.parse_failures == 2
    assert [f["reason"] for f in failures] == ["parse_failure"] * 2
    assert all("rather not" in f["raw_output"] for f in failures)


def test_resume_mid_run_calls_only_the_missing_examples(tmp_path):
    out = tmp_path / "examples.jsonl"
    with pytest.raises(RunAborted) as stopped:
        run(make(failing_after(3)), out, tasks=TASKS, progress=False, max_failures=2)
    assert stopped.value.summary.status == "aborted"
    assert len(lines(out)) == 3
    model = make()
    summary = run(model, out, tasks=TASKS, resume=True, progress=False)
    assert summary.status == "complete" and summary.skipped == 3 and summary.calls == 5
    assert summary.total_rows == 8
    reference = tmp_path / "reference.jsonl"
    run(make(), reference, tasks=TASKS, progress=False)
    assert keys(lines(out)) == keys(lines(reference))
    strip = lambda rows: sorted(json.dumps(r, sort_keys=True) for r in rows)  # noqa: E731
    assert strip(lines(out)) == strip(lines(reference))
    assert run(make(), out, tasks=TASKS, resume=True, progress=False).calls == 0


def test_errors_are_tried_again_on_resume(tmp_path):
    out = tmp_path / "examples.jsonl"
    first = run(make(failing_after(6)), out, tasks=TASKS, progress=False)
    assert first.status == "partial" and first.errors == 2 and first.remaining == 2
    second = run(make(), out, tasks=TASKS, resume=True, progress=False)
    assert second.status == "complete" and second.retried_earlier == 2 and len(lines(out)) == 8


def test_a_torn_last_line_is_cut_and_called_again(tmp_path):
    out = tmp_path / "examples.jsonl"
    run(make(), out, tasks=TASKS, progress=False)
    data = out.read_bytes()
    out.write_bytes(data[: len(data) - 20])
    summary = run(make(), out, tasks=TASKS, resume=True, progress=False)
    assert summary.calls == 1 and len(lines(out)) == 8 and len(set(keys(lines(out)))) == 8


def test_sentence_transformers_records_resume_by_the_journal(tmp_path):
    out = tmp_path / "st.jsonl"
    run(make(), out, tasks=TASKS, progress=False, format="sentence-transformers")
    records = lines(out)
    assert len(records) == 8 and all(set(r) == {"anchor", "positive", "negative"} for r in records)
    assert all(r["anchor"].startswith("Instruct: ") for r in records)
    progress = RunFiles.for_output(out).progress
    journal = progress.read_text().splitlines()
    progress.write_text("\n".join(journal[:-2]) + "\n")  # the last two records are not confirmed
    summary = run(make(), out, tasks=TASKS, resume=True, progress=False, format="sentence-transformers")
    assert summary.calls == 2 and len(lines(out)) == 8


@pytest.mark.parametrize(
    ("change", "setting"),
    [
        ({"temperature": 0.5}, "temperature"),
        ({"count": 3}, "count"),
        ({"seed": 6}, "seed"),
        ({"languages": "paper"}, "languages"),
    ],
)
def test_resume_refuses_other_settings(tmp_path, change, setting):
    out = tmp_path / "examples.jsonl"
    run(make(), out, tasks=TASKS, progress=False)
    with pytest.raises(ResumeError, match=setting):
        run(make(**change), out, tasks=TASKS, resume=True, progress=False)


def test_resume_refuses_another_format_and_other_tasks(tmp_path):
    out = tmp_path / "examples.jsonl"
    run(make(), out, tasks=TASKS, progress=False)
    with pytest.raises(ResumeError, match="format"):
        run(make(), out, tasks=TASKS, resume=True, progress=False, format="sentence-transformers")
    with pytest.raises(ResumeError, match="tasks"):
        run(make(), out, tasks=[("text-classification", "Something else entirely.")], resume=True, progress=False)


def test_an_existing_output_needs_resume_and_a_task_journal_is_refused(tmp_path):
    out = tmp_path / "examples.jsonl"
    run(make(), out, tasks=TASKS, progress=False)
    with pytest.raises(ConfigError, match="resume") as refused:
        run(make(), out, tasks=TASKS, progress=False)
    assert "pass resume=True to continue" in str(refused.value) and "--resume" not in str(refused.value)
    tasks = tmp_path / "tasks.jsonl"
    RunFiles.for_output(tasks).progress.write_text('{"kind": "run", "seed": 1}\n')
    with pytest.raises(ResumeError, match="task run"):
        run(make(), tasks, tasks=TASKS, resume=True, progress=False)


def test_resume_of_a_finished_examples_run_keeps_its_summary_and_writes_nothing(tmp_path):
    """Issue 15, stage 2: a resume with nothing left to do must not zero the summary."""
    out = tmp_path / "examples.jsonl"
    first = run(make(), out, tasks=TASKS, progress=False)
    files = RunFiles.for_output(out)
    before = {path: path.read_bytes() for path in files.all}
    again = run(make(), out, tasks=TASKS, resume=True, progress=False)
    assert (again.calls, again.skipped, again.status) == (0, 8, "complete")
    assert {path: path.read_bytes() for path in files.all} == before
    assert json.loads(files.summary.read_text())["rows"] == first.rows == 8


def test_bad_input_creates_no_file(tmp_path):
    out = tmp_path / "examples.jsonl"
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    for tasks in (empty, [{"category": "text-classification"}], [("nope", "A task.")]):
        with pytest.raises(ConfigError):
            run(make(), out, tasks=tasks, progress=False)
    with pytest.raises(ConfigError, match="format"):
        run(make(), out, tasks=TASKS, progress=False, format="csv")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == [empty]


def test_an_interrupt_keeps_the_file_valid_and_resume_finishes(tmp_path):
    from embtaskgen.errors import RunInterrupted

    out = tmp_path / "examples.jsonl"
    with pytest.raises(RunInterrupted) as stopped:
        run(make(failing_after(3, KeyboardInterrupt)), out, tasks=TASKS, progress=False)
    assert stopped.value.summary.status == "interrupted" and len(lines(out)) == 3
    summary = run(make(), out, tasks=TASKS, resume=True, progress=False)
    assert summary.status == "complete" and summary.skipped == 3 and len(lines(out)) == 8


def test_run_examples_is_a_deprecated_alias_of_run(tmp_path):
    from embtaskgen.runs.runner import run_examples

    with pytest.warns(DeprecationWarning, match="use run"):
        summary = run_examples(make(), TASKS, tmp_path / "examples.jsonl", progress=False)
    assert summary.status == "complete" and summary.rows == 8
