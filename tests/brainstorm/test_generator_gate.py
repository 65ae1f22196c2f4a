"""The precision gate in a generator and a run: drops counted, rejects kept on request."""

import json

import pytest
from click.testing import CliRunner
from scripted import chat_reply, scripted_lm

from embtaskgen import EmbeddingTaskGenerator
from embtaskgen.cli.main import main

ANSWER = [
    "Given a query, retrieve a full query.",  # circular
    "Given a word, find its dictionary definition.",  # the instructions' own example
    "Given a claim about a drug, retrieve trials that test it.",
    "Given a film, retrieve reviews of the.",  # cut
]


def _lm():
    return scripted_lm(lambda _request: chat_reply(ANSWER))


def test_forward_drops_and_counts_what_the_gate_drops():
    prediction = EmbeddingTaskGenerator("text-matching-short", seed=1, lm=_lm())()
    assert prediction.tasks == ["Given a claim about a drug, retrieve trials that test it."]
    assert prediction.stats["dropped"] == {"circular": 1, "prompt_copy": 1, "incomplete": 1}
    assert prediction.stats["gate_dropped"] == 3 and prediction.rejected == []


def test_keep_rejected_keeps_them_for_inspection_never_as_tasks():
    prediction = EmbeddingTaskGenerator("text-matching-short", seed=1, lm=_lm(), keep_rejected=True)()
    assert len(prediction.tasks) == 1
    assert {r["reason"] for r in prediction.rejected} == {"circular", "prompt_copy", "incomplete"}
    assert all(r["category"] == "text-matching-short" and r["generation"] == 0 for r in prediction.rejected)
    (row,) = prediction.rows
    assert [r["task"] for r in row["metadata"]["rejected"]] == [ANSWER[0], ANSWER[1], ANSWER[3]]


@pytest.fixture
def scripted_model(monkeypatch):
    monkeypatch.setattr("embtaskgen.lm.resolve.resolve_lm", lambda spec, **kwargs: _lm())


def test_cli_counts_gate_drops_in_the_summary_and_keeps_rejects_with_the_flag(tmp_path, scripted_model):
    out = tmp_path / "tasks.jsonl"
    args = ["generate", "-c", "text-matching-short", "--seed", "1", "--model", "openai/x", "--no-progress"]
    assert CliRunner().invoke(main, [*args, "-o", str(out)]).exit_code == 0
    summary = json.loads((tmp_path / "tasks.jsonl.summary.json").read_text())
    assert summary["tasks"] == 1 and summary["dropped"] == {"circular": 1, "prompt_copy": 1, "incomplete": 1}
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert "rejected" not in row["metadata"]
    kept = tmp_path / "kept.jsonl"
    assert CliRunner().invoke(main, [*args, "--keep-rejected", "-o", str(kept)]).exit_code == 0
    (row,) = [json.loads(line) for line in kept.read_text().splitlines()]
    assert row["tasks"] == [ANSWER[2]] and len(row["metadata"]["rejected"]) == 3


def test_rows_say_the_list_cap_the_compact_adapter_asked_for():
    from embtaskgen.embedded.adapter import CompactListAdapter

    lm = scripted_lm(lambda _request: json.dumps(ANSWER[2:3]))
    prediction = EmbeddingTaskGenerator(
        "text-retrieval", seed=1, lm=lm, num_tasks=20, adapter=CompactListAdapter(max_items=12)
    )()
    (row,) = prediction.rows
    assert row["metadata"]["num_tasks"] == 12 and row["metadata"]["requested"] == 20
    assert row["metadata"]["options"]["asked"] == 12
