"""Near copies of the worked example that stage 2's copies_worked_example misses."""

from embtaskgen.checks.copies import CopyChecks
from embtaskgen.checks.family import flagged
from embtaskgen.embedded.object_adapter import WORKED_EXAMPLES
from embtaskgen.examples.validity import copies_worked_example

STS = WORKED_EXAMPLES["sts"][1]


def test_a_worked_text_with_a_word_changed_in_another_field_is_a_copy():
    # The worked positive ("... (128GB, Blue)") written as the input, blue made red.
    row = {
        "kind": "text-matching-short",
        "input": "iPhone 13 smartphone by Apple (128GB, Red)",
        "positive_document": "Apple iPhone 13 with 128 GB in red",
    }
    assert not copies_worked_example(row["kind"], row, {})  # what stage 2 checked
    assert flagged(CopyChecks(), row, None) == ["near_worked_example"]


def test_a_retrieval_positive_with_two_words_changed_is_a_copy():
    worked = WORKED_EXAMPLES["text-retrieval"][1]
    changed = worked["positive_document"].replace("six", "seven").replace("toast", "bread")
    row = {
        "kind": "text-retrieval",
        "user_query": "how long to boil an egg",
        "positive_document": "A new text here.",
        "hard_negative_document": changed,
    }
    assert flagged(CopyChecks(), row, None) == ["near_worked_example", "prompt_sentences"]


def test_one_sentence_of_the_worked_document_in_another_is_a_copy():
    # The hard negative: the worked negative's second sentence, lightly edited, in a new text.
    negative = (
        "Hard-boiled eggs make a great snack and can be sliced into salads or sandwiches. They are not for your house."
    )
    row = {
        "kind": "text-retrieval",
        "user_query": "how old is my house",
        "positive_document": "Houses built in 1900.",
        "hard_negative_document": negative,
    }
    assert not copies_worked_example("text-retrieval", row, {})
    assert flagged(CopyChecks(), row, None) == ["prompt_sentences"]


def test_an_sts_text_made_of_the_prompts_example_sentences_is_flagged():
    row = {
        "kind": "sts",
        "S1": f"{STS['S1']} {STS['S2']} {STS['S3']}",
        "S2": "A woman sings in a park.",
        "S3": "A woman buys a ticket.",
    }
    assert not copies_worked_example("sts", row, {})
    assert flagged(CopyChecks(), row, None) == ["prompt_sentences"]


def test_written_texts_that_share_a_few_words_with_the_example_pass():
    row = {
        "kind": "sts",
        "S1": "A man is playing the violin in a quiet hall.",
        "S2": "A man plays a violin on stage.",
        "S3": "A man is repairing a violin in his workshop.",
    }
    assert flagged(CopyChecks(), row, None) == []
    row = {
        "kind": "text-matching-short",
        "input": "Samsung Galaxy S22, 256 GB, black",
        "positive_document": "Galaxy S22 phone by Samsung (256GB, Black)",
    }
    assert flagged(CopyChecks(), row, None) == []
