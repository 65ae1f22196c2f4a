from types import SimpleNamespace

import dspy
from scripted import scripted_lm

from embtaskgen.tune.lm_calls import LMCallCounter

QA = dspy.Predict("question -> answer")


def _lm(answer="4", model="scripted/qa"):
    return scripted_lm(lambda request: f"[[ ## answer ## ]]\n{answer}\n\n[[ ## completed ## ]]", model=model)


def _ask(lm, question):
    return QA(question=question, lm=lm).answer


def test_counts_only_the_calls_made_inside_the_block():
    lm = _lm()
    _ask(lm, "before")
    with LMCallCounter({"task": lm}) as counter:
        _ask(lm, "one")
        _ask(lm, "two")
    _ask(lm, "after")
    assert counter.counts() == {"task": {"calls": 2, "cache_hits": 0}}
    assert len(lm.engine.requests) == 4


def test_cache_hits_are_counted_apart_from_calls():
    lm = _lm()
    _ask(lm, "cached before")
    with LMCallCounter({"task": lm}) as counter:
        _ask(lm, "cached before")
        _ask(lm, "new")
        _ask(lm, "new")
    assert counter.counts() == {"task": {"calls": 1, "cache_hits": 2}}


def test_each_lm_is_counted_under_its_own_name():
    task, prompt = _lm(model="scripted/task"), _lm(model="scripted/prompt")
    idle = _lm(model="scripted/idle")
    with LMCallCounter({"task_lm": task, "prompt_lm": prompt, "reflection_lm": idle}) as counter:
        _ask(task, "a")
        _ask(task, "b")
        _ask(prompt, "c")
    assert counter.counts() == {
        "task_lm": {"calls": 2, "cache_hits": 0},
        "prompt_lm": {"calls": 1, "cache_hits": 0},
        "reflection_lm": {"calls": 0, "cache_hits": 0},
    }


def test_one_lm_under_two_names_is_counted_once_under_the_first():
    lm = _lm()
    with LMCallCounter({"task_lm": lm, "prompt_lm": lm, "reflection_lm": None}) as counter:
        _ask(lm, "a")
    assert counter.counts() == {"task_lm": {"calls": 1, "cache_hits": 0}}


def test_counts_so_far_while_open_and_frozen_once_closed():
    lm = _lm()
    with LMCallCounter({"task": lm}) as counter:
        _ask(lm, "a")
        assert counter.counts()["task"]["calls"] == 1
        _ask(lm, "b")
    _ask(lm, "c")
    assert counter.counts()["task"]["calls"] == 2


def test_reopening_starts_a_new_count():
    lm = _lm()
    counter = LMCallCounter({"task": lm})
    with counter:
        _ask(lm, "a")
        _ask(lm, "b")
    with counter:
        _ask(lm, "c")
    assert counter.counts() == {"task": {"calls": 1, "cache_hits": 0}}


def test_calls_from_another_thread_are_counted():
    lm = _lm()
    with LMCallCounter({"task": lm}) as counter:
        dspy.Parallel(num_threads=2, disable_progress_bar=True)(
            [(QA, {"question": q, "lm": lm}) for q in ("a", "b", "c")]
        )
    assert counter.counts()["task"] == {"calls": 3, "cache_hits": 0}


def test_an_lm_without_history_or_usage():
    no_history = SimpleNamespace(model="plain")
    no_usage = SimpleNamespace(history=[])
    with LMCallCounter({"plain": no_history, "silent": no_usage}) as counter:
        no_usage.history.extend([{"usage": {}}, {"usage": None}, {"usage": {"prompt_tokens": 3}}])
    # A model that reports no usage is counted as cache hits.
    assert counter.counts() == {"plain": {"calls": 0, "cache_hits": 0}, "silent": {"calls": 1, "cache_hits": 2}}


def test_counts_an_lm_whose_history_is_full():
    lm = _lm()
    with dspy.context(max_history_size=2):
        _ask(lm, "fills 1")
        _ask(lm, "fills 2")
        with LMCallCounter({"task": lm}) as counter:
            _ask(lm, "counted")
    assert counter.counts()["task"]["calls"] == 1
