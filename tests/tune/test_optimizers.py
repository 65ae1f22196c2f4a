import hashlib
import itertools
import json
import logging
import sys

import pytest
from scripted import chat_reply, prompt_text, scripted_lm
from tuning_replies import varied_reply

from embtaskgen import OPTIMIZERS, ConfigError, EmbeddingTaskGenerator
from embtaskgen.brainstorm.tuning_metric import tuning_metric
from embtaskgen.brainstorm.tuning_program import CategoryProgram
from embtaskgen.brainstorm.tuning_splits import training_examples
from embtaskgen.tune.optimizers import (
    DEFAULT_BUDGET,
    DEFAULT_OPTIMIZER,
    MAX_DEMOS,
    MIN_BUDGET,
    Plan,
    plan_for,
    run_optimizer,
)

BUDGETS = [MIN_BUDGET, 9, 12, 20, DEFAULT_BUDGET, 64, 100, 200, 1000]

# ------------------------------------------------------------------ plan_for


def test_the_optimizer_names_and_defaults():
    assert OPTIMIZERS == ("bootstrap", "mipro", "gepa")
    assert DEFAULT_OPTIMIZER in OPTIMIZERS
    assert DEFAULT_BUDGET >= MIN_BUDGET


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bootstrap", Plan("bootstrap", 40, train_size=8, valset_size=5, candidates=4)),
        ("mipro", Plan("mipro", 40, train_size=8, valset_size=5, candidates=5, trials=5)),
        ("gepa", Plan("gepa", 40, train_size=10, valset_size=5, candidates=0)),
    ],
)
def test_the_plans_at_the_default_budget(name, expected):
    assert plan_for(name, DEFAULT_BUDGET) == expected


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_plan_has_sane_sizes(name, budget):
    plan = plan_for(name, budget)
    assert (plan.optimizer, plan.budget) == (name, budget)
    assert 2 <= plan.valset_size <= 12
    assert 2 <= plan.train_size <= 16
    assert plan.train_size + plan.valset_size <= budget


@pytest.mark.parametrize("budget", BUDGETS)
def test_the_bootstrap_plan_fits_its_budget(budget):
    plan = plan_for("bootstrap", budget)
    assert plan.candidates >= 1 and plan.trials == 0
    # Bootstrapping (at most one call per training example) and one valset evaluation per
    # candidate, plus the untuned and the unshuffled candidates.
    assert plan.train_size + (plan.candidates + 2) * plan.valset_size <= budget


@pytest.mark.parametrize("budget", BUDGETS)
def test_the_mipro_plan_fits_its_budget(budget):
    plan = plan_for("mipro", budget)
    assert plan.trials >= 1 and 2 <= plan.candidates <= 6
    assert plan.train_size + (plan.trials + 1) * plan.valset_size <= budget


@pytest.mark.parametrize("budget", BUDGETS)
def test_the_gepa_plan_leaves_the_budget_to_gepa(budget):
    plan = plan_for("gepa", budget)
    assert (plan.candidates, plan.trials) == (0, 0)
    assert 3 <= plan.train_size <= 16


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_more_budget_never_shrinks_a_plan(name):
    plans = [plan_for(name, b) for b in range(MIN_BUDGET, 300)]
    for smaller, larger in itertools.pairwise(plans):
        assert larger.train_size >= smaller.train_size
        assert larger.valset_size >= smaller.valset_size


def test_a_plan_is_json_friendly():
    data = plan_for("mipro", 40).as_dict()
    assert json.loads(json.dumps(data)) == data
    assert data == {"optimizer": "mipro", "budget": 40, "train_size": 8, "valset_size": 5, "candidates": 5, "trials": 5}


@pytest.mark.parametrize("name", ["simulated-annealing", "Bootstrap", "", None, "copro"])
def test_an_unknown_optimizer_names_the_choices(name):
    with pytest.raises(ConfigError, match="choose from bootstrap, mipro, gepa"):
        plan_for(name, 40)


@pytest.mark.parametrize("budget", [MIN_BUDGET - 1, 0, -40, True, 40.0, "40", None])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_bad_budget_is_refused(name, budget):
    with pytest.raises(ConfigError, match=f"budget must be an integer >= {MIN_BUDGET}"):
        plan_for(name, budget)


def test_the_optimizer_name_is_checked_before_the_budget():
    with pytest.raises(ConfigError, match="unknown optimizer"):
        plan_for("nope", 0)


