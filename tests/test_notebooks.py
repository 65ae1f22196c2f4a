"""The notebooks run top to bottom on the real embedded model (fast setting), without error.

Each notebook runs in a fresh kernel of this interpreter, in a temporary working
directory, with ``EMBTASKGEN_FAST=1`` and a temporary DSPy cache directory. A cell that
raises fails the test with the cell's traceback.
"""

from __future__ import annotations

from pathlib import Path

import nbclient
import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = ["01_quickstart", "02_prompt_optimization", "03_diversity", "04_training_examples"]


@pytest.fixture
def kernel_name(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernel named ``python3`` that runs this interpreter, whatever kernels the machine has."""
    from ipykernel.kernelspec import install

    prefix = tmp_path_factory.mktemp("kernels")
    monkeypatch.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))  # searched first
    install(kernel_name="python3", prefix=str(prefix))  # the spec runs sys.executable
    return "python3"


def test_every_notebook_is_listed() -> None:
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_committed_with_outputs(name: str) -> None:
    """Committed notebooks carry the outputs of one run, top to bottom, without errors
    (re-run ``python benchmarks/notebooks.py --mode full --write`` after editing one)."""
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs(name: str, kernel_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBTASKGEN_FAST", "1")
    monkeypatch.setenv("DSPY_CACHEDIR", str(tmp_path / "dspy-cache"))
    monkeypatch.delenv("OPENAI_API_BASE", raising=False)  # the served-model cells stay skipped
    workdir = tmp_path / "work"
    workdir.mkdir()
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name=kernel_name,
        timeout=1800,  # per cell: only a guard against a hung kernel
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    errors = [o for cell in notebook.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
