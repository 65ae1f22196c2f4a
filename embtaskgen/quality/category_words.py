"""Word lists of the on-category rules added for issue 15 (stored as stems).

- :data:`SHORTISH`: middling texts that are often one or two sentences (a description,
  a summary): a short-matching *target* may be one, its query may not;
- :data:`THINGS` and :data:`WRITTEN`: what classification may not classify (a movie, a
  product) unless a text names what is read ("a movie review", "a reason written by");
- :data:`METADATA_LABELS`: labels that are facts about a text, not what it says;
- :data:`CLASSIFY_CUES`: words that open a label space after the classified object.

Example:
    >>> stem("descriptions") in SHORTISH, stem("movie") in THINGS
    (True, True)
"""

from __future__ import annotations

from embtaskgen.quality.text import stem

__all__ = ["CLASSIFY_CUES", "METADATA_LABELS", "SHORTISH", "THINGS", "WRITTEN"]

#: Middling texts that are often one or two sentences: a short-matching target may be one.
SHORTISH = frozenset(
    stem(w)
    for w in """description summary definition explanation synopsis blurb answer
                      reply response bio""".split()
)
CLASSIFY_CUES = frozenset({"by", "into", "as", "according", "based"})
#: Labels that are facts about a text rather than what it says (its title, its author,
#: when or where it was made, its price); a classifier cannot read them off the text.
METADATA_LABELS = frozenset(
    stem(w)
    for w in """content contents title name names description classification
                             publication author writer doctor user date time day year
                             location address value price size""".split()
)
#: Things that are not texts; classifying one ("Classify a movie by its genre") is not
#: text classification unless a text noun names what is read ("a movie review").
THINGS = frozenset(
    stem(w)
    for w in """movie film video image photo picture song product company business
                    service event person people animal flight job task transaction brand
                    item store shop network customer car restaurant city country weather
                    student patient doctor""".split()
)
#: Words that make the classified thing a text after all ("a reason written by a customer").
WRITTEN = frozenset(stem(w) for w in "written posted sent submitted typed forecast reason".split())
