"""Print pip constraints that pin every direct dependency to the lowest version pyproject allows.

Usage: ``python .ci/lowest_direct.py EXTRA [EXTRA ...] > lowest.txt`` then
``pip install -c lowest.txt -e '.[EXTRA,...]'``. The project's own dependencies and those
of the named extras (``embtaskgen[...]`` inside an extra is followed) are pinned to the
version their ``>=`` (or ``==``) bound names; their own dependencies resolve as usual.
A bound that is not true then fails the install or the tests that follow. Needs Python
3.11 (``tomllib``) and ``packaging`` (any virtual environment pip made has it).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import tomllib
from packaging.requirements import Requirement


def direct_requirements(project: dict[str, Any], extras: list[str]) -> list[Requirement]:
    """The core dependencies and those of ``extras``, references to the project itself followed."""
    optional: dict[str, list[str]] = project.get("optional-dependencies", {})
    unknown = sorted(set(extras) - set(optional))
    if unknown:
        raise SystemExit(f"unknown extra(s) {unknown}; valid: {sorted(optional)}")
    found = [Requirement(text) for text in project.get("dependencies", [])]
    seen: set[str] = set()
    todo = list(extras)
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for requirement in map(Requirement, optional[extra]):
            if requirement.name == project["name"]:
                todo.extend(requirement.extras)
            else:
                found.append(requirement)
    return found


def lowest_pins(requirements: list[Requirement]) -> list[str]:
    """``name==version`` for each requirement with a ``>=`` or ``==`` bound (the first one met)."""
    pins: dict[str, str] = {}
    for requirement in requirements:
        bounds = [spec.version for spec in requirement.specifier if spec.operator in (">=", "==")]
        if bounds:
            pins.setdefault(requirement.name.lower(), f"{requirement.name}=={bounds[0]}")
    return sorted(pins.values(), key=str.lower)


def main() -> None:
    project = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))["project"]
    print("\n".join(lowest_pins(direct_requirements(project, sys.argv[1:]))))


if __name__ == "__main__":
    main()
