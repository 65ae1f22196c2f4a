"""The embed families with a toy embedder: what each reason measures, and the floors they use."""

import pytest

from embtaskgen.checks.classification import ClassificationChecks, label_space
from embtaskgen.checks.family import flagged
from embtaskgen.checks.matching import MatchingChecks
from embtaskgen.checks.retrieval import RetrievalChecks
from embtaskgen.checks.similarity import Similarity
from embtaskgen.checks.triplets import TripletChecks
from embtaskgen.errors import ConfigError

WORDS = ("egg", "boil", "tax", "cat", "dog", "review", "kitchen", "industry", "restaurant", "farm")


def toy(texts):
    """One dimension per word of WORDS (a bag of words), plus a small constant."""
    return [[text.lower().count(word) for word in WORDS] + [0.05] for text in texts]


@pytest.fixture
def sim():
    return Similarity(toy)


def retrieval(positive, negative, query="boil an egg"):
    return {
        "kind": "text-retrieval",
        "task": "Given an egg question, find how to boil it.",
        "user_query": query,
        "positive_document": positive,
        "hard_negative_document": negative,
    }


def test_a_positive_that_answers_and_a_negative_on_the_subject_pass(sim):
    assert flagged(RetrievalChecks(), retrieval("boil the egg six minutes", "egg salad with cat food"), sim) == []


def test_a_positive_swapped_for_another_querys_is_off_query_and_not_closest(sim):
    reasons = flagged(RetrievalChecks(), retrieval("tax forms are due", "egg salad keeps a week"), sim)
    assert reasons == ["positive_off_query", "positive_not_closest"]


def test_a_negative_off_the_subject_is_too_easy(sim):
    assert flagged(RetrievalChecks(), retrieval("boil the egg", "a dog and a cat"), sim) == ["negative_off_query"]


def test_floors_can_be_overridden_by_reason(sim):
    row = retrieval("boil the egg", "a dog and a cat")
    assert flagged(RetrievalChecks(floor={"negative_off_query": -1.0}), row, sim) == []


def test_an_unrelated_matching_pair_is_flagged(sim):
    row = {"kind": "text-matching-long", "task": "Match cat stories.", "input": "the cat", "positive_document": "tax"}
    assert flagged(MatchingChecks(), row, sim) == ["pair_unrelated"]
    assert flagged(MatchingChecks(), {**row, "positive_document": "a cat again"}, sim) == []


def test_a_sentiment_label_for_a_task_that_names_no_sentiment_is_off_task(sim):
    row = {
        "kind": "text-classification",
        "task": "Classify a food safety review by the industry it concerns.",
        "input_text": "The kitchen of the restaurant was clean.",
        "label": "restaurant",
        "misleading_label": "farm",
    }
    off = {**row, "label": "negative", "misleading_label": "positive"}
    assert "label_off_task" in flagged(ClassificationChecks(), off, sim)
    sentiment = {**off, "task": "Classify a restaurant review by its sentiment."}
    assert "label_off_task" not in flagged(ClassificationChecks(floor={"label_off_task": -0.5}), sentiment, sim)


def test_the_label_space_is_what_follows_the_last_by(sim):
    assert label_space("Classify a food safety review by the industry it concerns.") == "the industry it concerns"
    assert label_space("Sort emails into spam or not spam") == "spam or not spam"
    assert label_space("Classify tweets") == "Classify tweets"


def test_an_sts_triplet_whose_s3_is_closer_is_flagged(sim):
    row = {"kind": "sts", "S1": "a cat", "S2": "a dog", "S3": "a cat, a cat"}
    assert flagged(TripletChecks(), row, sim) == ["similar_not_closer"]
    assert flagged(TripletChecks(), {**row, "S2": "the cat", "S3": "a dog"}, sim) == []


def test_embed_families_need_an_embedder():
    with pytest.raises(ConfigError, match="embedder"):
        RetrievalChecks().measure(retrieval("a", "b"), None)


def test_an_embedder_that_returns_the_wrong_shape_is_refused():
    with pytest.raises(ConfigError, match="one vector per text"):
        Similarity(lambda texts: [[1.0]]).prefetch(["a", "b"])
