"""Run a batch run against a batch server in a subprocess, for the kill-and-resume tests.

Usage: python batch_child.py API_BASE OUTPUT [--resume]
Exit status: 0 complete, 130 interrupted (the summary's JSON on stdout).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("DSPY_CACHEDIR", tempfile.mkdtemp(prefix="embtaskgen-child-cache-"))
sys.path.insert(0, str(Path(__file__).parent))

from embtaskgen import EmbeddingTaskGenerator, RunInterrupted, run  # noqa: E402
from embtaskgen.runs.batch.mode import BatchMode  # noqa: E402

CATEGORIES = ["text-retrieval", "text-classification"]
GENERATIONS = 5


def generator(api_base: str) -> EmbeddingTaskGenerator:
    """The run's generator (the tests make the same one in process)."""
    return EmbeddingTaskGenerator(CATEGORIES, seed=3, lm="openai/stub", api_base=api_base, num_generations=GENERATIONS)


def main() -> int:
    api_base, output = sys.argv[1], sys.argv[2]
    try:
        summary = run(
            generator(api_base), output, resume="--resume" in sys.argv, progress=False, batch=BatchMode(poll=0.05)
        )
    except RunInterrupted as stopped:
        print(stopped.summary.to_json(indent=None), flush=True)
        return 130
    print(summary.to_json(indent=None), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
