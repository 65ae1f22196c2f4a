"""Execute the notebooks top to bottom and time them, in fast mode, full mode or both.

Each notebook runs in a fresh kernel (the ``python3`` kernel of this interpreter), in a
fresh temporary working directory, with a fresh DSPy cache directory, so every model call
is real and the wall time is honest. Prints one JSON document:

    {"python", "notebooks": {"01_quickstart": {"fast": seconds, "full": seconds}, ...},
     "total": {"fast": seconds, "full": seconds}}

``--write`` saves each notebook executed in full mode back in place, with its outputs:
that is how the committed outputs are made.

Usage:
    python benchmarks/notebooks.py --mode fast
    python benchmarks/notebooks.py --mode full --write
    python benchmarks/notebooks.py --mode both 01_quickstart
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def execute(path: Path, fast: bool) -> tuple[Any, float]:
    """Run one notebook in a fresh kernel and directory; return it (with outputs) and the seconds."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    saved = {key: os.environ.get(key) for key in ("EMBTASKGEN_FAST", "DSPY_CACHEDIR")}
    with tempfile.TemporaryDirectory(prefix="embtaskgen-nb-") as workdir:
        os.environ["DSPY_CACHEDIR"] = str(Path(workdir) / "dspy-cache")
        if fast:
            os.environ["EMBTASKGEN_FAST"] = "1"
        else:
            os.environ.pop("EMBTASKGEN_FAST", None)
        try:
            client = NotebookClient(
                notebook,
                timeout=None,
                kernel_name="python3",
                record_timing=False,
                resources={"metadata": {"path": workdir}},
            )
            started = time.perf_counter()
            client.execute()
            seconds = time.perf_counter() - started
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    return notebook, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="notebook names without .ipynb (default: all)")
    parser.add_argument("--mode", choices=("fast", "full", "both"), default="both")
    parser.add_argument("--write", action="store_true", help="save the full-mode runs in place, with outputs")
    args = parser.parse_args(argv)
    import nbformat

    names = args.names or sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    modes = ["fast", "full"] if args.mode == "both" else [args.mode]
    result: dict[str, Any] = {"python": sys.executable, "notebooks": {}, "total": {}}
    for mode in modes:
        for name in names:
            path = NOTEBOOKS / f"{name}.ipynb"
            notebook, seconds = execute(path, fast=mode == "fast")
            result["notebooks"].setdefault(name, {})[mode] = round(seconds, 1)
            print(f"{name} ({mode}): {seconds:.1f} s", file=sys.stderr)
            if args.write and mode == "full":
                nbformat.write(notebook, path)
        result["total"][mode] = round(sum(t[mode] for t in result["notebooks"].values()), 1)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
