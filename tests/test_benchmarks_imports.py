"""The benchmarks and notebooks use the package as a user does: only ``embtaskgen``'s public API."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "benchmarks").rglob("*.py")) + sorted((ROOT / "notebooks").glob("*.ipynb"))


def _code(path: Path) -> str:
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8")
    cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    lines = [line for c in cells for line in "".join(c["source"]).splitlines()]
    # IPython magics and shell lines are not Python.
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)


def submodule_imports(code: str) -> list[str]:
    """The ``embtaskgen.*`` submodules ``code`` imports (at any depth, strings of ``-c`` scripts included)."""
    found = []
    trees = [ast.parse(code)]
    while trees:
        for node in ast.walk(trees.pop()):
            if isinstance(node, ast.Import):
                found += [a.name for a in node.names if a.name.startswith("embtaskgen.")]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("embtaskgen."):
                found.append(node.module)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "embtaskgen." in node.value:
                try:  # a script run in a child process
                    trees.append(ast.parse(node.value))
                except SyntaxError:
                    pass
    return found


def test_there_are_sources_to_check():
    assert any(p.suffix == ".py" for p in SOURCES)
    assert any(p.suffix == ".ipynb" for p in SOURCES)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_imports_only_the_public_api(path: Path):
    assert submodule_imports(_code(path)) == [], f"{path.name} imports submodules; use names of embtaskgen.__all__"


@pytest.mark.parametrize(
    ("code", "found"),
    [
        ("from embtaskgen import run", []),
        ("import embtaskgen", []),
        ("from embtaskgen.seeds import derive_id", ["embtaskgen.seeds"]),
        ("import embtaskgen.dedup.run as r", ["embtaskgen.dedup.run"]),
        ("def f():\n    from embtaskgen.io import x", ["embtaskgen.io"]),
        ('CHILD = """\nfrom embtaskgen.quality.text import TaskText\n"""', ["embtaskgen.quality.text"]),
    ],
)
def test_the_check_finds_submodule_imports(code: str, found: list[str]):
    assert submodule_imports(code) == found
