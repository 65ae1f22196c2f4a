"""Every docstring example in the package runs and gives what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import embtaskgen
import embtaskgen.signatures

MODULES = sorted(
    {name for _, name, _ in pkgutil.walk_packages(embtaskgen.__path__, prefix="embtaskgen.")}
    | {name for _, name, _ in pkgutil.walk_packages(embtaskgen.signatures.__path__, prefix="embtaskgen.signatures.")}
    | {"embtaskgen", "embtaskgen.signatures"}
)


def test_every_module_is_found():
    assert "embtaskgen.brainstorm.generator" in MODULES
    assert "embtaskgen.signatures.seed_tasks" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
