"""The README and the docs stay true to the code and CI.

The quickstart's commands are what CI runs; the generated CLI reference reaches every
command; every option, command line, option table and file the README and docs/ name
exists.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import click

from embtaskgen.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _quickstart_commands() -> list[str]:
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section)


def test_quickstart_has_exactly_two_commands() -> None:
    commands = _quickstart_commands()
    assert len(commands) == 2
    assert "embtaskgen generate" in commands[0]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = _quickstart_commands()[1]
    assert test_command in ci.splitlines()


def _mkdocs_click_blocks() -> list[tuple[str, str, str]]:
    """Every ``::: mkdocs-click`` block in docs/: (page, module, command)."""
    blocks = []
    for page in sorted((ROOT / "docs").rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        for block in re.findall(r"^::: mkdocs-click\n((?:    :\w+: .*\n?)+)", text, flags=re.MULTILINE):
            options = dict(re.findall(r"^    :(\w+): (.*)$", block, flags=re.MULTILINE))
            blocks.append((page.name, options["module"], options["command"]))
    return blocks


def _command_paths(command: click.Command, path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """The command and every subcommand under it, as paths of names below the root."""
    paths = {path}
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            if not sub.hidden:
                paths |= _command_paths(sub, (*path, name))
    return paths


def test_every_command_is_in_the_generated_cli_reference() -> None:
    # mkdocs-click renders a block's command and all its subcommands: together the blocks
    # must reach every command, so every option is in the docs by construction.
    blocks = _mkdocs_click_blocks()
    assert blocks, "no ::: mkdocs-click block in docs/"
    covered: set[tuple[str, ...]] = set()
    for _page, module, attribute in blocks:
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command), f"{module}:{attribute} is not a click command"
        prefix = _command_path_of(command)
        covered |= {(*prefix, *path) for path in _command_paths(command)}
    missing = sorted(" ".join(path) for path in _command_paths(main) - covered)
    assert not missing, f"commands missing from the CLI reference in docs/: {missing}"


def _command_path_of(command: click.Command) -> tuple[str, ...]:
    """Where ``command`` sits under ``main`` (``()`` for main itself)."""
    if command is main:
        return ()
    for name, sub in main.commands.items():
        if sub is command:
            return (name,)
    raise AssertionError(f"{command.name} is not a command of embtaskgen")


def _options_by_command() -> dict[str, set[str]]:
    """Every long option of every command (``""``: the group itself)."""
    options = {"": {opt for param in main.params for opt in (*param.opts, *param.secondary_opts)}}
    for name, command in main.commands.items():
        options[name] = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
        options[name] |= {"--help"}
    return options


def test_every_option_the_readme_names_exists() -> None:
    known = _options_by_command()
    everywhere = set().union(*known.values())
    # Options of other tools' command lines (mkdocs build --strict, pip, ...) are theirs.
    readme = re.sub(r"\b(?:mkdocs|pip|python|flock|ray job) [^`\n]*", "", README)
    named = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*[a-z])", readme))
    unknown = sorted(named - everywhere)
    assert not unknown, f"options in README.md that no command has: {unknown}"


def test_every_command_line_in_the_readme_and_docs_uses_options_of_its_command() -> None:
    known = _options_by_command()
    texts = {"README.md": README}
    texts |= {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in (ROOT / "docs").rglob("*.md")}
    wrong = []
    for name, text in texts.items():
        for line in re.findall(r"embtaskgen ([a-z]+)((?: [^`\n#|]*)?)", text):
            command, rest = line
            if command not in main.commands:
                continue
            for option in re.findall(r"(?<![\w-])(--[a-z][a-z-]*[a-z])", rest):
                if option not in known[command] | known[""]:
                    wrong.append(f"{name}: embtaskgen {command} {option}")
    assert not wrong, f"command lines with options their command does not have: {sorted(set(wrong))}"


def test_the_readme_says_how_long_the_tests_take_and_how_to_run_the_fast_part() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    assert 'python -m pytest -m "not slow"' in quickstart and "minutes" in quickstart
    contributing = README.split("## Contributing", 1)[1]
    assert re.search(r'`python -m pytest -m "not slow"` runs the fast tests \(about\s+\d+ s', contributing)


def test_every_link_of_the_readme_into_the_repository_exists() -> None:
    links = re.findall(r"\]\(((?!https?://)[^)#\s]+)(?:#[^)]*)?\)", README)
    assert any(link.startswith("docs/") for link in links)
    missing = sorted({link for link in links if not (ROOT / link).exists()})
    assert not missing, f"README links to files that do not exist: {missing}"


def test_every_file_the_readme_and_docs_name_exists():
    # Paths such as embtaskgen/quality/conformance.py or benchmarks/dedup.py: a module that
    # moves must take its mentions along (the docs' architecture page included).
    pattern = (
        r"(?<![\w/.-])((?:embtaskgen|signatures|benchmarks|tests|notebooks)/[\w/.-]*\w\.(?:py|jsonl|json|ipynb))(?!\w)"
    )
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    missing = sorted(
        {
            f"{page.relative_to(ROOT)}: {path}"
            for page in pages
            for path in re.findall(pattern, page.read_text(encoding="utf-8"))
            if not (ROOT / path).exists()
        }
    )
    assert not missing, f"files named in the docs that do not exist: {missing}"


# The hand-written option tables of the docs, and the command each one explains.
OPTION_TABLES = {"docs/brainstorm/options.md": "generate", "docs/quality/dedup.md": "dedup"}


def test_every_option_in_the_docs_option_tables_exists():
    known = _options_by_command()
    wrong = []
    for page, command in OPTION_TABLES.items():
        text = (ROOT / page).read_text(encoding="utf-8")
        first_cells = re.findall(r"^\| (`-[^|]*)\|", text, flags=re.MULTILINE)
        assert first_cells, f"no option table in {page}"
        for cell in first_cells:
            for option in re.findall(r"(?<![\w-])(--[a-z][a-z-]*[a-z])", cell):
                if option not in known[command] | known[""]:
                    wrong.append(f"{page}: {option} is not an option of {command}")
    assert not wrong, f"option tables that name options their command lacks: {wrong}"
