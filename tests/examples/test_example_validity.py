"""Every validity reason: the example is not a row, it is a failure with its outputs, and counted."""

from __future__ import annotations

import pytest
from example_replies import example_lm

from embtaskgen import VALIDITY_REASONS, EmbeddingExampleGenerator
from embtaskgen.examples.validity import check_example, token_jaccard

TASK = {
    "text-retrieval": "Given a legal question, retrieve court rulings that answer it.",
    "text-matching-short": "Given a song title, find the same song's title in another catalogue.",
    "text-matching-long": "Given a scientific abstract, retrieve an abstract of the same study.",
    "text-classification": "Classify a customer email by its topic.",
}


def _run(kind, override, **options):
    gen = EmbeddingExampleGenerator(kind, seed=3, lm=example_lm(override), **options)
    if kind in TASK:
        return gen([(kind, TASK[kind])])
    return gen(count=1)


def _assert_invalid(prediction, reason):
    assert prediction.rows == []
    (failure,) = prediction.failures
    assert failure["reason"] == "invalid"
    assert failure["reasons"] == [reason]
    assert failure["raw_output"].startswith('{"')  # the outputs as JSON, the raw text (capped)
    assert prediction.stats["invalid"] == 1
    assert prediction.stats["invalid_reasons"] == {reason: 1}
    assert prediction.stats["kept"] == 0


@pytest.mark.parametrize("kind", ["text-retrieval", "text-classification", "sts", "bitext", "text-matching-short"])
@pytest.mark.parametrize("empty", ["", "   \n "])
def test_missing_field(kind, empty):
    def override(k, inputs, outputs):
        first = next(iter(outputs))
        return {**outputs, first: empty}

    _assert_invalid(_run(kind, override), "missing_field")


def test_missing_field_when_the_answer_leaves_a_field_out_is_a_parse_failure():
    def override(k, inputs, outputs):
        return {name: value for name, value in outputs.items() if name != "S3"}

    prediction = _run("sts", override)
    assert prediction.rows == [] and prediction.failures[0]["reason"] == "parse_failure"


def test_negative_equals_positive():
    def override(k, inputs, outputs):
        return {**outputs, "hard_negative_document": outputs["positive_document"].upper() + "!"}

    _assert_invalid(_run("text-retrieval", override), "negative_equals_positive")


def test_negative_near_equal_to_positive():
    def override(k, inputs, outputs):
        words = outputs["positive_document"].split()
        return {**outputs, "hard_negative_document": " ".join(words[:-1] + ["different"])}

    prediction = _run("text-retrieval", override, max_num_words=50)
    _assert_invalid(prediction, "negative_equals_positive")


def test_query_not_shorter():
    def override(k, inputs, outputs):
        return {**outputs, "user_query": outputs["positive_document"] + " and more"}

    _assert_invalid(_run("text-retrieval", override), "query_not_shorter")


def test_document_too_short():
    def override(k, inputs, outputs):
        return {**outputs, "positive_document": "A very short document."}

    _assert_invalid(_run("text-retrieval", override), "document_too_short")


def test_document_length_is_not_checked_in_languages_without_spaces():
    outputs = {"user_query": "查询", "positive_document": "短文档" * 20, "hard_negative_document": "别的" * 30}
    assert check_example("text-retrieval", outputs, {"num_words": 300, "language": "Chinese"}) == []
    assert check_example("text-retrieval", outputs, {"num_words": 300, "language": "English"}) == ["document_too_short"]


def test_label_equals_misleading():
    def override(k, inputs, outputs):
        return {**outputs, "misleading_label": " Alpha."}

    _assert_invalid(_run("text-classification", override), "label_equals_misleading")


@pytest.mark.parametrize("field", ["label", "misleading_label"])
def test_label_in_input(field):
    def override(k, inputs, outputs):
        return {**outputs, "input_text": f"This one is clearly {outputs[field].upper()}, I think."}

    _assert_invalid(_run("text-classification", override), "label_in_input")


def test_label_inside_another_word_is_not_in_the_input():
    outputs = {"input_text": "The alphabet soup was cold.", "label": "alpha", "misleading_label": "beta"}
    assert check_example("text-classification", outputs, {}) == []


@pytest.mark.parametrize("kind", ["sts", "bitext"])
@pytest.mark.parametrize(("a", "b"), [("S1", "S2"), ("S1", "S3"), ("S2", "S3")])
def test_texts_not_distinct(kind, a, b):
    def override(k, inputs, outputs):
        return {**outputs, b: outputs[a].capitalize() + "."}

    # Languages of one script: a copied text is then not also in the wrong script.
    _assert_invalid(_run(kind, override, languages=["English", "German"]), "texts_not_distinct")


@pytest.mark.parametrize("kind", ["text-matching-short", "text-matching-long"])
def test_input_equals_positive(kind):
    def override(k, inputs, outputs):
        return {**outputs, "positive_document": "  " + outputs["input"].upper()}

    _assert_invalid(_run(kind, override), "input_equals_positive")


@pytest.mark.parametrize("kind", ["sts", "bitext", "text-classification", "text-retrieval"])
def test_copies_attribute(kind):
    def override(k, inputs, outputs):
        first = next(iter(outputs))
        value = next(v for name, v in inputs.items() if name != "task" and isinstance(v, str))
        return {**outputs, first: value.upper() + "."}

    _assert_invalid(_run(kind, override), "copies_attribute")


