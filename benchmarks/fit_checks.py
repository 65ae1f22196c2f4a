"""Fit the checks on the labelled sets and measure them on the held-out splits; print JSON.

``--tasks``: the task scorer is fitted on the ``dev`` split of the 825 hand-labelled tasks
(``tests/fixtures/labelled_tasks.jsonl``) with all-MiniLM-L6-v2 (``--write``: into
``embtaskgen/checks/task_scorer.json``); its floor is the one whose out-of-fold scores on
dev (5 folds) keep the most precisely at a recall of at least ``--task-min-recall`` (0.7)
among the tasks the gate and the on-category rule keep. ``--examples``: the floors of the
example checks are fitted on the ``fit`` splits of the labelled examples
(``tests/fixtures/labelled_examples.jsonl``) and of the planted set
(``tests/fixtures/planted_examples.jsonl``), each keeping ``--check-min-recall`` (0.95) of
the reader's keeps alone; then every split is measured with the shipped floors.
``--judge MODEL`` grades the first ``--judge-rows`` held-out labelled examples with a judge
model and compares its verdicts with the reader's (``local``: the embedded default, under
the bench lock). All of it is :func:`embtaskgen.calibrate_checks`.

Usage:
    python benchmarks/fit_checks.py --tasks --examples
    flock /tmp/embtaskgen-bench.lock python benchmarks/fit_checks.py --judge local --judge-rows 20
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from embtaskgen import calibrate_checks

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", action="store_true", help="Fit and measure the task scorer.")
    parser.add_argument("--examples", action="store_true", help="Fit and measure the example checks.")
    parser.add_argument("--write", action="store_true", help="Write the fitted task scorer into the package.")
    parser.add_argument("--penalty", type=float, default=1.0, help="L2 penalty of the task scorer.")
    parser.add_argument("--task-min-recall", type=float, default=0.7, help="Recall of dev keeps the task floor keeps.")
    parser.add_argument("--check-min-recall", type=float, default=0.95, help="Recall of keeps each check keeps.")
    parser.add_argument("--judge", default=None, help="Grade held-out labelled examples with this model.")
    parser.add_argument("--judge-api-base", default=None, help="The judge's OpenAI-compatible server.")
    parser.add_argument("--judge-rows", type=int, default=20, help="How many held-out examples the judge grades.")
    args = parser.parse_args(argv)
    result = calibrate_checks(
        tasks=FIXTURES / "labelled_tasks.jsonl" if args.tasks else None,
        task_program=FIXTURES / "labelled_tasks_program.json",
        examples=FIXTURES / "labelled_examples.jsonl" if args.examples or args.judge else None,
        planted=FIXTURES / "planted_examples.jsonl" if args.examples else None,
        penalty=args.penalty,
        task_min_recall=args.task_min_recall,
        check_min_recall=args.check_min_recall,
        write_scorer=args.write,
        judge=args.judge,
        judge_api_base=args.judge_api_base,
        judge_rows=args.judge_rows,
    )
    json.dump(result, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
