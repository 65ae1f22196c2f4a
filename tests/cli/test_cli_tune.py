import json
import re

import click
import pytest
from click.testing import CliRunner
from tuning_replies import varied_lm

import embtaskgen.lm.resolve
from embtaskgen.cli.tuning import evaluate_command, optimize_command


@pytest.fixture
def cli(monkeypatch):
    lm = varied_lm()
    monkeypatch.setattr(embtaskgen.lm.resolve, "resolve_lm", lambda *args, **kwargs: lm)
    return click.Group(commands=[optimize_command, evaluate_command])


def test_optimize_then_evaluate_the_saved_program(cli, tmp_path):
    out = tmp_path / "p.json"
    result = CliRunner().invoke(
        cli,
        ["optimize", "-c", "text-retrieval", "--budget", "8", "--num-tasks", "8", "--eval-topics", "2", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    info = json.loads(out.read_text())["embtaskgen"]
    assert info["optimizer"] == "bootstrap" and set(info["heldout"]["text-retrieval"]) == {"untuned", "tuned"}
    report = tmp_path / "eval.json"
    result = CliRunner().invoke(
        cli,
        [
            "evaluate",
            "-c",
            "text-retrieval",
            "--program",
            str(out),
            "--num-tasks",
            "8",
            "--topics",
            "2",
            "-o",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "text-retrieval" in result.output
    row = json.loads(report.read_text())["categories"]["text-retrieval"]
    assert row["score"] == info["heldout"]["text-retrieval"]["tuned"]["score"]


def test_bad_optimizer_is_a_usage_error(cli, tmp_path):
    result = CliRunner().invoke(cli, ["optimize", "--optimizer", "copro", "-o", str(tmp_path / "p.json")])
    assert result.exit_code == 2 and "bootstrap" in result.output


def test_missing_program_file_is_a_usage_error(cli, tmp_path):
    result = CliRunner().invoke(cli, ["evaluate", "--program", str(tmp_path / "nope.json")])
    assert result.exit_code == 2 and "'default' or 'none'" in result.output


def test_optimize_bar_stops_at_its_total_and_the_json_counts_candidates_once(cli, tmp_path):
    """Issue 15: the bar ran past its total (an optimizer overruns its budget a little), and the
    program file counted the candidates twice, with two different numbers."""
    out = tmp_path / "p.json"
    result = CliRunner().invoke(
        cli, ["optimize", "-c", "text-retrieval", "--budget", "8", "--num-tasks", "8", "--no-heldout", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    stats = json.loads(out.read_text())["embtaskgen"]["categories"]["text-retrieval"]
    assert stats["program_calls"] > 8  # the overrun the bar must not show
    shown = [(int(n), int(total)) for n, total in re.findall(r"optimize: .*?(\d+)/(\d+) \[", result.stderr)]
    assert shown and all(n <= total == 8 for n, total in shown) and shown[-1] == (8, 8)
    assert json.dumps(stats).count('"candidates"') == 1 and "candidates" in stats["plan"]


@pytest.mark.parametrize("kind", ["pipe", "link"])
@pytest.mark.parametrize("command", ["optimize", "evaluate"])
def test_an_output_that_is_a_pipe_or_a_link_exits_2_before_any_call(cli, tmp_path, command, kind):
    """Issue 21, case 7: optimize -o and evaluate -o wrote into a pipe, or through a link."""
    import os
    import stat

    victim = tmp_path / "victim.json"
    victim.write_text("precious\n")
    out = tmp_path / "out.json"
    if kind == "pipe":
        os.mkfifo(out)
        reader = os.open(out, os.O_RDONLY | os.O_NONBLOCK)  # a reader, so that a write would not block
    else:
        out.symlink_to(victim)
    budget = ["--budget", "8", "--eval-topics", "2"] if command == "optimize" else ["--topics", "2"]
    try:
        result = CliRunner().invoke(cli, [command, "-c", "text-retrieval", "--num-tasks", "8", *budget, "-o", str(out)])
    finally:
        if kind == "pipe":
            os.close(reader)
    assert result.exit_code == 2, result.output
    assert f"is a {'pipe' if kind == 'pipe' else 'symbolic link'}, not a regular file" in result.output
    assert stat.S_ISFIFO(os.lstat(out).st_mode) if kind == "pipe" else out.is_symlink()
    assert victim.read_text() == "precious\n"
