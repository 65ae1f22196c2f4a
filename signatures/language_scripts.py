"""The script each language of the example prompts is written in, told from Unicode names.

Stage 2 asks for texts in a language (:data:`embtaskgen.signatures.attributes.LANGUAGES`);
a small model often answers in another one. Telling French from English needs a model,
but telling Russian from English does not: the letters of a Russian text are Cyrillic.
:data:`LANGUAGE_SCRIPTS` maps every language of the list to the scripts it is commonly
written in (the first word of a letter's Unicode name: ``LATIN``, ``CYRILLIC``, ``CJK``,
``HIRAGANA`` ...; languages written in two scripts get both), and :func:`script_share`
measures the share of a text's letters in them. Only letters count (digits, punctuation
and combining vowel signs do not).

Example:
    >>> script_share("Привет, мир", "Russian")
    1.0
    >>> script_share("Hello world", "Russian")
    0.0
    >>> script_share("東京は日本の首都です", "Japanese")
    1.0
    >>> script_share("123", "Greek") is None, script_share("Hello", "Klingon") is None
    (True, True)
"""

from __future__ import annotations

import unicodedata

__all__ = ["LANGUAGE_SCRIPTS", "script_share"]

_LATIN = (
    "Afrikaans",
    "Albanian",
    "Azerbaijani",
    "Basque",
    "Bosnian",
    "Breton",
    "Catalan",
    "Croatian",
    "Czech",
    "Danish",
    "Dutch",
    "English",
    "Esperanto",
    "Estonian",
    "Filipino",
    "Finnish",
    "French",
    "Galician",
    "German",
    "Hausa",
    "Hungarian",
    "Icelandic",
    "Indonesian",
    "Irish",
    "Italian",
    "Javanese",
    "Latin",
    "Latvian",
    "Lithuanian",
    "Malagasy",
    "Malay",
    "Norwegian",
    "Oromo",
    "Polish",
    "Portuguese",
    "Romanian",
    "Scottish Gaelic",
    "Slovak",
    "Slovenian",
    "Somali",
    "Spanish",
    "Sundanese",
    "Swahili",
    "Swedish",
    "Turkish",
    "Vietnamese",
    "Welsh",
    "Western Frisian",
    "Xhosa",
)
_ONE_SCRIPT = {
    "Amharic": "ETHIOPIC",
    "Arabic": "ARABIC",
    "Armenian": "ARMENIAN",
    "Assamese": "BENGALI",
    "Belarusian": "CYRILLIC",
    "Bengali": "BENGALI",
    "Bulgarian": "CYRILLIC",
    "Burmese": "MYANMAR",
    "Chinese": "CJK",
    "Georgian": "GEORGIAN",
    "Greek": "GREEK",
    "Gujarati": "GUJARATI",
    "Hebrew": "HEBREW",
    "Hindi": "DEVANAGARI",
    "Kannada": "KANNADA",
    "Khmer": "KHMER",
    "Korean": "HANGUL",
    "Kyrgyz": "CYRILLIC",
    "Lao": "LAO",
    "Macedonian": "CYRILLIC",
    "Malayalam": "MALAYALAM",
    "Marathi": "DEVANAGARI",
    "Nepali": "DEVANAGARI",
    "Oriya": "ORIYA",
    "Pashto": "ARABIC",
    "Persian": "ARABIC",
    "Russian": "CYRILLIC",
    "Sanskrit": "DEVANAGARI",
    "Sinhala": "SINHALA",
    "Tamil": "TAMIL",
    "Telugu": "TELUGU",
    "Thai": "THAI",
    "Ukrainian": "CYRILLIC",
    "Urdu": "ARABIC",
    "Uyghur": "ARABIC",
    "Yiddish": "HEBREW",
}
_TWO_SCRIPTS = {
    "Kazakh": ("CYRILLIC", "LATIN"),
    "Kurdish": ("LATIN", "ARABIC"),
    "Mongolian": ("CYRILLIC", "MONGOLIAN"),
    "Punjabi": ("GURMUKHI", "ARABIC"),
    "Serbian": ("CYRILLIC", "LATIN"),
    "Sindhi": ("ARABIC", "DEVANAGARI"),
    "Uzbek": ("LATIN", "CYRILLIC"),
}

#: Language -> the scripts (first words of Unicode letter names) it is written in.
LANGUAGE_SCRIPTS: dict[str, frozenset[str]] = {
    **{language: frozenset({"LATIN"}) for language in _LATIN},
    **{language: frozenset({script}) for language, script in _ONE_SCRIPT.items()},
    **{language: frozenset(scripts) for language, scripts in _TWO_SCRIPTS.items()},
    "Japanese": frozenset({"CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA"}),
}


def _script(char: str) -> str:
    return unicodedata.name(char, "").split(" ", 1)[0]


def script_share(text: str, language: str) -> float | None:
    """Share of the letters of ``text`` written in a script of ``language``.

    Args:
        text: Any text.
        language: A language name of :data:`LANGUAGE_SCRIPTS`.

    Returns:
        A share in [0, 1], or ``None`` when it cannot be told: an unknown language, or a
        text without letters.

    Example:
        >>> script_share("Мир is", "Russian")
        0.6
    """
    scripts = LANGUAGE_SCRIPTS.get(language)
    letters = [char for char in text if char.isalpha()]
    if scripts is None or not letters:
        return None
    return sum(_script(char) in scripts for char in letters) / len(letters)
