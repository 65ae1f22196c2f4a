"""Glued words in tasks: the gate misses them, the vocabulary check catches them and spares compounds."""

import pytest

from embtaskgen.brainstorm.prompt_demos import gate_for
from embtaskgen.checks.family import flagged
from embtaskgen.checks.glued import GluedWordChecks, glued_words

WORDS = frozenset("medical condition by insurance that discusses it on the security smartphone retrieve".split())

GLUED = [
    "Given a question about a medicalcondition, retrieve articles that discuss it.",
    "Given a claim made byinsurance companies, retrieve documents that answer it.",
    "Given a question, retrieve an article thatdiscussesit.",
    "Given a topic, retrieve news articles onit.",
]


@pytest.mark.parametrize("task", GLUED)
def test_glued_words_that_pass_the_gate_are_flagged(task):
    assert gate_for().check(task, "text-retrieval").ok  # what the gate let through (issue 24)
    assert flagged(GluedWordChecks(words=WORDS), {"category": "text-retrieval", "task": task}, None) == ["glued_words"]


def test_compounds_known_words_and_capitalised_names_are_not_glued():
    text = "Given a smartphone or cybersecurity question about MedicalCondition Inc, retrieve the answer."
    assert glued_words(text, WORDS | {"cyber", "smart", "phone"}) == []
