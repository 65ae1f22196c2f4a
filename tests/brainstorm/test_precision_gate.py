import pytest

from embtaskgen.brainstorm.precision_gate import GATE_REASONS, PrecisionGate, gate_tokens
from embtaskgen.signatures.seed_tasks import SEED_TASKS

GATE = PrecisionGate()


@pytest.mark.parametrize(
    ("task", "category", "reason"),
    [
        # cut by the length cap (the issue's own examples)
        (
            "Classify a film by the title of the film it is about, the year it was made, the.",
            "text-classification",
            "incomplete",
        ),
        ("Classify a movie by the subject it features (e.", "text-classification", "incomplete"),
        (
            "Given a term, find out if the term starts with a specific word in a given context, .",
            "text-matching-short",
            "incomplete",
        ),
        ("Given the title of the paper, find out the venue of a peer-reviewed [.", "text-matching-short", "incomplete"),
        (
            "Given a book review about a topic similar to, find reviews about similar books.",
            "text-matching-long",
            "incomplete",
        ),
        (
            "Given a government report, find reports that support the policy of the state and the.",
            "text-matching-long",
            "incomplete",
        ),
        (
            "Given a question about food safety, retrieve articles for foods listed on the Food,B.",
            "text-retrieval",
            "garbled",
        ),
        (
            "Classify by the subject it is classified on and the by the year it was published.",
            "text-classification",
            "garbled",
        ),
        ("Given a medical question, retrieve medical articles to answer thequestion.", "text-retrieval", "garbled"),
        ("Given a claim, retrieve an encyclopedia article, or an encyclopedia article.", "text-retrieval", "stutter"),
        ("Given a medical review, find medical reviews of other medical reviews.", "text-matching-long", "stutter"),
        ("Given a query, retrieve a full query.", "text-retrieval", "circular"),
        ("Given a feature, retrieve features.", "text-retrieval", "circular"),
        ("Given a title of an article, find out the title of the article.", "text-matching-short", "circular"),
        ("Classify a legal review by the type of legal review it is.", "text-classification", "circular"),
        ("Given the title, find out if the article is an educational piece.", "text-matching-short", "yes_no"),
        ("Given a word in a text, find its meaning, and if it is a short text.", "text-matching-short", "yes_no"),
        ("Given a word, find its dictionary definition.", "text-matching-short", "prompt_copy"),
    ],
)
def test_what_a_reader_drops_is_dropped_with_its_reason(task, category, reason):
    gate = PrecisionGate({category: SEED_TASKS[category]})
    verdict = gate.check(task, category)
    assert not verdict and verdict.reason == reason and verdict.detail
    assert reason in GATE_REASONS


@pytest.mark.parametrize(
    "task",
    [
        "Given a product name, find a description of it.",
        "Classify a recipe by the cuisine it belongs to.",
        "Given a city name, find the name of the country it is in.",
        "Given a programming function name, find a one-line description of what it does.",
        "Classify a bug report by how severe the problem is.",
        "Given a claim, retrieve evidence from server A.",
        "Label a social media post with the type of misinformation it contains, if any.",
        "Given a user's description of the music they like, retrieve album reviews that fit it.",
        "Given a legal brief, find legal briefs that argue the opposite side.",
        "Classify an email into spam or not.",
        "Given a news headline, retrieve full news articles that report on the same event.",
    ],
)
def test_fair_tasks_pass(task):
    assert GATE.check(task, "text-retrieval").ok


def test_every_seed_task_passes_the_reader_checks_and_is_a_copy_once_shown():
    for category, tasks in SEED_TASKS.items():
        shown = PrecisionGate({category: tasks})
        for task in tasks:
            assert GATE.check(task, category).ok, task
            assert shown.check(task, category).reason == "prompt_copy"


def test_near_copies_are_copies_but_a_new_domain_in_the_same_shape_is_not():
    gate = PrecisionGate(
        {
            "text-retrieval": [
                "Given a question about a software library function, "
                "retrieve the documentation pages that describe it.",
                "Given a customer question about a bank account, retrieve help-center articles that answer it.",
            ]
        }
    )
    one_word_dropped = "Given a question about a software library, retrieve the documentation pages that describe it."
    assert gate.copied(one_word_dropped, "text-retrieval")
    assert not gate.copied("Given a customer question about a car, retrieve articles that answer it.", "text-retrieval")
    assert not gate.copied(one_word_dropped, "text-classification")  # examples are per category


def test_classification_is_not_judged_for_yes_no():
    assert GATE.check("Classify a tweet by whether it is sarcastic.", "text-classification").ok


def test_templated_is_off_by_default_and_counts_the_calls_earlier_tasks():
    earlier = [
        "Given a health claim, retrieve health articles that describe it in detail.",
        "Given a legal claim, retrieve legal articles that describe it in detail.",
    ]
    task = "Given a sports claim, retrieve sports articles that describe it in detail."
    assert GATE.check(task, "text-retrieval", earlier).ok
    gate = PrecisionGate(template_limit=2)
    assert gate.check(task, "text-retrieval", earlier).reason == "templated"
    assert gate.check(task, "text-retrieval", earlier[:1]).ok


def test_bad_input_is_judged_not_raised():
    assert GATE.check("", "text-retrieval").reason == "incomplete"
    assert GATE.check("...", "text-retrieval").reason == "incomplete"
    assert GATE.check("Given a pöem, find its äuthor\u2019s name.", "text-matching-short").ok
    assert GATE.check("Given " + "a" * 5000 + ", find it.", "text-retrieval").reason == "garbled"  # "aaa"
    gate = PrecisionGate({"text-retrieval": ["", 3, None, "Given a claim, find its source."]})  # type: ignore[list-item]
    assert gate.shown("text-retrieval") == ["Given a claim, find its source."]
    assert gate_tokens("It's a user\u2019s query.") == ["it's", "a", "user's", "query"]
