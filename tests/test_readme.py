"""The README's quickstart stays true to the code and CI."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from embtaskgen.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _quickstart_commands() -> list[str]:
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section)


def test_quickstart_has_exactly_two_commands():
    commands = _quickstart_commands()
    assert len(commands) == 2
    assert "embtaskgen generate" in commands[0]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = _quickstart_commands()[1]
    assert test_command in ci.splitlines()


def test_every_generate_option_is_documented():
    help_text = CliRunner().invoke(main, ["generate", "--help"]).output
    options = set(re.findall(r"(--[a-z][a-z-]+)", help_text)) - {"--help", "--no-topics"}
    missing = sorted(o for o in options if o not in README)
    assert not missing, f"options missing from README: {missing}"


def test_the_readme_says_how_long_the_tests_take_and_how_to_run_the_fast_part():
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    assert 'python -m pytest -m "not slow"' in quickstart and "minutes" in quickstart
    contributing = README.split("## Contributing", 1)[1]
    assert re.search(r'`python -m pytest -m "not slow"` runs the fast tests \(about\s+\d+ s', contributing)
