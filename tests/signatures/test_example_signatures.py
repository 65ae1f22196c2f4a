"""Stage 2 signatures: one per example kind, fields as the issue's table (distilabel's names)."""

import random
from collections import Counter

import pytest

from embtaskgen import ConfigError
from embtaskgen.signatures import EXAMPLE_SIGNATURES
from embtaskgen.signatures.attributes import HIGH_RESOURCE, LANGUAGE_WEIGHTS, LANGUAGES, draw_language

EXPECTED = {
    "text-retrieval": (
        ["task", "query_type", "query_length", "clarity", "num_words", "difficulty", "language"],
        ["user_query", "positive_document", "hard_negative_document"],
    ),
    "text-matching-short": (["task", "language"], ["input", "positive_document"]),
    "text-matching-long": (["task", "language"], ["input", "positive_document"]),
    "text-classification": (["task", "clarity", "difficulty", "language"], ["input_text", "label", "misleading_label"]),
    "sts": (["unit", "difficulty", "high_score", "low_score", "language"], ["S1", "S2", "S3"]),
    "bitext": (
        ["unit", "difficulty", "high_score", "low_score", "source_language", "target_language"],
        ["S1", "S2", "S3"],
    ),
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_fields_are_the_columns_distilabel_pipelines_use(kind):
    signature = EXAMPLE_SIGNATURES[kind]
    inputs, outputs = EXPECTED[kind]
    assert list(signature.input_fields) == inputs
    assert list(signature.output_fields) == outputs
    assert all(signature.output_fields[name].annotation is str for name in outputs)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_the_docstring_is_the_prompt(kind):
    instructions = EXAMPLE_SIGNATURES[kind].instructions
    assert instructions.startswith("Write") and len(instructions.split()) > 40


def test_paper_language_weights():
    assert len(LANGUAGES) == len(set(LANGUAGES)) and "English" in LANGUAGES
    assert LANGUAGE_WEIGHTS["English"] == pytest.approx(0.43)
    assert all(LANGUAGE_WEIGHTS[lang] == pytest.approx(0.03) for lang in HIGH_RESOURCE)
    assert sum(LANGUAGE_WEIGHTS.values()) == pytest.approx(1.0)
    rng = random.Random(0)
    drawn = Counter(draw_language("paper", rng) for _ in range(20000))
    assert 0.40 < drawn["English"] / 20000 < 0.46
    assert draw_language("english", random.Random(1)) == "English"
    assert draw_language(("French", "German"), random.Random(1)) in ("French", "German")


@pytest.mark.parametrize("bad", ["klingon", (), ("",), 3])
def test_bad_language_choice_names_the_valid_ones(bad):
    with pytest.raises(ConfigError, match="english, paper"):
        draw_language(bad, random.Random(0))
