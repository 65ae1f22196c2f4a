"""Word lists the category checks read (stems, see :func:`stem`): how English task sentences
name their parts. Extend them rather than special-casing a task.

Example:
    >>> stem("descriptions") in SHORTISH, stem("movie") in THINGS
    (True, True)
"""

from __future__ import annotations

from embtaskgen.quality.text import stem

__all__ = [
    "CLASSIFY_CUES",
    "CLASSIFY_VERBS",
    "DOC_NOUNS",
    "LABEL_CUES",
    "LONG_ADJECTIVES",
    "LONG_BIGRAMS",
    "LONG_NOUNS",
    "MEDIUM_NOUNS",
    "METADATA_LABELS",
    "QUERY_NOUNS",
    "SEEK_VERBS",
    "SHORTISH",
    "SHORT_ADJECTIVES",
    "SHORT_NOUNS",
    "TEXT_NOUNS",
    "THINGS",
    "WEAK_CLASSIFY_VERBS",
    "WRITTEN",
]


def _stems(words: str) -> frozenset[str]:
    return frozenset(stem(w) for w in words.split())


def _phrases(text: str) -> frozenset[str]:
    """Comma-separated phrases of one or more words (not stemmed)."""
    return frozenset(" ".join(phrase.split()) for phrase in text.split(","))


#: Verbs that make a task a search or a match (retrieval and both matching categories).
SEEK_VERBS = _stems(
    """retrieve find search locate fetch look surface return rank rerank identify select
    recommend collect gather pull obtain discover match pair link map align connect
    associate suggest seek lookup get"""
)

#: Verbs that make a task a classification.
CLASSIFY_VERBS = _stems("""classify categorize categorise label tag sort assign grade rate triage bucket route""")

#: Verbs that make a classification only when no finding verb is present.
WEAK_CLASSIFY_VERBS = _stems(
    """detect determine decide predict recognize recognise distinguish judge flag tell
    identify assess estimate infer evaluate score mark"""
)

#: Kinds of text that are short: a word, a phrase, one or two sentences.
SHORT_NOUNS = _stems(
    """title headline word phrase term keyword name question query claim sentence tweet
    caption slogan tagline acronym abbreviation hashtag idiom proverb quote quotation
    label entity synonym antonym translation definition symbol formula ticker emoji
    username nickname subject line utterance expression collocation lemma
    riddle pun motto alias code request statement topic problem symptom need prompt
    inquiry enquiry issue"""
)

#: Kinds of text that are long documents.
LONG_NOUNS = _stems(
    """document essay article report paper proposal contract story chapter transcript
    manuscript thesis dissertation book novel screenplay script speech lecture policy
    filing brief patent ruling judgment judgement manual guide tutorial
    whitepaper blog letter memo textbook handbook documentation specification spec
    resume cv biography memoir page diary journal file webpage review study case
    agreement statute legislation bill regulation decision sermon podcast episode eulogy
    dossier prospectus newsletter editorial column postmortem assessment
    syllabus syllabi audit license licence"""
)

#: Kinds of text of middling length (neither clearly short nor clearly long).
MEDIUM_NOUNS = _stems(
    """description summary abstract post comment message email answer paragraph
    passage excerpt snippet thread entry listing profile bio recipe reply response
    ticket complaint note lyric poem testimonial announcement advertisement ad notice
    instruction explanation card section clause
    record sheet posting advert application plan itinerary synopsis blurb release menu
    lyrics commit text leaflet bulletin brochure pamphlet flyer booklet handout factsheet"""
)

#: Words that name what a retrieval query is.
QUERY_NOUNS = _stems(
    """query question claim keyword term request statement topic problem symptom need
    description prompt search phrase inquiry enquiry issue ask rumor rumour hypothesis
    argument fact concept idea"""
)

#: Words that name what a retrieval should return (besides long and medium texts).
DOC_NOUNS = (
    LONG_NOUNS
    | MEDIUM_NOUNS
    | _stems(
        """source result resource material information content evidence reference dataset
    text website site publication literature law precedent documentation guideline
    discussion solution example faq collection archive database corpus"""
    )
)

#: Words that name the input of a classification (any kind of text).
TEXT_NOUNS = (
    SHORT_NOUNS
    | LONG_NOUNS
    | MEDIUM_NOUNS
    | _stems(
        """text content input statement conversation dialogue dialog chat transcript
    sample passage document snippet log"""
    )
)

#: Words that imply a label space in a classification task.
LABEL_CUES = _stems(
    """category categories class label type kind genre sentiment topic stance intent
    emotion polarity level severity urgency priority tone style register domain field
    area whether which among according into team department queue group"""
)

#: Adjectives that make the following text short.
SHORT_ADJECTIVES = _phrases(
    """short, brief, concise, tiny, one line, one sentence, single sentence, few word, two
    word, single word, one word, shorter, one phrase, single phrase, few words"""
)

#: Adjectives that make the following text long.
LONG_ADJECTIVES = _phrases(
    """long, longer, lengthy, full, entire, detailed, extensive, complete, comprehensive,
    whole, multi page, in depth, full length, long form"""
)

#: Two-word names of long texts; they override both the word lists and the adjectives.
LONG_BIGRAMS = _phrases(
    """short story, court opinion, legal opinion, judicial opinion, dissenting opinion,
    majority opinion, white paper, case study, case law, annual report"""
)

#: Middling texts that are often one or two sentences: a short-matching target may be one.
SHORTISH = _stems("description summary definition explanation synopsis blurb answer reply response bio")
#: Words that open a label space after the classified object ("by", "into", ...).
CLASSIFY_CUES = frozenset({"by", "into", "as", "according", "based"})
#: Labels that are facts about a text rather than what it says (its title, its author,
#: when or where it was made, its price); a classifier cannot read them off the text.
METADATA_LABELS = _stems(
    """content contents title name names description classification publication author
    writer doctor user date time day year location address value price size"""
)
#: Things that are not texts; classifying one ("Classify a movie by its genre") is not
#: text classification unless a text noun names what is read ("a movie review").
THINGS = _stems(
    """movie film video image photo picture song product company business service event
    person people animal flight job task transaction brand item store shop network
    customer car restaurant city country weather student patient doctor"""
)
#: Words that make the classified thing a text after all ("a reason written by a customer").
WRITTEN = _stems("written posted sent submitted typed forecast reason")
