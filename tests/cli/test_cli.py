import json

import pytest
from click.testing import CliRunner
from scripted import chat_reply, scripted_lm

from embtaskgen import CATEGORIES
from embtaskgen.cli.main import main


@pytest.fixture
def scripted_model(monkeypatch):
    """Route every --model to a scripted LM answering three tasks per call."""
    counter = iter(range(10_000))

    def reply(_request):
        n = next(counter)
        return chat_reply([f"Retrieve documents of kind {n}-{i}." for i in range(3)])

    lm = scripted_lm(reply)
    seen = {}

    def fake_resolve(spec, **kwargs):
        seen["spec"], seen["kwargs"] = spec, kwargs
        return lm

    monkeypatch.setattr("embtaskgen.lm.resolve.resolve_lm", fake_resolve)
    return seen


def test_categories_lists_four_lines():
    result = CliRunner().invoke(main, ["categories"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert [line.split()[0] for line in lines] == list(CATEGORIES)


def test_generate_to_file_with_summary(tmp_path, scripted_model):
    out = tmp_path / "tasks.jsonl"
    result = CliRunner().invoke(
        main,
        [
            "generate",
            "-c",
            "text-retrieval",
            "-c",
            "text-classification",
            "-n",
            "2",
            "--flatten",
            "--seed",
            "7",
            "--model",
            "openai/x",
            "--api-base",
            "http://127.0.0.1:1/v1",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 12
    assert {row["category"] for row in rows} == {"text-retrieval", "text-classification"}
    assert all(row["seed"] == 7 and "task" in row for row in rows)
    assert "calls=4 tasks_kept=12 duplicates_dropped=0 parse_failures=0" in result.stderr
    assert scripted_model["spec"] == "openai/x"
    assert scripted_model["kwargs"]["api_base"] == "http://127.0.0.1:1/v1"


def test_no_repeat_reaches_the_embedded_model(scripted_model):
    result = CliRunner().invoke(main, ["generate", "-c", "text-retrieval", "--seed", "1", "--no-repeat", "0"])
    assert result.exit_code == 0, result.output
    assert scripted_model["spec"] is None and scripted_model["kwargs"]["no_repeat"] == 0.0
    CliRunner().invoke(main, ["generate", "-c", "text-retrieval", "--seed", "1"])
    assert scripted_model["kwargs"]["no_repeat"] is None  # the model's own default


def test_generate_to_stdout(scripted_model):
    result = CliRunner().invoke(main, ["generate", "-c", "text-retrieval", "--seed", "1", "--model", "openai/x"])
    assert result.exit_code == 0
    (line,) = result.stdout.strip().splitlines()
    assert len(json.loads(line)["tasks"]) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-c", "text-sorting"], "text-retrieval"),
        (["-n", "0"], "0 is not in the range x>=1"),
        (["--temperature", "5"], "5.0 is not in the range 0<=x<=2"),
        (["--concurrency", "0"], "x>=1"),
        (["--bogus"], "No such option"),
        (["--model", "local:nonexistent-model"], "smollm2"),
        (["-o", "/nonexistent-dir/x.jsonl"], "does not exist"),
        (["--no-repeat", "-1"], "-1.0 is not in the range x>=0"),
        (
            ["--no-repeat", "inf"],
            "no_repeat must be a number >= 0 (0 turns it off) or None (the model's default), got inf",
        ),
        (["--no-repeat", "nan"], "got nan"),
        (["--model", "openai/x", "--api-base", "localhost:8000/v1"], "http:// or https://"),
        (["--model", "openai/x", "--no-repeat", "0"], "applies to the embedded models"),
    ],
)
def test_bad_arguments_exit_2_and_write_nothing(tmp_path, args, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out.jsonl"
    full = ["generate", *args] if "-o" in args else ["generate", "-o", str(out), *args]
    result = CliRunner().invoke(main, full)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_unknown_command_exits_2():
    assert CliRunner().invoke(main, ["frobnicate"]).exit_code == 2


def test_report_command_prints_a_table_and_writes_json(tmp_path):
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        json.dumps(
            {
                "category": "text-retrieval",
                "generation": 0,
                "seed": 1,
                "tasks": [
                    "Given a claim, retrieve documents that support it.",
                    "Given a question about law, retrieve statutes that answer it.",
                ],
            }
        )
        + "\n"
    )
    out = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["report", str(rows), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "text-retrieval" in result.output
    assert json.loads(out.read_text())["categories"]["text-retrieval"]["tasks"] == 2


def test_report_missing_file_exits_2(tmp_path):
    result = CliRunner().invoke(main, ["report", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_report_refuses_a_fifo_output_and_leaves_it_a_fifo(tmp_path):
    import os
    import stat

    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"category": "text-retrieval", "tasks": ["Retrieve statutes."]}) + "\n")
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    result = CliRunner().invoke(main, ["report", str(rows), "-o", str(fifo)])
    assert result.exit_code == 2, result.output
    assert "is a pipe, not a regular file" in result.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_existing_output_needs_resume_and_resume_completes(tmp_path, scripted_model):
    out = tmp_path / "tasks.jsonl"
    args = ["generate", "-c", "text-retrieval", "-n", "2", "--seed", "3", "--model", "openai/x", "-o", str(out)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    before = out.read_text()
    assert json.loads((tmp_path / "tasks.jsonl.summary.json").read_text())["ok"] == 2
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 2
    assert "pass --resume to continue" in again.output
    assert "resume=True" not in again.output  # issue 15: the CLI speaks flags, not Python
    assert out.read_text() == before
    summary = (tmp_path / "tasks.jsonl.summary.json").read_text()
    finished = CliRunner().invoke(main, [*args, "--resume"])
    assert finished.exit_code == 0, finished.output
    assert "calls=0 " in finished.stderr and out.read_text() == before
    assert (tmp_path / "tasks.jsonl.summary.json").read_text() == summary  # issue 15: kept, not zeroed
    resumed = CliRunner().invoke(main, [*args[:4], "4", *args[5:], "--resume"])
    assert resumed.exit_code == 0, resumed.output
    generations = sorted(json.loads(line)["generation"] for line in out.read_text().splitlines())
    assert generations == [0, 1, 2, 3]


def test_models_lists_the_embedded_models_files_and_licences_without_assembling(monkeypatch):
    import dataclasses

    from embtaskgen.embedded import catalog

    def never(*_args):
        raise AssertionError("listing the models must not locate or assemble a file")

    patched = {name: dataclasses.replace(model, locate=never) for name, model in catalog.LOCAL_MODELS.items()}
    monkeypatch.setattr(catalog, "LOCAL_MODELS", patched)
    monkeypatch.setattr("embtaskgen.embedded.inventory.LOCAL_MODELS", patched)
    result = CliRunner().invoke(main, ["models"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("local:gemma-3-270m (default")
    assert "local:smollm2" in result.output and "local:/path/model.gguf" in result.output
    assert "licence: Apache-2.0" in result.output and "licence: Gemma Terms of Use" in result.output
    files = [line for line in lines if line.strip().startswith("file:")]
    assert len(files) == 2 and all(".gguf" in line or "wheel" in line or "chunk" in line for line in files)
    assert "assembled from four chunk packages on first use" in result.output


def test_sampling_knobs_and_adapter_reach_the_run(tmp_path, scripted_model):
    out = tmp_path / "tasks.jsonl"
    args = [
        "generate",
        "-c",
        "text-retrieval",
        "--seed",
        "2",
        "--model",
        "openai/x",
        "-o",
        str(out),
        "--frequency-penalty",
        "0.4",
        "--presence-penalty",
        "-1",
        "--adapter",
        "chat",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    header = json.loads((tmp_path / "tasks.jsonl.progress.jsonl").read_text().splitlines()[0])
    assert (header["frequency_penalty"], header["presence_penalty"], header["adapter"]) == (
        0.4,
        -1.0,
        "StrictChatAdapter",
    )
    changed = CliRunner().invoke(main, [*args[:-1], "json", "--resume"])
    assert changed.exit_code == 2 and "adapter: the file was made with 'StrictChatAdapter'" in changed.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--adapter", "xml"], "'xml' is not one of 'auto', 'chat', 'json', 'compact'"),
        (["--frequency-penalty", "3"], "3.0 is not in the range -2<=x<=2"),
        (["--presence-penalty", "-2.5"], "-2.5 is not in the range -2<=x<=2"),
    ],
)
def test_bad_knobs_and_adapters_exit_2_naming_the_choices(tmp_path, args, message):
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["generate", "-o", str(out), *args])
    assert result.exit_code == 2 and message in result.output and not out.exists()
