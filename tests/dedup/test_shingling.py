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
