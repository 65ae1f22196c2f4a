"""Nothing lost, nothing leaked: hostile answers of a served model, end to end.

Each test puts one answer on the wire of a loopback OpenAI-compatible server
(tests/openai_stub.py, mode ``"raw"``: the assistant message verbatim, JSON-escaped as
a real server may send it) and checks what the generator and a run make of it: one bad
answer is one failed or cleaned generation, counted, never a dead run.
"""

from __future__ import annotations

import json

import pytest
from openai_stub import OpenAIStub

import embtaskgen
from embtaskgen import EmbeddingTaskGenerator
from embtaskgen.brainstorm.call_result import RAW_OUTPUT_CHARS
from embtaskgen.brainstorm.cleaning import MAX_TASK_CHARS, item_cap
from embtaskgen.runs.files import RunFiles

CATEGORY = "text-retrieval"
HOSTILE = "[__import__('os').system('echo pwned'), 'b']"


def chat(field_text: str) -> str:
    """A ChatAdapter answer whose ``tasks`` section is ``field_text``, verbatim."""
    return f"[[ ## tasks ## ]]\n{field_text}\n\n[[ ## completed ## ]]"


@pytest.fixture(scope="module")
def server():
    # One server for the module: stopping one waits out its poll interval (0.5 s).
    with OpenAIStub("raw") as stub:
        yield stub


@pytest.fixture
def stub(server, monkeypatch):
    """The server, answering ``stub.answer`` verbatim (set by the test)."""
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "true")
    server.answer = None
    return server


def generator(stub: OpenAIStub, **kwargs) -> EmbeddingTaskGenerator:
    kwargs.setdefault("seed", 11)
    return EmbeddingTaskGenerator(CATEGORY, lm="openai/stub", api_base=stub.base_url, **kwargs)


def forward(stub: OpenAIStub, answer: str, **kwargs):
    stub.answer = answer
    return generator(stub, **kwargs)()


def run(stub: OpenAIStub, answer: str, output, resume: bool = False, **kwargs):
    stub.answer = answer
    return embtaskgen.run(generator(stub, **kwargs), output, resume=resume, progress=False, cache=False)


def lines(path) -> list[dict]:
    text = path.read_bytes().decode("utf-8")  # strict: the file must be valid UTF-8
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# ------------------------------------------------------------------- lone surrogates


def test_a_lone_surrogate_is_stored_as_a_replacement_character_and_resume_works(stub, tmp_path):
    answer = chat(json.dumps(["Given a query \ud83d, retrieve passages.", "Given a claim, find evidence."]))
    assert "\\ud83d" in json.dumps(answer)  # on the wire as an escape
    out = tmp_path / "tasks.jsonl"
    summary = run(stub, answer, out, num_generations=2)
    assert (summary.status, summary.ok, summary.failed) == ("complete", 2, 0)
    rows = lines(out)
    assert rows[0]["tasks"] == ["Given a query \ufffd, retrieve passages.", "Given a claim, find evidence."]
    assert rows[1]["tasks"] == [] and rows[1]["metadata"]["dropped"] == {"duplicate_exact": 2}
    calls = stub.calls
    again = run(stub, answer, out, num_generations=2, resume=True)
    assert (again.status, again.skipped, again.calls, stub.calls) == ("complete", 2, 0, calls)
    assert lines(out) == rows


def test_a_lone_surrogate_in_an_answer_that_does_not_parse_is_a_failure_line(stub, tmp_path):
    out = tmp_path / "tasks.jsonl"
    summary = run(stub, chat("not a list \ud83d at all"), out)
    assert (summary.status, summary.parse_failures, summary.tasks) == ("complete", 1, 0)
    (failure,) = lines(RunFiles.for_output(out).failures)
    assert failure["reason"] == "parse_failure" and "not a list \ufffd at all" in failure["raw_output"]


# ---------------------------------------------------------------- not JSON: a failure


def test_a_python_expression_is_a_parse_failure_with_its_raw_text(stub, tmp_path):
    prediction = forward(stub, chat(HOSTILE))
    assert prediction.tasks == [] and prediction.stats["parse_failures"] == 1
    (failure,) = prediction.failures
    assert failure["reason"] == "parse_failure" and HOSTILE in failure["raw_output"]
    assert prediction.rows[0]["metadata"]["parse_failure"] is True
    out = tmp_path / "tasks.jsonl"
    summary = run(stub, chat(HOSTILE), out)
    assert (summary.tasks, summary.parse_failures, summary.returned) == (0, 1, 0)
    assert lines(out) == []
    (line,) = lines(RunFiles.for_output(out).failures)
    assert HOSTILE in line["raw_output"]


