"""The progress bar shows the cost so far, the summary's figure (LiteLLM's prices of the calls' usage)."""

from __future__ import annotations

import json

from openai_stub import OpenAIStub

from embtaskgen import EmbeddingTaskGenerator, run


class _Bar:
    def __init__(self) -> None:
        self.postfixes: list[dict[str, object]] = []

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, ordered_dict: object = None, refresh: bool = True, **kwargs: object) -> None:
        self.postfixes.append(kwargs)

    def close(self) -> None:
        pass


def _run(tmp_path, monkeypatch, model, answer="tasks"):
    bar = _Bar()
    monkeypatch.setattr("embtaskgen.runs.session.make_bar", lambda *args: bar)
    with OpenAIStub(answer) as stub:
        gen = EmbeddingTaskGenerator("text-retrieval", num_generations=3, seed=1, lm=model, api_base=stub.base_url)
        tmp_path.mkdir(exist_ok=True)
        summary = run(gen, tmp_path / "t.jsonl")
    return bar, summary


def test_the_bar_shows_the_cost_so_far(tmp_path, monkeypatch):
    def json_tasks(body):
        return 200, json.dumps({"tasks": [f"Given a claim number {len(str(body))}, retrieve evidence for it."]})

    bar, summary = _run(tmp_path, monkeypatch, "openai/gpt-4o-mini", json_tasks)
    assert [postfix["cost"] for postfix in bar.postfixes][-1] == f"${summary.cost:.4f}"
    assert summary.cost is not None and summary.cost > 0
    bar, summary = _run(tmp_path / "unpriced", monkeypatch, "openai/stub")  # no price: no cost shown
    assert bar.postfixes and all("cost" not in postfix for postfix in bar.postfixes)
    assert summary.cost is None
