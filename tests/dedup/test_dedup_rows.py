"""Near-duplicate removal across a dataset (``dedup_rows``): clusters, keep-first, columns,
shards, the report, the labelled set, and bad input (nothing written)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embtaskgen import ConfigError, DedupSettings, dedup_rows
from embtaskgen.dedup.run import near_duplicate_clusters
from embtaskgen.dedup.settings import DEFAULT_THRESHOLD
from embtaskgen.text.normalise import normalise_task

FIXTURES = Path(__file__).parents[1] / "quality" / "fixtures"

TASKS = [
    "Given a question about home repairs, retrieve how-to articles that answer it.",  # 0
    "Classify customer emails by how urgent the request is.",  # 1
    "given a question about home repairs, retrieve how-to articles that answer it!",  # 2 ~0
    "Match a song title to the artist who recorded it.",  # 3
    "Retrieve how-to articles that answer a given question about home repairs.",  # 4 ~0
    "Classify the customer emails by how urgent each request is.",  # 5 ~1
    "Find legal statutes that govern a dispute between a landlord and a tenant.",  # 6
    "Classify customer emails by how urgent the request is for support.",  # 7 ~1
]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _task_rows(tasks: list[str]) -> list[dict]:
    return [{"category": "text-retrieval", "task": t, "model_name": "m", "n": i} for i, t in enumerate(tasks)]


def test_clusters_keep_the_first_of_each():
    clusters = near_duplicate_clusters(TASKS)
    assert clusters == {0: [2, 4], 1: [5, 7]}
    # the first of a cluster is the one kept, whatever the order
    reordered = [TASKS[4], TASKS[0], TASKS[2]]
    assert near_duplicate_clusters(reordered) == {0: [1, 2]}


def test_unrelated_template_siblings_are_kept():
    siblings = [
        "Given a question about tax law, retrieve official guidance that answers it.",
        "Given a question about vaccines, retrieve public health pages that answer it.",
        "Given a question about home repairs, retrieve how-to articles that answer it.",
    ]
    assert near_duplicate_clusters(siblings) == {}


def test_one_engine_rensa():
    assert near_duplicate_clusters(TASKS, DedupSettings(engine="rensa")) == {0: [2, 4], 1: [5, 7]}
    with pytest.raises(ConfigError, match="engine must be one of rensa, got 'datasketch'"):
        DedupSettings(engine="datasketch")  # datasketch is the tests' reference, not an engine


def test_char_shingles_and_threshold():
    # character 4-gram Jaccard with the first: 0.82 and 0.65
    edits = [
        "Retrieve news articles about a company.",
        "Retrieve news article about a company",
        "Retrieve the news articles about one company",
    ]
    assert near_duplicate_clusters(edits, DedupSettings(shingles="char", threshold=0.73)) == {0: [1]}
    assert near_duplicate_clusters(edits, DedupSettings(shingles="char", threshold=0.5)) == {0: [1, 2]}
    assert near_duplicate_clusters(edits, DedupSettings(shingles="char", threshold=0.99)) == {}


def test_flattened_rows_and_the_report(tmp_path):
    source = _write(tmp_path / "tasks.jsonl", _task_rows(TASKS))
    out = tmp_path / "out.jsonl"
    result = dedup_rows(source, out)
    kept = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["n"] for r in kept] == [0, 1, 3, 6]
    assert kept[0] == _task_rows(TASKS)[0]  # rows are written as they were
    assert (result.rows, result.rows_written, result.items, result.kept, result.removed, result.clusters) == (
        8,
        4,
        8,
        4,
        4,
        2,
    )
    report = json.loads((tmp_path / "out.jsonl.dedup-report.json").read_text())
    assert result.report == tmp_path / "out.jsonl.dedup-report.json"
    assert report["column"] == "task" and report["threshold"] == DEFAULT_THRESHOLD
    assert (report["removed"], report["kept"], report["clusters"]) == (4, 4, 2)
    first = report["duplicates"][0]
    assert first["item"] == 2 and first["source"] == f"{source}:3" and first["text"] == TASKS[2]
    assert first["kept"] == {"item": 0, "source": f"{source}:1", "text": TASKS[0]}
    assert 0.7 <= first["similarity"] <= 1.0
    assert [(d["item"], d["kept"]["item"]) for d in report["duplicates"]] == [(2, 0), (4, 0), (5, 1), (7, 1)]


def test_list_rows_lose_only_their_duplicate_items(tmp_path):
    rows = [
        {"category": "c", "tasks": TASKS[:3]},
        {"category": "c", "tasks": [TASKS[4]]},
        {"category": "c", "tasks": TASKS[5:]},
        {"category": "c", "tasks": None},
    ]
    source = _write(tmp_path / "gen.jsonl", rows)
    report = tmp_path / "r.json"
    result = dedup_rows(source, tmp_path / "out.jsonl", report=report)
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["tasks"] for r in out] == [TASKS[:2], [], [TASKS[6]], []]
    doc = json.loads(report.read_text())
    assert doc["column"] == "tasks" and doc["rows_emptied"] == 1 and result.rows_written == 4
    assert [(d["item"], d["index"], d["kept"]["item"]) for d in doc["duplicates"]] == [
        (2, 2, 0),
        (3, 0, 0),
        (4, 0, 1),
        (6, 2, 1),
    ]


def test_a_chosen_column_of_example_rows(tmp_path):
    rows = [
        {"user_query": q, "positive_document": f"doc {i}"}
        for i, q in enumerate(
            [
                "how do I fix a leaking kitchen tap",
                "How do I fix a leaking kitchen tap?",
                "best hiking boots for wet weather",
            ]
        )
    ]
    source = _write(tmp_path / "ex.jsonl", rows)
    result = dedup_rows(source, tmp_path / "out.jsonl", column="user_query")
    assert result.removed == 1
    docs = dedup_rows(
        source,
        tmp_path / "docs.jsonl",
        column="positive_document",
        settings=DedupSettings(shingles="char", threshold=0.99),
    )
    assert docs.removed == 0


def test_a_folder_of_shards_is_read_in_name_order(tmp_path):
    folder = tmp_path / "shards"
    folder.mkdir()
    _write(folder / "part-000001.jsonl", _task_rows(TASKS)[4:])
    _write(folder / "part-000000.jsonl", _task_rows(TASKS)[:4])
    _write(folder / "_summary.jsonl", [{"not": "a row"}])  # sidecars are skipped
    whole = dedup_rows(_write(tmp_path / "all.jsonl", _task_rows(TASKS)), tmp_path / "a.jsonl")
    sharded = dedup_rows(folder, tmp_path / "b.jsonl")
    assert (tmp_path / "a.jsonl").read_text() == (tmp_path / "b.jsonl").read_text()
    assert (whole.removed, sharded.removed) == (4, 4)
    doc = json.loads((tmp_path / "b.jsonl.dedup-report.json").read_text())
    assert doc["duplicates"][1]["source"] == f"{folder / 'part-000001.jsonl'}:1"


def test_many_blocks_give_the_same_result_as_one(tmp_path, monkeypatch):
    import embtaskgen.dedup.run as lsh_dedup

    tasks = TASKS * 3 + [f"Summarise the annual report of company number {i} for investors." for i in range(5)]
    expected = near_duplicate_clusters(tasks)
    monkeypatch.setattr(lsh_dedup, "BLOCK", 3)
    assert near_duplicate_clusters(tasks) == expected
    assert expected[0] == [2, 4, 8, 10, 12, 16, 18, 20]


def test_default_threshold_on_the_labelled_lists():
    """On the hand-labelled lists every drop is a labelled duplicate, and at least 95% of
    the texts with an earlier labelled duplicate are dropped (measured: 97 of 100; 45 of
    the 48 paraphrases; see benchmarks/dedup.py --calibrate)."""
    lists = json.loads((FIXTURES / "labelled_lists.json").read_text(encoding="utf-8"))["lists"]
    labels = json.loads((FIXTURES / "near_duplicate_clusters.json").read_text())["clusters"]
    dropped = droppable = right = 0
    for x in lists:
        if x["kind"] == "near-duplicates":
            of = {i: k for k, c in enumerate(labels[x["id"]]) for i in c}
        elif x["kind"] == "exact-duplicates":
            of = {i: normalise_task(t) for i, t in enumerate(x["tasks"])}
        elif x["kind"] == "varied":
            of = {i: i for i in range(len(x["tasks"]))}
        else:
            continue
        pairs = [(k, j) for k, js in near_duplicate_clusters(x["tasks"]).items() for j in js]
        dropped += len(pairs)
        right += sum(of[j] == of[k] for k, j in pairs)
        droppable += len(of) - len(set(of.values()))
    assert droppable == 100
    assert right == dropped
    assert right / droppable >= 0.95


@pytest.mark.parametrize(
    ("make", "kwargs", "message"),
    [
        (lambda d: d / "missing.jsonl", {}, "no such file or folder"),
        (lambda d: d, {}, "holds no shards"),
        (lambda d: _write(d / "t.jsonl", _task_rows(TASKS)), {"column": "query"}, "no column 'query'"),
        (lambda d: _write(d / "t.jsonl", [{"x": 1}]), {}, "neither a 'task' string nor a 'tasks' list"),
        (
            lambda d: _write(d / "t.jsonl", [{"task": "a"}, {"task": 3}]),
            {},
            "t.jsonl:2: column 'task' must be a string",
        ),
        (lambda d: _write(d / "t.jsonl", [{"task": "a"}, {"no": "task"}]), {}, "t.jsonl:2: no column 'task'"),
        (lambda d: _write(d / "t.jsonl", []), {}, "no rows"),
        (lambda d: _write(d / "t.jsonl", _task_rows(TASKS)), {"executor": "spark"}, "local, ray"),
    ],
)
def test_bad_input_writes_nothing(tmp_path, make, kwargs, message):
    folder = tmp_path / "in"
    folder.mkdir()
    source = make(folder)
    with pytest.raises(ConfigError, match=message):
        dedup_rows(source, tmp_path / "out.jsonl", **kwargs)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_a_bad_line_late_in_the_file_writes_nothing(tmp_path):
    source = tmp_path / "t.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in _task_rows(TASKS)) + "[1, 2]\n")
    with pytest.raises(ConfigError, match=r"t.jsonl:9: expected a JSON object"):
        dedup_rows(source, tmp_path / "out.jsonl")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.jsonl"]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"threshold": 0}, r"threshold must be a number in \(0, 1\]"),
        ({"threshold": 1.5}, r"threshold must be a number in \(0, 1\]"),
        ({"threshold": float("nan")}, "threshold"),
        ({"shingles": "sentence"}, "shingles must be one of word, char"),
        ({"shingle_size": 0}, "shingle_size must be an integer from 1 to 32"),
        ({"engine": "minhashlsh"}, "engine must be one of rensa"),
        ({"num_perm": 8}, "num_perm must be an integer >= 16"),
        ({"seed": -1}, "seed must be an integer >= 0"),
    ],
)
def test_bad_settings_name_the_valid_choices(setting, message):
    with pytest.raises(ConfigError, match=message):
        DedupSettings(**setting)


def test_the_output_never_overwrites_the_input(tmp_path):
    source = _write(tmp_path / "t.jsonl", _task_rows(TASKS))
    before = source.read_text()
    with pytest.raises(ConfigError, match="would overwrite the input"):
        dedup_rows(source, source)
    with pytest.raises(ConfigError, match="folder does not exist"):
        dedup_rows(source, tmp_path / "nowhere" / "out.jsonl")
    assert source.read_text() == before and sorted(p.name for p in tmp_path.iterdir()) == ["t.jsonl"]


def test_an_existing_output_or_report_needs_overwrite(tmp_path):
    source = _write(tmp_path / "t.jsonl", _task_rows(TASKS))
    out = tmp_path / "out.jsonl"
    out.write_text("unrelated\n")
    with pytest.raises(ConfigError, match="the output exists; pass overwrite=True"):
        dedup_rows(source, out)
    assert out.read_text() == "unrelated\n"
    assert dedup_rows(source, out, overwrite=True).removed == 4
    with pytest.raises(ConfigError, match="the output exists"):
        dedup_rows(source, out)
    out.unlink()  # the report of the run before is still there
    with pytest.raises(ConfigError, match="the report exists; pass overwrite=True"):
        dedup_rows(source, out)
    assert not out.exists()


def test_the_output_is_never_inside_the_input_folder(tmp_path):
    folder = tmp_path / "shards"
    folder.mkdir()
    _write(folder / "part-000000.jsonl", _task_rows(TASKS))
    with pytest.raises(ConfigError, match="the output would land among the input's shards"):
        dedup_rows(folder, folder / "x.jsonl")
    with pytest.raises(ConfigError, match="the report would land among the input's shards"):
        dedup_rows(folder, tmp_path / "x.jsonl", report=folder / "r.json")
    assert sorted(p.name for p in folder.iterdir()) == ["part-000000.jsonl"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shards"]


def test_a_pipe_or_device_is_never_replaced(tmp_path):
    import os
    import stat

    source = _write(tmp_path / "t.jsonl", _task_rows(TASKS))
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="out.fifo is a pipe, not a regular file; the output"):
        dedup_rows(source, fifo)
    with pytest.raises(ConfigError, match="out.fifo is a pipe, not a regular file; the report"):
        dedup_rows(source, tmp_path / "out.jsonl", report=fifo)
    device = tmp_path / "null"  # a link, so that a regression replaces the link, never /dev/null
    device.symlink_to("/dev/null")
    with pytest.raises(ConfigError, match="null is a device, not a regular file; the output"):
        dedup_rows(source, device)
    with pytest.raises(ConfigError, match="is a folder, not a regular file; the output"):
        dedup_rows(source, tmp_path)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and device.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null", "out.fifo", "t.jsonl"]


@pytest.mark.parametrize("which", ["output", "report"])
def test_a_link_planted_at_a_temporary_name_is_not_followed(tmp_path, which):
    """Issue 21, case 7: the temporary files were opened through whatever held their names."""
    import os

    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "out.jsonl"
    planted = out if which == "output" else tmp_path / "out.jsonl.dedup-report.json"
    (tmp_path / f".{planted.name}.tmp-{os.getpid()}").symlink_to(victim)
    dedup_rows(_write(tmp_path / "t.jsonl", _task_rows(TASKS)), out)
    assert victim.read_text() == "precious\n"
    assert len(out.read_text().splitlines()) == 4 and not planted.is_symlink()  # tasks 0, 1, 3 and 6 kept
