"""French written where another language was asked: flagged; the asked language, or French asked, passes."""

from embtaskgen.checks.family import flagged
from embtaskgen.checks.language import LanguageChecks

ROW = {
    "kind": "bitext",
    "S1": "The library opens at ten in the morning.",
    "S2": "La bibliothèque ouvre à dix heures du matin et elle est grande.",
    "S3": "La bibliothèque ferme à dix heures du soir.",
    "attributes": {"source_language": "English", "target_language": "Italian"},
}


def test_french_for_italian_is_flagged():
    assert flagged(LanguageChecks(), ROW, None) == ["french_for_other"]


def test_italian_spanish_and_french_asked_pass():
    italian = {**ROW, "S2": "La biblioteca apre alle dieci del mattino.", "S3": "La biblioteca chiude alle dieci."}
    spanish = {
        **italian,
        "attributes": {"target_language": "Spanish"},
        "S2": "La biblioteca abre a las diez de la mañana.",
    }
    french = {**ROW, "attributes": {"source_language": "English", "target_language": "French"}}
    for row in (italian, spanish, french):
        assert flagged(LanguageChecks(), row, None) == []


def test_rows_without_attributes_are_not_judged():
    assert flagged(LanguageChecks(), {k: v for k, v in ROW.items() if k != "attributes"}, None) == []
