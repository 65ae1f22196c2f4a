"""The on-category rules added for issue 15 (short matching targets, classified objects)."""

import pytest

from embtaskgen.quality.conformance import check_category, on_category


@pytest.mark.parametrize(
    "task",
    [
        "Given a product name, find a description of it.",
        "Given a word, find its definition.",
        "Given a movie title, find a one-sentence summary of its plot.",
        "Given a person's name, find a short phrase that states their occupation.",
    ],
)
def test_fair_short_matching_tasks_pass(task):
    assert on_category(task, "text-matching-short"), check_category(task, "text-matching-short")


@pytest.mark.parametrize(
    "task",
    [
        "Given a product description, find its name.",  # the query is not short
        "Given a title, find the full article.",  # the target is a long document
        "Given a scientific claim, retrieve research abstracts that support or refute it.",
        "Given a headline, find news posts about it.",  # a post is not one or two sentences
    ],
)
def test_longer_texts_are_still_not_short_matching(task):
    assert not on_category(task, "text-matching-short")


@pytest.mark.parametrize(
    ("task", "reason"),
    [
        ("Classify a movie by its genre.", "text"),
        ("Classify a product by the quality of the product.", "text"),
        ("Classify a company by its location.", "text"),
        ("Classify a movie by the genre its reviews name.", "not a text"),
        ("Classify an article by its title.", "labels by title"),
        ("Classify a medical review by the author that wrote it.", "labels by author"),
    ],
)
def test_classification_needs_a_text_and_a_label_its_content_implies(task, reason):
    verdict = check_category(task, "text-classification")
    assert not verdict and reason in verdict.reason


@pytest.mark.parametrize(
    "task",
    [
        "Classify a movie review by the genre of the film it discusses.",
        "Label a product return reason written by a customer with the category of the problem.",
        "Classify a news article by the country where it is published.",
        "Classify a weather forecast by the type of weather it predicts.",
        "Classify a piece of code by the programming paradigm it follows.",
    ],
)
def test_texts_about_things_are_classified_fine(task):
    assert on_category(task, "text-classification"), check_category(task, "text-classification")


def test_a_clause_after_the_finding_verb_does_not_own_the_target():
    task = "Given a science question on food, retrieve articles on health topics that answer it."
    assert on_category(task, "text-retrieval")
