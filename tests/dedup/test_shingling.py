"""Shingles: case and punctuation never matter; glue words and inflections do not count."""

from __future__ import annotations

from embtaskgen.dedup.shingling import shingle_set


def test_word_shingles_are_stemmed_content_words():
    a = shingle_set("Classify product reviews by their sentiment.", "word")
    b = shingle_set("classify the SENTIMENT of a product review!", "word")
    assert sorted(a) == sorted(b) == ["classify", "product", "review", "sentiment"]
    assert shingle_set("find news about it", "word", 2) == ["find new"]


def test_texts_without_shingles_fall_back_to_their_text():
    assert shingle_set("It is the one.", "word") == ["it is the one"]
    assert shingle_set("", "word") == [""]
    assert shingle_set("Hi!", "char", 4) == ["hi"]


def test_a_full_stem_table_is_emptied_and_filled_again(monkeypatch):
    import embtaskgen.dedup.shingling as shingling

    monkeypatch.setattr(shingling, "_STEMS_MOST", 2)
    monkeypatch.setattr(shingling, "_STEMS", {})
    for _ in range(2):
        stems = shingle_set("Retrieve the matching passages for queries", "word")
        assert stems == ["retriev", "match", "passag", "query"] and len(shingling._STEMS) <= 6


def _reference(text: str, size: int) -> list[str]:
    """Word shingles as first written: normalise_task's words, glue words out, stemmed."""
    from embtaskgen.quality.text import MAX_TEXT_CHARS, STOPWORDS, stem
    from embtaskgen.text.normalise import normalise_task

    norm = normalise_task(text[:MAX_TEXT_CHARS])
    words = [stem(w) for w in norm.split() if w not in STOPWORDS]
    grams = words if size == 1 else [" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))]
    return [g for g in dict.fromkeys(grams) if g] or [norm]


def test_word_shingles_equal_the_reference_on_random_text(monkeypatch):
    import random

    import embtaskgen.dedup.shingling as shingling

    monkeypatch.setattr(shingling, "_STEMS_MOST", 50)  # the table is emptied many times
    monkeypatch.setattr(shingling, "_STEMS", {})
    rng = random.Random(3)
    words = ["Given", "the", "THAT", "a", "reviews", "matches", "classifies", "Café", "ﬁles", "naïve", "ÉTÉ", "x"]
    words += ["Straße", "İstanbul", "given", "news", "it's", "“quoted”", "—", "...", "\u00a0", "\u3000", "\t", "q1"]
    for _ in range(3000):
        text = rng.choice([" ", "", "-", ", "]).join(rng.choice(words) for _ in range(rng.randrange(12)))
        for size in (1, 2, 3):
            assert shingle_set(text, "word", size) == _reference(text, size), (text, size)