@pytest.mark.parametrize(
    "field_text",
    [
        "[1, 2, 3]",
        '[{"task": "Find news."}]',
        '{"tasks": ["Find news."]}',
        "['single', 'quoted']",
        '"Find news."',
        'Here they are: ["Find news."]',
    ],
)
def test_anything_but_a_json_list_of_strings_is_a_parse_failure(stub, field_text):
    prediction = forward(stub, chat(field_text))
    assert prediction.tasks == [] and prediction.stats["parse_failures"] == 1


def test_the_raw_text_of_a_failure_is_capped(stub):
    prediction = forward(stub, chat("x" * 50_000))
    (failure,) = prediction.failures
    assert len(failure["raw_output"]) == RAW_OUTPUT_CHARS + 1 and failure["raw_output"].endswith("…")
    assert prediction.rows[0]["metadata"]["raw_output"] == failure["raw_output"]


# --------------------------------------------------------------- JSON syntax repairs


@pytest.mark.parametrize(
    "field_text",
    [
        '["Given a claim, find evidence.", "Given a title, find the paper.",]',
        '```json\n["Given a claim, find evidence.", "Given a title, find the paper."]\n```',
        '```\n["Given a claim, find evidence.",\n "Given a title, find the paper.",\n]\n```',
    ],
)
def test_a_trailing_comma_or_a_code_fence_still_parses(stub, field_text):
    prediction = forward(stub, chat(field_text))
    assert prediction.tasks == ["Given a claim, find evidence.", "Given a title, find the paper."]
    assert prediction.stats["parse_failures"] == 0


# ------------------------------------------------------------------------- the caps


def test_ten_thousand_items_are_capped_and_counted(stub, tmp_path):
    items = [f"Given query number {i}, retrieve passages." for i in range(10_000)]
    cap = item_cap(20)
    prediction = forward(stub, chat(json.dumps(items)), num_tasks=20)
    assert prediction.tasks == items[:cap]
    stats = prediction.stats
    assert (stats["returned"], stats["kept"], stats["dropped"]) == (10_000, cap, {"over_cap": 10_000 - cap})
    assert stats["parse_failures"] == 0 and stats["duplicates"] == 0
    assert prediction.rows[0]["metadata"]["dropped"] == {"over_cap": 10_000 - cap}
    out = tmp_path / "tasks.jsonl"
    summary = run(stub, chat(json.dumps(items)), out, num_tasks=20)
    assert (summary.returned, summary.tasks, summary.dropped) == (10_000, cap, {"over_cap": 10_000 - cap})
    assert summary.parse_failures == 0
    (row,) = lines(out)
    assert len(row["tasks"]) == cap and row["metadata"]["dropped"] == {"over_cap": 10_000 - cap}


def test_an_over_long_item_is_dropped_not_cut(stub):
    long_item = "Given " + "a very long query " * 300 + "retrieve passages."
    assert len(long_item) > 5000 > MAX_TASK_CHARS
    prediction = forward(stub, chat(json.dumps([long_item, "Given a claim, find evidence."])))
    assert prediction.tasks == ["Given a claim, find evidence."]
    assert prediction.stats["dropped"] == {"too_long": 1} and prediction.stats["returned"] == 2
    assert prediction.rows[0]["metadata"]["dropped"] == {"too_long": 1}


def test_control_characters_are_stripped(stub):
    items = ["Given a claim\u0000, find\u0007 evidence\u001b.", "Given a \u007ftitle, find the paper."]
    prediction = forward(stub, chat(json.dumps(items)))
    assert prediction.tasks == ["Given a claim, find evidence.", "Given a title, find the paper."]
    assert prediction.stats["dropped"] == {}


def test_a_failed_call_built_elsewhere_is_sanitised_where_rows_are_built():
    from embtaskgen.brainstorm.assembly import assemble_prediction
    from embtaskgen.brainstorm.call_result import CallResult
    from embtaskgen.settings import GenerationSettings

    failed = CallResult(CATEGORY, 0, 1, raw_output="bad \ud83d\x00 answer " + "x" * 9000)
    errored = CallResult(CATEGORY, 1, 2, error="boom \udc00")
    prediction = assemble_prediction([failed, errored], GenerationSettings.build(CATEGORY), model_name="m", seed=1)
    raw = prediction.failures[0]["raw_output"]
    assert raw.startswith("bad \ufffd answer ") and len(raw) == RAW_OUTPUT_CHARS + 1
    assert prediction.failures[1]["error"] == "boom \ufffd"
    assert json.dumps(prediction.rows, ensure_ascii=False).encode("utf-8")
