"""The batch files: custom_id <-> key, request lines, output-file reading, the journal's batch lines."""

from __future__ import annotations

import json

import dspy
import pytest

from embtaskgen import EmbeddingTaskGenerator
from embtaskgen.errors import BatchError, ConfigError
from embtaskgen.runs.batch.calls import KeyedStage, batch_lm, custom_id, key_of
from embtaskgen.runs.batch.record import collected_line, open_batch, submitted_line
from embtaskgen.runs.batch.requests import render_requests, request_line
from embtaskgen.runs.batch.results import AnsweringTransport, parse_results, read_results


@pytest.mark.parametrize("key", [("text-retrieval", 0), ("sts", 12), ("a#b", 3)])
def test_a_custom_id_names_its_call_and_reads_back(key):
    assert key_of(custom_id(key)) == key


@pytest.mark.parametrize("name", ["nohash", "sts#", "#3", "sts#x", "sts#-1"])
def test_a_custom_id_embtaskgen_did_not_write_is_refused(name):
    with pytest.raises(ConfigError, match="custom_id"):
        key_of(name)


def test_a_request_that_is_not_a_chat_completion_is_refused():
    with pytest.raises(ConfigError, match="chat completion"):
        request_line("sts#0", "https://api.anthropic.com/v1/messages", b"{}")


def test_output_lines_in_any_order_an_answer_beats_an_error_and_errors_say_why():
    ok = {"custom_id": "a#0", "response": {"status_code": 200, "body": {"id": "x"}}, "error": None}
    error = {"custom_id": "a#0", "response": None, "error": {"code": "server_error", "message": "boom"}}
    other = {"custom_id": "a#1", "response": None, "error": {"code": "batch_expired", "message": "late"}}
    answers = parse_results([json.dumps(error), "", json.dumps(other), json.dumps(ok)])
    assert answers["a#0"].status == 200 and not answers["a#0"].error
    assert "batch_expired: late" in answers["a#1"].error


@pytest.mark.parametrize("line", ["not json", "[1, 2]", '{"response": {}}'])
def test_a_line_that_is_not_a_batch_output_line_names_the_file_and_line(tmp_path, line):
    path = tmp_path / "out.jsonl"
    path.write_text('{"custom_id": "a#0", "response": {"status_code": 200, "body": {}}}\n' + line + "\n")
    with pytest.raises(ConfigError, match=r"out.jsonl:2"):
        read_results(path)


def test_a_missing_results_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read batch results"):
        read_results(tmp_path / "nope.jsonl")


def test_the_answering_transport_fails_unanswered_calls_and_second_requests_and_redacts_keys():
    answers = parse_results(
        [json.dumps({"custom_id": "a#0", "response": {"status_code": 200, "body": {"said": "sk-leak-0123456789"}}})]
    )
    transport = AnsweringTransport(answers, "batch b (expired)", secrets=["sk-leak-0123456789"])
    stage = KeyedStage(_OneCall(transport))
    body = stage.caller(1, None)("a", 0)
    assert b"sk-leak" not in body and b"[REDACTED]" in body
    with pytest.raises(BatchError, match="one request per call"):
        stage.caller(1, None)("a", 0)
    with pytest.raises(BatchError, match=r"batch b \(expired\) holds no answer for call a#1"):
        stage.caller(1, None)("a", 1)


class _OneCall:
    """A stage whose call sends one request through ``transport`` and returns the body read."""

    def __init__(self, transport):
        self.transport = transport

    def caller(self, seed, lm):
        def call(label, index):
            return self.transport.stream(None).read()

        return call


def test_open_batch_is_the_last_submitted_one_not_collected():
    assert open_batch([]) is None
    lines = [submitted_line("b1", 3), collected_line("b1", "expired"), submitted_line("b2", 1)]
    assert open_batch(lines)["id"] == "b2"
    assert open_batch([*lines, collected_line("b2", "completed")]) is None
    assert json.dumps(lines).count("requests") == 2


def test_an_embedded_or_scripted_model_cannot_be_batched():
    with pytest.raises(ConfigError, match="served model"):
        batch_lm(dspy.utils.DummyLM([]), None)


def test_rendered_requests_send_the_online_settings(tmp_path):
    gen = EmbeddingTaskGenerator(
        "text-retrieval", num_generations=2, seed=1, lm="openai/m", api_base="http://127.0.0.1:9/v1", temperature=0.7
    )
    stage = gen.stage()
    lines = [json.loads(line) for line in render_requests(stage, 5, gen.lm, stage.plan())]
    assert [line["custom_id"] for line in lines] == ["text-retrieval#0", "text-retrieval#1"]
    bodies = [line["body"] for line in lines]
    assert all(body["temperature"] == 0.7 and body["model"] == "m" for body in bodies)
    assert bodies[0]["seed"] != bodies[1]["seed"]  # each call's own rollout seed, as online
    assert bodies[0]["messages"][-1]["role"] == "user"
