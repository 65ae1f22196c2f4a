import pytest

from embtaskgen.text.normalise import normalise_task, strip_task


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("1. Retrieve news articles.", "Retrieve news articles."),
        ("  - \u201cFind papers that cite a title.\u201d, ", "Find papers that cite a title."),
        ("(3) Match a word to its definition", "Match a word to its definition"),
        ("Task 4: Given a claim, find evidence.", "Given a claim, find evidence."),
        ("* 2) 'nested markers'", "nested markers"),
        ("12 Angry Men reviews are classified by tone.", "12 Angry Men reviews are classified by tone."),
        ("   ", ""),
    ],
)
def test_strip_task(raw, clean):
    assert strip_task(raw) == clean


def test_normalise_folds_case_whitespace_and_punctuation():
    assert normalise_task("Retrieve  NEWS-articles!") == normalise_task("retrieve news articles")
    assert normalise_task("a b") != normalise_task("ab")


def test_ascii_text_folds_as_the_unicode_path_does():
    import string
    import unicodedata

    from embtaskgen.text.normalise import _PUNCT_TABLE, fold_task

    for text in [*map(chr, range(128)), string.printable, "Find  PAPERS, (citing) 'X'... now!"]:
        assert fold_task(text) == unicodedata.normalize("NFKC", text).casefold().translate(_PUNCT_TABLE)
    assert fold_task("Ｆｉｎｄ “Café”—NOW") == "find  café  now"


def test_normalise_collapses_every_kind_of_whitespace():
    assert normalise_task(" a\tb\u00a0c\u2003d\u3000e\n") == "a b c d e"
    assert normalise_task(" \u2028 ") == ""
