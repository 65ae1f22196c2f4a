"""The script table of the example languages, and the share of a text's letters in a script."""

from __future__ import annotations

import pytest

from embtaskgen.signatures.attributes import LANGUAGES
from embtaskgen.signatures.language_scripts import LANGUAGE_SCRIPTS, script_share


def test_every_prompt_language_has_its_scripts():
    assert set(LANGUAGE_SCRIPTS) == set(LANGUAGES)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Добрый день", "Russian"),
        ("Καλημέρα", "Greek"),
        ("مرحبا بالعالم", "Arabic"),
        ("שלום עולם", "Hebrew"),
        ("नमस्ते दुनिया", "Hindi"),
        ("สวัสดีชาวโลก", "Thai"),
        ("안녕하세요", "Korean"),
        ("你好世界", "Chinese"),
        ("こんにちは、カタカナー世界", "Japanese"),
        ("გამარჯობა", "Georgian"),
        ("வணக்கம்", "Tamil"),
        ("Zdravo svete", "Serbian"),
        ("Здраво свете", "Serbian"),
        ("Guten Tag", "German"),
    ],
)
def test_a_text_in_its_language_is_all_in_its_script(text, language):
    assert script_share(text, language) == 1.0


def test_other_scripts_count_against_and_non_letters_do_not_count():
    assert script_share("Hello", "Russian") == 0.0
    assert script_share("Привет 2024!", "German") == 0.0
    assert script_share("Привет, Bo", "Russian") == 0.75
    assert script_share("123 - 456", "Russian") is None
    assert script_share("", "Russian") is None
    assert script_share("Hello", "Elvish") is None
