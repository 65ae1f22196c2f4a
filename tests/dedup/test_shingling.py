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
