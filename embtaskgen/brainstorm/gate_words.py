"""The word lists the precision gate reads (:mod:`embtaskgen.brainstorm.precision_gate`).

Hand-written for English task sentences: where a sentence cannot end, which words carry
no content when the "given" and the "found" half of a task are compared, and which words
make "find X given X" a real relation.

Example:
    >>> "the" in TRAILING, "belongs" in STRANDING_VERBS or "belongs".endswith("s")
    (True, True)
"""

from __future__ import annotations

__all__ = [
    "FUNCTION",
    "GLUE_WORDS",
    "PRONOUNS",
    "RELATION",
    "SEEK_VERBS",
    "STRANDABLE",
    "STRANDERS",
    "STRANDING_VERBS",
    "TRAILING",
]

#: Words a finished sentence does not end on.
TRAILING = frozenset(
    """
    a an the and or but nor than that which whom whose its their his her your our my
    this these those such other another more most e i g eg ie vs via per between among
    including whether if when where while both either each any some all also be
    been being can could will would should may might must it's then so because
    although toward towards upon""".split()
)

#: Prepositions and verbs a sentence may end on when a relative clause or a question
#: word strands them ("what the product is used for", "who the author is").
STRANDABLE = frozenset(
    """
    of to in on at for with by from as into onto about over under after before within
    without out up is are was were do does has have had like""".split()
)
STRANDERS = frozenset("what which who whom where how why when".split())
PRONOUNS = frozenset("it they he she you we".split())
#: Verbs after which a preposition is stranded ("the movement the work belongs to").
STRANDING_VERBS = frozenset("is are was were be been written come go fall belong refer apply relate".split())

#: The verbs that end the "given" half of a retrieval or matching task.
SEEK_VERBS: tuple[str, ...] = tuple(
    """retrieve find search match locate identify return get fetch pair select rank recommend look
    determine discover""".split()
)

#: Words that carry no content when comparing the given and the found half.
FUNCTION = frozenset(
    """
    a an the and or of to in on at for with by from as into about that which who whose
    its their his her this these those it they them one some any each all is are be
    out up given find retrieve search match locate identify return get fetch look
    full complete entire whole corresponding matching""".split()
)

#: Words that make "find X given X" a real relation ("similar", "opposing", "citing").
RELATION = frozenset(
    """
    similar other same related opposite opposing contrasting different citing cited
    earlier later previous newer older competing comparable duplicate duplicates
    counter answer answers support supports refute refutes explain explains describe
    describes cite cites""".split()
)

#: Real words that open with "the", "and", "which" or "where"; any other such token is
#: two words glued together ("thequestion", "wheretheother"), which a length budget
#: that runs out in the middle of a phrase makes the model write.
GLUE_WORDS = frozenset(
    """
    there these their theirs them themselves then thence theory theories theme themes
    thematic therapy therapies therapist therapists theater theaters theatre theatres
    theatrical thesis theses theft thefts theology theological theorem theorems thermal
    thermostat thereby therefore therein thereof thereafter theoretical theorist
    theorists thermometer thermodynamics thesaurus thereabouts android androids andes
    anderson andrew andorra andean whichever whereas whereby wherein wherever
    whereabouts whereupon""".split()
)
