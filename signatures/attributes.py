"""The attribute pools of the example kinds, and the languages they are written in.

Stage 2 draws, per example, one value from each pool its kind uses (with a local
``random.Random`` derived from the seed), and writes the drawn values into the prompt and
into the row. The pools follow the paper's appendix ("Improving Text Embeddings with
Large Language Models", Wang et al., 2024); ``num_words`` is capped for the embedded
model (see ``embtaskgen.examples``).

Languages: ``"english"`` (the default) is English alone; ``"paper"`` samples the XLM-R
language list with the weighting of an open reproduction of the paper: English about
0.43, thirteen high-resource languages about 0.03 each, every other language the rest
in equal parts.

Example:
    >>> import random
    >>> draw_language("paper", random.Random(0)) in LANGUAGES
    True
    >>> round(sum(LANGUAGE_WEIGHTS.values()), 6)
    1.0
"""

from __future__ import annotations

import random

from embtaskgen.errors import ConfigError

__all__ = [
    "CLARITY",
    "DIFFICULTY",
    "HIGH_RESOURCE",
    "HIGH_SCORES",
    "LANGUAGES",
    "LANGUAGE_CHOICES",
    "LANGUAGE_WEIGHTS",
    "LOW_SCORES",
    "NUM_WORDS",
    "QUERY_LENGTH",
    "QUERY_TYPE",
    "STS_DIFFICULTY",
    "UNITS",
    "draw_language",
]

QUERY_TYPE = ("extremely long-tail", "long-tail", "common")
QUERY_LENGTH = ("less than 5 words", "5 to 15 words", "at least 10 words")
CLARITY = ("clear", "understandable with some effort", "ambiguous")
NUM_WORDS = (50, 100, 200, 300, 400, 500)
DIFFICULTY = ("high school", "college", "PhD")
UNITS = ("sentence", "phrase", "passage")
STS_DIFFICULTY = ("elementary school", "high school", "college")
HIGH_SCORES = (4.0, 4.5, 5.0)
LOW_SCORES = (2.5, 3.0, 3.5)

#: The languages of XLM-R's pre-training data (CC-100), without its romanised variants.
LANGUAGES: tuple[str, ...] = (
    "Afrikaans",
    "Albanian",
    "Amharic",
    "Arabic",
    "Armenian",
    "Assamese",
    "Azerbaijani",
    "Basque",
    "Belarusian",
    "Bengali",
    "Bosnian",
    "Breton",
    "Bulgarian",
    "Burmese",
    "Catalan",
    "Chinese",
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
    "Georgian",
    "German",
    "Greek",
    "Gujarati",
    "Hausa",
    "Hebrew",
    "Hindi",
    "Hungarian",
    "Icelandic",
    "Indonesian",
    "Irish",
    "Italian",
    "Japanese",
    "Javanese",
    "Kannada",
    "Kazakh",
    "Khmer",
    "Korean",
    "Kurdish",
    "Kyrgyz",
    "Lao",
    "Latin",
    "Latvian",
    "Lithuanian",
    "Macedonian",
    "Malagasy",
    "Malay",
    "Malayalam",
    "Marathi",
    "Mongolian",
    "Nepali",
    "Norwegian",
    "Oriya",
    "Oromo",
    "Pashto",
    "Persian",
    "Polish",
    "Portuguese",
    "Punjabi",
    "Romanian",
    "Russian",
    "Sanskrit",
    "Scottish Gaelic",
    "Serbian",
    "Sindhi",
    "Sinhala",
    "Slovak",
    "Slovenian",
    "Somali",
    "Spanish",
    "Sundanese",
    "Swahili",
    "Swedish",
    "Tamil",
    "Telugu",
    "Thai",
    "Turkish",
    "Ukrainian",
    "Urdu",
    "Uyghur",
    "Uzbek",
    "Vietnamese",
    "Welsh",
    "Western Frisian",
    "Xhosa",
    "Yiddish",
)
#: Languages with the most data, sampled at about 0.03 each with ``languages="paper"``.
HIGH_RESOURCE: tuple[str, ...] = (
    "Arabic",
    "Chinese",
    "Dutch",
    "French",
    "German",
    "Indonesian",
    "Italian",
    "Japanese",
    "Korean",
    "Polish",
    "Portuguese",
    "Russian",
    "Spanish",
)
_ENGLISH_WEIGHT = 0.43
_HIGH_WEIGHT = 0.03
_REST = tuple(lang for lang in LANGUAGES if lang != "English" and lang not in HIGH_RESOURCE)
#: The ``"paper"`` weighting of :data:`LANGUAGES` (sums to 1).
LANGUAGE_WEIGHTS: dict[str, float] = {
    "English": _ENGLISH_WEIGHT,
    **{lang: _HIGH_WEIGHT for lang in HIGH_RESOURCE},
    **{lang: (1 - _ENGLISH_WEIGHT - _HIGH_WEIGHT * len(HIGH_RESOURCE)) / len(_REST) for lang in _REST},
}
#: What ``languages=`` accepts besides an explicit list of languages.
LANGUAGE_CHOICES = ("english", "paper")


def draw_language(languages: str | tuple[str, ...], rng: random.Random) -> str:
    """One language for one example.

    Args:
        languages: ``"english"``, ``"paper"`` (the weighted XLM-R list) or a tuple of
            languages drawn uniformly.
        rng: The example's local random generator.

    Raises:
        ConfigError: An unknown choice (the message names the valid ones).
    """
    if languages == "english":
        return "English"
    if languages == "paper":
        return rng.choices(list(LANGUAGE_WEIGHTS), weights=list(LANGUAGE_WEIGHTS.values()))[0]
    if isinstance(languages, tuple) and languages and all(isinstance(x, str) and x for x in languages):
        return languages[rng.randrange(len(languages))]
    raise ConfigError(
        f"languages must be one of {', '.join(LANGUAGE_CHOICES)} or a non-empty list of language names, "
        f"got {languages!r}"
    )