def test_copies_attribute_as_the_embedded_model_did():
    attributes = {
        "unit": "sentence",
        "difficulty": "college",
        "high_score": 4.5,
        "low_score": 2.5,
        "language": "English",
    }
    outputs = {"S1": "sentence", "S2": "college", "S3": "language"}
    assert check_example("sts", outputs, attributes) == ["copies_attribute"]
    # Only words of attribute values ("college sentence"), or a score, count too.
    assert check_example("sts", {"S1": "College sentence", "S2": "A dog runs.", "S3": "4.5"}, attributes) == [
        "copies_attribute"
    ]
    # A text that merely contains an attribute word is fine.
    fine = {"S1": "A college student reads.", "S2": "A student reads at college.", "S3": "A college burned."}
    assert check_example("sts", fine, attributes) == []


def test_a_language_label_is_not_a_copied_attribute():
    outputs = {"input_text": "Bonjour, comment allez-vous ?", "label": "French", "misleading_label": "English"}
    attributes = {"clarity": "clear", "difficulty": "college", "language": "English"}
    assert check_example("text-classification", outputs, attributes) == []
    assert check_example("text-classification", {**outputs, "label": "college"}, attributes) == ["copies_attribute"]


def test_every_reason_has_a_test_and_several_reasons_are_all_counted():
    tested = {
        "missing_field",
        "copies_attribute",
        "negative_equals_positive",
        "query_not_shorter",
        "document_too_short",
        "label_equals_misleading",
        "label_in_input",
        "texts_not_distinct",
        "input_equals_positive",
        "wrong_script",
        "copies_worked_example",
    }
    assert tested == set(VALIDITY_REASONS)
    outputs = {"user_query": "x " * 500, "positive_document": "short doc", "hard_negative_document": "short doc"}
    assert check_example("text-retrieval", outputs, {"num_words": 300}) == [
        "negative_equals_positive",
        "query_not_shorter",
        "document_too_short",
    ]


def test_valid_and_invalid_examples_mix_in_plan_order():
    calls = iter(range(100))

    def override(k, inputs, outputs):
        return {**outputs, "S3": outputs["S1"]} if next(calls) % 2 else outputs

    prediction = EmbeddingExampleGenerator("sts", count=4, seed=3, lm=example_lm(override), concurrency=1)()
    assert [row["example_index"] for row in prediction.rows] == [0, 2]
    assert [f["example_index"] for f in prediction.failures] == [1, 3]
    assert prediction.stats["per_kind"] == {"sts": {"calls": 4, "kept": 2}}


def test_token_jaccard():
    assert token_jaccard("a b c d", "a b c e") == pytest.approx(3 / 5)


@pytest.mark.parametrize(
    ("field", "text"), [("S1", "Good morning to you."), ("S2", "Guten Morgen."), ("S3", "おはよう")]
)
def test_wrong_script_in_bitext(field, text):
    """S1 must be in the source language's script, S2 and S3 in the target language's."""
    attributes = {"unit": "sentence", "source_language": "Russian", "target_language": "Greek"}
    outputs = {"S1": "Доброе утро.", "S2": "Καλημέρα.", "S3": "Καληνύχτα σε όλους."}
    assert check_example("bitext", outputs, attributes) == []
    assert check_example("bitext", {**outputs, field: text}, attributes) == ["wrong_script"]


def test_wrong_script_is_counted_and_the_example_kept_out():
    def override(k, inputs, outputs):
        return {**outputs, "S2": "Written in the wrong script entirely."}

    prediction = _run("bitext", override, languages=["Russian", "Japanese"])
    _assert_invalid(prediction, "wrong_script")
    assert "Written in the wrong script" in prediction.failures[0]["raw_output"]


def test_wrong_script_in_sts_and_what_cannot_be_told():
    attributes = {"unit": "sentence", "language": "Hindi"}
    hindi = {"S1": "मैं घर जा रहा हूँ।", "S2": "मैं अपने घर जाता हूँ।", "S3": "वह बाज़ार गया।"}
    assert check_example("sts", hindi, attributes) == []
    assert check_example("sts", {**hindi, "S3": "He went to the market."}, attributes) == ["wrong_script"]
    # French for English, digits only, or an unknown language: not told by the letters.
    assert (
        check_example(
            "bitext",
            {"S1": "Le chat dort.", "S2": "Der Hund.", "S3": "Die Katze."},
            {"source_language": "English", "target_language": "German"},
        )
        == []
    )
    assert check_example("sts", {"S1": "12 345", "S2": "12 346", "S3": "99"}, attributes) == []
    assert check_example("sts", {"S1": "Abc def.", "S2": "Abc deg.", "S3": "Xyz."}, {"language": "Klingon"}) == []
    # A few foreign letters (a name, a unit) do not make a text wrong.
    assert check_example("sts", {**hindi, "S1": "मैं घर जा रहा हूँ, km"}, attributes) == []


@pytest.mark.parametrize("kind", ["text-retrieval", "text-matching-short", "text-classification", "sts", "bitext"])
def test_copies_worked_example(kind):
    """An answer that hands the prompt's worked example back, lightly edited, is not kept."""
    from embtaskgen.embedded.object_adapter import WORKED_EXAMPLES

    shown = WORKED_EXAMPLES[kind][1]
    name = max(shown, key=lambda field: len(shown[field]))

    def override(k, inputs, outputs):
        return {**outputs, name: shown[name].replace(" the ", " a ", 1)}

    prediction = _run(kind, override, languages=["English", "French"])
    assert prediction.rows == []
    assert "copies_worked_example" in prediction.failures[0]["reasons"]
    assert prediction.stats["invalid_reasons"]["copies_worked_example"] == 1


def test_a_label_of_the_worked_example_is_not_a_copy():
    outputs = {
        "input_text": "Delivery took three weeks and the box was crushed.",
        "label": "negative",
        "misleading_label": "positive",
    }
    assert check_example("text-classification", outputs, {}) == []
