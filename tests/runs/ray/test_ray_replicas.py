"""``--executor ray`` with several ``api_base`` replicas: each call reaches the replica it reaches locally."""

from __future__ import annotations

import json

import pytest
from openai_stub import OpenAIStub

from embtaskgen import EmbeddingTaskGenerator, read_jsonl, run

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("local_ray")]


def _seeds(stub: OpenAIStub) -> list[int]:
    """The sampling seed of each request (the call's rollout id)."""
    return sorted(request["body"].get("seed") for request in stub.requests)


def test_ray_workers_send_each_call_to_the_replica_the_local_runner_uses(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "etg-ray-replicas-key")
    with OpenAIStub() as a, OpenAIStub() as b:
        gen = EmbeddingTaskGenerator(
            ["text-retrieval", "text-matching-short"],
            num_generations=6,
            seed=4,
            lm="openai/stub",
            api_base=[a.base_url, b.base_url],
            flatten_tasks=True,
            concurrency=4,
            num_tasks=5,
        )
        local = run(gen, tmp_path / "local.jsonl", progress=False)
        assigned = (_seeds(a), _seeds(b))
        a.requests.clear()
        b.requests.clear()
        on_ray = run(gen, tmp_path / "ray", progress=False, executor="ray", ray_workers=2)
        assert (_seeds(a), _seeds(b)) == assigned
    assert local.ok == on_ray.ok == 12 and assigned[0] and assigned[1]
    rows = [
        sorted(json.dumps(row, sort_keys=True) for row in read_jsonl(path))
        for path in (tmp_path / "local.jsonl", tmp_path / "ray")
    ]
    assert rows[0] == rows[1]
