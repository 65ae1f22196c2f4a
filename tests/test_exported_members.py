"""The public API is exactly ``embtaskgen.__all__``; every module says what it exports.

In the spirit of httpx's ``tests/test_exported_members.py``, plus the house rules of the
package layout.
"""

import importlib
import pkgutil
import types
from collections import Counter
from pathlib import Path

import pytest

import embtaskgen
import embtaskgen.signatures

PACKAGE_DIRS = [Path(embtaskgen.__file__).parent, Path(embtaskgen.signatures.__file__).parent]
REPO = Path(embtaskgen.__file__).parents[1]
MAX_LINES = 400


def _module_names():
    names = [m.name for m in pkgutil.walk_packages(embtaskgen.__path__, "embtaskgen.")]
    names.append("embtaskgen.signatures")
    names += [m.name for m in pkgutil.walk_packages(embtaskgen.signatures.__path__, "embtaskgen.signatures.")]
    return sorted(set(names))


def _public_bindings(module):
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType) and name != "annotations"
    }


def _isort_key(name):
    """Ruff's RUF022 "isort-style" order: CONSTANTS, then Classes, then functions, each
    alphabetical."""
    if name.isupper():
        kind = 0
    elif name[:1].isupper():
        kind = 1
    else:
        kind = 2
    return kind, name


# ------------------------------------------------------------- the public API


def test_all_is_exactly_the_public_names_of_the_package():
    assert set(embtaskgen.__all__) == _public_bindings(embtaskgen)


def test_all_has_no_duplicates():
    duplicates = [name for name, count in Counter(embtaskgen.__all__).items() if count > 1]
    assert duplicates == []


def test_every_exported_name_resolves():
    for name in embtaskgen.__all__:
        assert getattr(embtaskgen, name) is not None, name
    namespace = {}
    exec("from embtaskgen import *", namespace)  # noqa: S102
    assert set(namespace) - {"__builtins__"} == set(embtaskgen.__all__)


def test_all_is_in_isort_style_order():
    assert embtaskgen.__all__ == sorted(embtaskgen.__all__, key=_isort_key)


# ------------------------------------------------------------ every module


MODULES = _module_names()


def test_the_walk_finds_every_folder():
    assert {
        "embtaskgen.brainstorm.generator",
        "embtaskgen.lm.local.engine",
        "embtaskgen.runs.runner",
        "embtaskgen.tune.optimize",
        "embtaskgen.quality.metric",
        "embtaskgen.cli.main",
        "embtaskgen.settings",
        "embtaskgen.signatures",
        "embtaskgen.signatures.seed_tasks",
    } <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_every_module_defines_all(name):
    module = importlib.import_module(name)
    assert isinstance(getattr(module, "__all__", None), (list, tuple)), f"{name} defines no __all__"


@pytest.mark.parametrize("name", MODULES)
def test_every_name_in_a_modules_all_resolves(name):
    module = importlib.import_module(name)
    exported = list(getattr(module, "__all__", ()))
    assert all(isinstance(item, str) for item in exported)
    assert [item for item in exported if not hasattr(module, item)] == []
    assert [item for item, count in Counter(exported).items() if count > 1] == []


# ------------------------------------------------------------- house rules


def _python_files():
    return sorted(path for root in PACKAGE_DIRS for path in root.rglob("*.py"))


#: A module named after a stage or an executor is a twin of another module (the rule of
#: "One pipeline": variants are parameters or implementations of one protocol).
TWIN_PREFIXES = ("example_", "ray_")


def test_no_module_is_a_stage_or_executor_twin():
    twins = [str(p.relative_to(REPO)) for p in _python_files() if p.stem.startswith(TWIN_PREFIXES)]
    assert twins == []


def _too_long():
    lengths = {path: len(path.read_text(encoding="utf-8").splitlines()) for path in _python_files()}
    return {str(path.relative_to(REPO)): n for path, n in lengths.items() if n > MAX_LINES}


def test_no_module_exceeds_the_line_limit():
    assert _too_long() == {}
