"""The run's funnelled DSPy cache: the same answers as DSPy's cache, written to disk, restored after."""

from __future__ import annotations

import dspy
import pytest
from dspy.clients.cache import Cache
from run_helpers import FaultyModel, read_lines

from embtaskgen import EmbeddingTaskGenerator, run
from embtaskgen.execute import response_cache
from embtaskgen.execute.response_cache import FunnelledCache, funnel_cache


def _disk_cache(tmp_path) -> Cache:
    return Cache(enable_disk_cache=True, enable_memory_cache=True, disk_cache_dir=str(tmp_path / "cache"))


def test_a_get_sees_the_put_handed_over_before_it(tmp_path):
    cache = FunnelledCache(_disk_cache(tmp_path))
    try:
        cache.put({"prompt": "a"}, "answer a")
        assert cache.get({"prompt": "a"}) == "answer a"
        assert cache.get({"prompt": "b"}) is None
    finally:
        cache.close()


def test_answers_go_to_disk_not_memory_and_close_writes_them_all(tmp_path, monkeypatch):
    monkeypatch.setattr(response_cache, "FLUSH_SECONDS", 60.0)  # only BATCH or close writes
    inner = _disk_cache(tmp_path)
    cache = FunnelledCache(inner)
    requests = [{"prompt": f"q{i}"} for i in range(response_cache.BATCH * 2 + 7)]
    for i, request in enumerate(requests):
        cache.put(request, f"a{i}")
    cache.close()
    assert len(inner.memory_cache) == 0  # memory stays flat during a run
    again = _disk_cache(tmp_path)  # another process would read them from disk
    assert [again.get(r) for r in requests] == [f"a{i}" for i in range(len(requests))]


def test_after_close_calls_go_straight_to_the_cache(tmp_path):
    inner = _disk_cache(tmp_path)
    cache = FunnelledCache(inner)
    cache.close()
    cache.put({"prompt": "late"}, "answer")
    assert cache.get({"prompt": "late"}) == "answer"
    assert len(inner.memory_cache) == 1  # DSPy's own put: memory and disk


def test_a_request_without_a_key_is_neither_read_nor_stored(tmp_path):
    inner = _disk_cache(tmp_path)
    cache = FunnelledCache(inner)
    odd = {"prompt": object()}  # orjson cannot serialise it: DSPy has no key for it
    try:
        cache.put(odd, "answer")
        assert cache.get(odd) is None
    finally:
        cache.close()
    assert len(inner.disk_cache) == 0


def test_an_error_while_reading_is_raised_in_the_caller(tmp_path):
    class Broken(Cache):
        def get(self, request, ignored_args_for_cache_key=None):
            raise OSError("disk gone")

    cache = FunnelledCache(Broken(True, True, str(tmp_path / "cache")))
    try:
        with pytest.raises(OSError, match="disk gone"):
            cache.get({"prompt": "a"})
    finally:
        cache.close()


def test_funnel_cache_wraps_a_disk_cache_and_restores_it(tmp_path):
    original = _disk_cache(tmp_path)
    dspy.cache = original
    with funnel_cache() as cache:
        assert dspy.cache is cache and isinstance(cache, FunnelledCache) and cache.inner is original
        with funnel_cache() as nested:  # a session inside a session: the same funnel
            assert nested is cache
    assert dspy.cache is original


def test_funnel_cache_leaves_a_memory_only_cache_and_a_replaced_cache_alone(tmp_path):
    memory_only = dspy.cache  # conftest: memory only
    with funnel_cache() as cache:
        assert cache is memory_only and dspy.cache is memory_only
    dspy.cache = _disk_cache(tmp_path)
    with funnel_cache():
        dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=True)  # the user replaces it
        replaced = dspy.cache
    assert dspy.cache is replaced


def test_a_cached_run_is_answered_from_disk_the_second_time(tmp_path):
    dspy.cache = _disk_cache(tmp_path)
    rows = []
    for attempt in range(2):
        model = FaultyModel(seed=4, generations=12)
        gen = EmbeddingTaskGenerator("text-retrieval", num_generations=12, seed=4, lm=model.lm, concurrency=4)
        out = tmp_path / f"run{attempt}.jsonl"
        summary = run(gen, out, progress=False, cache=True)
        assert summary.ok == 12
        assert not isinstance(dspy.cache, FunnelledCache)  # restored after the run
        rows.append(sorted((r["generation"], r["tasks"]) for r in read_lines(out)))
        calls = len(model.engine.requests)
        assert calls == (12 if attempt == 0 else 0)
    assert rows[0] == rows[1]
    # A new process reads the same answers: they are on disk.
    assert len(_disk_cache(tmp_path).disk_cache) == 12
