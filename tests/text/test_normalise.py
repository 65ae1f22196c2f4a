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


def _reference(task: str) -> str:
    """normalise_task as first written: NFKC, casefold, punctuation to spaces, then every
    run of r"\\s" whitespace one space, stripped."""
    import re
    import unicodedata

    from embtaskgen.text.normalise import _PUNCT_TABLE

    folded = unicodedata.normalize("NFKC", task).casefold().translate(_PUNCT_TABLE)
    return re.sub(r"\s+", " ", folded).strip()


def test_str_split_and_the_regex_agree_on_whitespace_at_every_code_point():
    import re

    space = re.compile(r"\s")
    assert [c for c in map(chr, range(0x110000)) if bool(space.fullmatch(c)) != c.isspace()] == []


def test_normalise_equals_the_regex_reference_on_random_unicode():
    import random
    import re
    import unicodedata

    rng = random.Random(20)
    spaces = [c for c in map(chr, range(0x3100)) if re.fullmatch(r"\s", unicodedata.normalize("NFKC", c)[:1] or "x")]
    assert len(spaces) > 20  # the whitespace code points, and those NFKC makes whitespace
    special = ["\u00c5", "\u0130", "\u00df", "\ufb01", "\u2026", "\u2014", "\u0301", "\ud800", "\U0001f600", "\uff21"]
    pools = [
        [chr(i) for i in range(128)],
        spaces + list(" aB.-_'\"\u201c\u00ab") + special,
        [chr(rng.randrange(0x110000)) for _ in range(2000)],
    ]
    pools.append(pools[0] + pools[1] + pools[2])
    for _ in range(20_000):
        pool = rng.choice(pools)
        text = "".join(rng.choice(pool) for _ in range(rng.randrange(25)))
        assert normalise_task(text) == _reference(text), repr(text)
