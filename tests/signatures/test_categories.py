import pytest

from embtaskgen import CATEGORIES
from embtaskgen.signatures import SIGNATURES
from embtaskgen.signatures.categories import PREDICTOR_NAMES, resolve_categories, signature_for


def test_categories_are_the_four_names_in_order():
    assert CATEGORIES == ("text-retrieval", "text-matching-short", "text-matching-long", "text-classification")
    assert set(SIGNATURES) == set(CATEGORIES)


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        ("text-retrieval", ("text-retrieval",)),
        (["text-matching-long", "text-retrieval"], ("text-matching-long", "text-retrieval")),
        ("all", CATEGORIES),
        (["text-retrieval", "all"], CATEGORIES),
    ],
)
def test_resolve_categories(request_, expected):
    assert resolve_categories(request_) == expected


@pytest.mark.parametrize("bad", ["retrieval", ["text-retrieval", "nope"], [], [3]])
def test_bad_category_names_the_valid_choices(bad):
    with pytest.raises(ValueError) as info:
        resolve_categories(bad)
    message = str(info.value)
    if bad != [3]:
        for name in CATEGORIES:
            assert name in message


def test_signature_for_unknown_category():
    with pytest.raises(ValueError, match="text-classification"):
        signature_for("text-sorting")


def test_predictor_names_are_not_reserved_module_attributes():
    for attribute in PREDICTOR_NAMES.values():
        assert attribute.isidentifier()
        assert attribute not in {"predictors", "parameters", "history", "callbacks"}
