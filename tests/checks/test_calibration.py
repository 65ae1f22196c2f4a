"""calibrate_checks on small labelled files with a toy embedder: floors fitted, splits measured, a judge graded."""

import json

from judge_replies import judge_reply
from openai_stub import OpenAIStub

from embtaskgen import calibrate_checks
from tests.checks.test_consistency import toy


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _pair(n, match, reader, split):
    return {"kind": "text-matching-short", "task": "Match cat names.", "input": f"cat {n}", "positive_document": match,
            "reader": reader, "reader_reason": "" if reader == "keep" else "mismatched", "split": split}  # fmt: skip


def test_example_floors_are_fitted_on_fit_and_every_split_is_measured(tmp_path):
    labelled = [
        ("the cat", "keep", "fit"),
        ("tax", "drop", "fit"),
        ("a cat", "keep", "heldout"),
        ("tax", "drop", "heldout"),
    ]
    rows = [_pair(n, m, r, s) for n, (m, r, s) in enumerate(labelled)]
    examples = _write(tmp_path / "examples.jsonl", rows)
    planted = _write(tmp_path / "planted.jsonl", [{**rows[0], "planted": None}, {**rows[1], "planted": "pair_of_two"}])
    figures = calibrate_checks(examples=examples, planted=planted, embedder=toy)["examples"]
    assert figures["fitted_floors"]["matching"]["pair_unrelated"] > 0
    assert figures["heldout form+embed"]["kept"]["precision"] == 1.0
    assert figures["planted fit form+embed"]["planted_flagged"] == 1.0


def test_a_judge_is_graded_against_the_reader(tmp_path):
    rows = [
        {"kind": "text-classification", "task": "Classify reviews by industry.", "input_text": "Clean kitchen.",
         "label": label, "misleading_label": "farming", "reader": reader, "split": "heldout"}
        for label, reader in (("negative", "drop"), ("restaurants", "keep"))
    ]  # fmt: skip
    with OpenAIStub(judge_reply) as stub:
        figures = calibrate_checks(examples=_write(tmp_path / "e.jsonl", rows), judge="openai/calibrated-judge",
                                   judge_api_base=stub.base_url)["judge"]  # fmt: skip
    assert figures["verdicts"] == {"drop": 1, "keep": 1}
    assert figures["kept"]["precision"] == 1.0 and figures["kept"]["recall"] == 1.0
