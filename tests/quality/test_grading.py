"""score_example: validity gates half the score, graded parts the other half, per kind."""

from __future__ import annotations

import dspy
import pytest

from embtaskgen import EXAMPLE_KINDS, score_example
from embtaskgen.errors import ConfigError
from embtaskgen.quality.grading import EXAMPLE_WEIGHTS, grade_example

POSITIVE = (
    "Sourdough bread rises because wild yeast and lactic acid bacteria in the starter ferment the flour, "
    "releasing carbon dioxide that the gluten network traps during a long, cool proof. Bakers feed the "
    "starter daily with equal weights of flour and water, keep it near room temperature, and use it when "
    "it has doubled, which gives the loaf an open crumb and a mild sour taste."
)
NEGATIVE = (
    "Commercial bakeries often choose instant yeast for sandwich loaves since it works quickly and "
    "predictably, although many bakers say the flavour of such bread is milder. Instant yeast needs no "
    "proofing in water, tolerates a wide range of dough temperatures, and lets a factory finish a batch "
    "in under three hours, far faster than any slow fermented sourdough process allows."
)

GOOD = {
    "text-retrieval": (
        {
            "user_query": "why does sourdough bread rise",
            "positive_document": POSITIVE,
            "hard_negative_document": NEGATIVE,
        },
        {"num_words": 50, "language": "English"},
    ),
    "text-matching-short": (
        {"input": "Attention is all you need", "positive_document": "A survey of transformer architectures in NLP"},
        {},
    ),
    "text-matching-long": ({"input": POSITIVE, "positive_document": NEGATIVE}, {}),
    "text-classification": (
        {
            "input_text": "The battery died after two days and the screen scratches easily.",
            "label": "unfavourable",
            "misleading_label": "favourable",
        },
        {},
    ),
    "sts": (
        {
            "S1": "A man is playing a guitar on stage.",
            "S2": "A man plays the guitar on a stage.",
            "S3": "Children are swimming in a lake.",
        },
        {"unit": "sentence", "language": "English"},
    ),
    "bitext": (
        {
            "S1": "The weather is lovely today.",
            "S2": "Сегодня прекрасная погода.",
            "S3": "Сегодня погода была ужасной вчера.",
        },
        {"unit": "sentence", "source_language": "English", "target_language": "Russian"},
    ),
}


@pytest.mark.parametrize("kind", EXAMPLE_KINDS)
def test_a_good_example_of_every_kind_scores_high_and_every_part_applies(kind):
    outputs, attributes = GOOD[kind]
    graded = grade_example(outputs, kind, attributes=attributes)
    assert graded.valid and graded.score >= 0.85, graded.feedback
    assert set(graded.parts) == set(EXAMPLE_WEIGHTS[kind])
    assert score_example({"kind": kind, **outputs, "attributes": attributes}) == graded.score


@pytest.mark.parametrize(
    "kind, change, reason",
    [
        ("text-retrieval", {"user_query": POSITIVE + " more"}, "query_not_shorter"),
        ("text-retrieval", {"hard_negative_document": POSITIVE}, "negative_equals_positive"),
        ("text-matching-short", {"positive_document": "attention is all you need."}, "input_equals_positive"),
        ("text-classification", {"misleading_label": "Unfavourable"}, "label_equals_misleading"),
        ("text-classification", {"input_text": "An unfavourable review of a phone."}, "label_in_input"),
        ("sts", {"S3": "A man is playing a guitar on stage"}, "texts_not_distinct"),
    ],
)
def test_an_invalid_example_scores_at_most_half(kind, change, reason):
    outputs, attributes = GOOD[kind]
    graded = grade_example({**outputs, **change}, kind, attributes=attributes)
    assert not graded.valid and reason in graded.reasons and reason in graded.feedback
    assert graded.score <= 0.5


