"""The public API is exactly ``embtaskgen.__all__``; every module says what it exports.

In the spirit of httpx's ``tests/test_exported_members.py``, plus the house rules of the
package layout.
"""

import importlib
import pkgutil
import types
import warnings
from collections import Counter
from pathlib import Path

import pytest

import embtaskgen
import embtaskgen.signatures
from embtaskgen.deprecated import DEPRECATED

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


#: The public API, stage-neutral where the concept is (issue 20, item 5: about 40 names).
PUBLIC = {
    # verbs that take either stage
    "run", "optimize", "evaluate", "save_program", "load_program", "read_program",
    # the generators and their settings
    "EmbeddingTaskGenerator", "EmbeddingExampleGenerator", "GenerationSettings", "ExampleSettings", "DedupSettings",
    "RunSummary", "RetryPolicy", "BatchMode",
    # errors
    "EmbtaskgenError", "ConfigError", "MissingDependency", "ProgramFileError", "ResumeError", "RunAborted",
    "RunInterrupted",
    # rows in and out
    "TaskRow", "GenerationRow", "ExampleRow", "read_jsonl", "to_jsonl", "to_dataset", "to_sentence_transformers",
    # constants
    "CATEGORIES", "CATEGORY_SUMMARIES", "EXAMPLE_KINDS", "VALIDITY_REASONS", "DEFAULT_MODEL", "LOCAL_MODELS",
    "OPTIMIZERS", "METRIC_VERSION",
    # quality, dedup, mining, models
    "score_tasks", "score_example", "diversity_report", "format_report", "dedup_rows", "DedupResult",
    "mine_negatives", "load_default_embedder", "resolve_lm", "load_local_lm",
    # checks a reader agrees with
    "Checker", "calibrate_checks",
    # publishing a folder of rows
    "write_dataset_card", "push_to_hub",
}  # fmt: skip


def test_all_is_the_public_api():
    assert set(embtaskgen.__all__) == PUBLIC
    # 45 after the API was cut to stage-neutral verbs; +2 to publish; +1 run(batch=BatchMode(...)); +2 checks
    assert len(embtaskgen.__all__) <= 50


def test_no_stage_specific_verb_or_internal_is_public():
    internals = {"run_examples", "optimize_examples", "evaluate_examples", "save_example_program", "derive_id"}
    assert internals.isdisjoint(embtaskgen.__all__)
    assert {"normalise_task", "TaskDeduper", "LMCallCounter", "format_table", "heldout_seeds"}.isdisjoint(PUBLIC)


# ---------------------------------------------------------- deprecated aliases


def test_public_names_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in embtaskgen.__all__:
            getattr(embtaskgen, name)
        exec(f"from embtaskgen import {', '.join(embtaskgen.__all__)}", {})  # noqa: S102


def test_deprecated_and_public_names_do_not_overlap():
    assert set(DEPRECATED).isdisjoint(embtaskgen.__all__)
    assert list(DEPRECATED) == sorted(DEPRECATED, key=_isort_key)


@pytest.mark.parametrize("name", sorted(DEPRECATED))
def test_every_deprecated_name_warns_and_gives_its_object(name):
    module, _, attribute = DEPRECATED[name].target.partition(":")
    expected = getattr(importlib.import_module(module), attribute)
    with pytest.warns(DeprecationWarning, match=rf"embtaskgen\.{name} is deprecated") as caught:
        assert getattr(embtaskgen, name) is expected
    replacement = DEPRECATED[name].replacement
    assert (replacement or "no public replacement") in str(caught[0].message)
    assert caught[0].filename == __file__  # the warning points at the caller
    namespace: dict = {}
    with pytest.warns(DeprecationWarning, match=name):
        exec(f"from embtaskgen import {name}", namespace)  # noqa: S102
    assert namespace[name] is expected


def test_deprecated_names_name_their_replacements():
    assert DEPRECATED["run_examples"].replacement == "run"
    assert DEPRECATED["optimize_examples"].replacement == "optimize"
    assert DEPRECATED["evaluate_examples"].replacement == "evaluate"
    assert DEPRECATED["save_example_program"].replacement == "save_program"
    assert DEPRECATED["apply_example_program"].replacement == "load_program"
    assert embtaskgen.save_program is importlib.import_module("embtaskgen.programs.files").save_program


def test_the_deprecated_names_are_listed_by_dir_and_in_the_docs():
    assert set(DEPRECATED) | set(embtaskgen.__all__) <= set(dir(embtaskgen))
    listed = (REPO / "docs" / "deprecated.md").read_text()
    readme = (REPO / "README.md").read_text()
    for name, entry in DEPRECATED.items():
        assert f"`{name}`" in listed, name
        assert f"`{name}`" in readme, name
        if entry.replacement:
            assert f"`{entry.replacement}`" in listed, name


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        embtaskgen.not_a_name  # noqa: B018
    with pytest.raises(ImportError):
        exec("from embtaskgen import not_a_name", {})  # noqa: S102


def test_load_program_gives_the_generator_of_the_files_stage(tmp_path):
    from embtaskgen import EmbeddingExampleGenerator, EmbeddingTaskGenerator, load_program, save_program

    tasks, examples = tmp_path / "tasks.json", tmp_path / "examples.json"
    save_program(EmbeddingTaskGenerator("text-retrieval", lm="openai/none"), tasks, categories=["text-retrieval"])
    save_program(EmbeddingExampleGenerator("sts", count=1, lm="openai/none"), examples)
    stage1 = load_program(tasks, lm="openai/none")
    stage2 = load_program(examples, lm="openai/none")
    assert type(stage1) is EmbeddingTaskGenerator
    assert type(stage2) is EmbeddingExampleGenerator
    assert stage2.settings.kinds == ("sts",)


# ------------------------------------------------------------ every module


MODULES = _module_names()


def test_the_walk_finds_every_folder():
    assert {
        "embtaskgen.brainstorm.generator",
        "embtaskgen.embedded.engine",
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


def test_every_package_folder_is_in_the_built_distribution():
    """A folder missing from ``[tool.setuptools] packages`` works in an editable install
    and is absent from the wheel, so ``pip install .`` would fail at its first import."""
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    folders = {".".join(init.parent.relative_to(REPO).parts) for init in (REPO / "embtaskgen").rglob("__init__.py")}
    assert folders - listed == set()
