"""Run a slow scripted run in a subprocess, for the SIGINT test.

Usage: python run_child.py OUTPUT GENERATIONS [--resume]
Exit status: 0 complete, 130 interrupted.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("DSPY_CACHEDIR", tempfile.mkdtemp(prefix="embtaskgen-child-cache-"))
sys.path.insert(0, str(Path(__file__).parent))

from run_helpers import FaultyModel  # noqa: E402

from embtaskgen import (  # noqa: E402
    EmbeddingTaskGenerator,  # noqa: E402
    RunInterrupted,
    run,
)


def main() -> int:
    output, generations = sys.argv[1], int(sys.argv[2])
    model = FaultyModel(seed=11, generations=generations, latency=0.02)
    gen = EmbeddingTaskGenerator(
        ["text-retrieval", "text-classification"],
        seed=11,
        lm=model.lm,
        flatten_tasks=True,
        num_generations=generations,
        concurrency=4,
    )
    try:
        summary = run(gen, output, resume="--resume" in sys.argv, progress=False)
    except RunInterrupted as stopped:
        print(stopped.summary.to_json(indent=None), flush=True)
        return 130
    print(summary.to_json(indent=None), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