def test_a_document_far_under_its_length_is_invalid_and_one_near_it_is_graded():
    outputs, _ = GOOD["text-retrieval"]
    assert "document_too_short" in grade_example(outputs, "text-retrieval", attributes={"num_words": 500}).reasons
    near = grade_example(outputs, "text-retrieval", attributes={"num_words": 50}).parts["length"]
    short = grade_example(outputs, "text-retrieval", attributes={"num_words": 120}).parts["length"]
    assert near == 1.0 > short
    assert (
        "length"
        not in grade_example(outputs, "text-retrieval", attributes={"num_words": 50, "language": "Chinese"}).parts
    )


def test_missing_fields_and_parse_failures_score_zero():
    assert score_example({"S1": "a", "S2": " ", "S3": "c"}, "sts") == 0.0
    assert score_example({"input_text": "x", "label": None, "misleading_label": "y"}, "text-classification") == 0.0
    assert score_example(dspy.Prediction(S1="a b", S2="c d", S3="e f", parse_failure=True), "sts") == 0.0


def test_graded_parts_order_examples_the_way_a_reader_would():
    outputs, attributes = GOOD["text-retrieval"]
    good = grade_example(outputs, "text-retrieval", attributes=attributes).parts
    longer_query = grade_example({**outputs, "user_query": POSITIVE[:150]}, "text-retrieval", attributes=attributes)
    assert longer_query.parts["query_shorter"] < good["query_shorter"]
    off_topic = grade_example(
        {**outputs, "hard_negative_document": "Tax law changes yearly. " * 20}, "text-retrieval", attributes=attributes
    )
    assert off_topic.parts["negative_on_topic"] < good["negative_on_topic"]
    close = grade_example(
        {
            **outputs,
            "hard_negative_document": POSITIVE.replace("wild", "tame")
            .replace("cool", "warm")
            .replace("gluten", "starch"),
        },
        "text-retrieval",
        attributes=attributes,
    )
    assert close.parts["negative_distinct"] < good["negative_distinct"]
    cls_outputs, _ = GOOD["text-classification"]
    wordy = grade_example(
        {**cls_outputs, "label": "a review that is unfavourable about the phone overall in total"},
        "text-classification",
    )
    assert wordy.parts["label_short"] < 1.0
    sts, sts_attributes = GOOD["sts"]
    swapped = grade_example({**sts, "S2": sts["S3"], "S3": sts["S2"]}, "sts", attributes=sts_attributes)
    assert (
        swapped.parts["ordered"] == 0.0 and swapped.score < grade_example(sts, "sts", attributes=sts_attributes).score
    )


def test_a_text_that_loops_scores_lower_than_one_that_does_not():
    outputs, attributes = GOOD["sts"]
    looping = "A man is playing a guitar. " * 6
    graded = grade_example({**outputs, "S1": looping}, "sts", attributes=attributes)
    assert (
        graded.parts["no_repetition"]
        < 0.7
        < grade_example(outputs, "sts", attributes=attributes).parts["no_repetition"]
    )
    assert "repeat" in graded.feedback


def test_bitext_in_the_wrong_script_scores_lower():
    outputs, attributes = GOOD["bitext"]
    wrong = grade_example(
        {**outputs, "S2": "Today the weather is lovely.", "S3": "Yesterday the weather was awful."},
        "bitext",
        attributes=attributes,
    )
    assert wrong.parts["script"] < 0.5 < grade_example(outputs, "bitext", attributes=attributes).parts["script"]
    assert "script" in wrong.feedback
    unknown = grade_example(outputs, "bitext", attributes={"source_language": "X", "target_language": "Y"})
    assert "script" not in unknown.parts


def test_predictions_rows_and_the_same_input_give_the_same_score():
    outputs, attributes = GOOD["sts"]
    prediction = dspy.Prediction(**outputs, attributes=attributes)
    assert (
        score_example(prediction, "sts")
        == score_example(prediction, "sts")
        == score_example({**outputs, "kind": "sts", "attributes": attributes})
    )


def test_an_unknown_or_missing_kind_names_the_valid_ones():
    with pytest.raises(ConfigError, match="text-retrieval, .*bitext"):
        score_example({"S1": "a"})
    with pytest.raises(ConfigError, match="got 'paraphrase'"):
        score_example({"S1": "a"}, "paraphrase")