# ------------------------------------------------------------- run_optimizer

#: Distinct on-category retrieval tasks, the answer of a model that was shown its own
#: earlier answer as a worked example.
POOL = [
    "Given a question about tax law, retrieve government guidance pages that answer it.",
    "Given a bird species name, find field guide entries describing its habitat.",
    "Given a symptom described by a patient, retrieve medical encyclopedia articles about likely causes.",
    "Given a chess opening, retrieve strategy articles that analyse it.",
    "Given a historical date, retrieve newspaper archive stories reporting what happened.",
    "Given a recipe ingredient, find cooking blog posts that use it in a main course.",
    "Given a software error message, retrieve troubleshooting forum answers that fix it.",
    "Given a hiking trail name, find trip reports written by recent visitors.",
    "Given a mineral name, retrieve geology textbook sections explaining how it forms.",
    "Given a stock ticker, find analyst notes discussing the company's earnings.",
    "Given a poem title, retrieve literary criticism essays that interpret it.",
    "Given a vaccine name, find clinical trial summaries reporting its efficacy.",
]


def _demo_reply(request):
    """Varied tasks (they score 0.5-0.9, each ending ", item N."); once one of those
    answers is shown as a demo, eight distinct tasks that score about 1."""
    text = prompt_text(request)
    if ", item " in text:
        start = int(hashlib.sha256(text.encode()).hexdigest(), 16) % len(POOL)
        return chat_reply([POOL[(start + i) % len(POOL)] for i in range(8)])
    return varied_reply(request)


def _setup(budget=12, name="bootstrap", reply=_demo_reply):
    lm = scripted_lm(reply, model="scripted/demos")
    program = CategoryProgram(EmbeddingTaskGenerator("text-retrieval", lm=lm, num_tasks=8), ["text-retrieval"])
    plan = plan_for(name, budget)
    train = training_examples("text-retrieval", plan.train_size, seed=0, num_tasks=8)
    val = training_examples("text-retrieval", plan.valset_size, seed=1, num_tasks=8, exclude=train)
    return lm, program, plan, train, val


def _run(lm, program, plan, train, val, metric=tuning_metric):
    return run_optimizer(plan, program, metric, train, val, task_lm=lm, prompt_lm=lm, reflection_lm=lm, seed=0)


def test_bootstrap_keeps_the_models_own_best_answers_as_demos():
    lm, program, plan, train, val = _setup()
    tuned = _run(lm, program, plan, train, val)
    assert isinstance(tuned, CategoryProgram) and tuned is not program
    assert program.text_retrieval.demos == []  # the program handed in is not tuned in place
    demos = tuned.text_retrieval.demos
    assert 1 <= len(demos) <= MAX_DEMOS
    for demo in demos:
        assert all(", item " in task for task in demo["tasks"])  # the model's own answers
        assert demo["topic"] in {e.topic for e in train}
    # Uncached calls of the tuned model stay within the budget.
    assert 0 < len(lm.engine.requests) <= plan.budget


def test_bootstrap_keeps_no_demo_when_no_answer_reaches_the_threshold():
    off_category = lambda request: chat_reply([f"List some facts number {i}." for i in range(8)])  # noqa: E731
    lm, program, plan, train, val = _setup(reply=off_category)
    tuned = _run(lm, program, plan, train, val)
    assert tuned.text_retrieval.demos == []


def test_optimizer_prints_go_to_the_log_and_progress_bars_are_dropped(capsys, caplog):
    def loud_metric(example, pred, trace=None, *args):
        print(f"metric looked at {example.topic!r}")
        return tuning_metric(example, pred, trace, *args)

    lm, program, plan, train, val = _setup()
    with caplog.at_level(logging.INFO, logger="embtaskgen.tune.optimizers"):
        _run(lm, program, plan, train, val, metric=loud_metric)
    captured = capsys.readouterr()
    assert "metric looked at" not in captured.out + captured.err
    assert "%|" not in captured.err
    logged = [r.getMessage() for r in caplog.records if r.name == "embtaskgen.tune.optimizers"]
    assert any(m.startswith("metric looked at") for m in logged)
    assert not any("%|" in m for m in logged)


def test_mipro_without_optuna_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)  # `import optuna` raises ImportError
    lm, program, plan, train, val = _setup(name="mipro")
    with pytest.raises(ImportError, match=r"pip install 'embtaskgen\[optimize\]'"):
        _run(lm, program, plan, train, val)
    assert lm.engine.requests == []
