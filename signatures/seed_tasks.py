"""The seed tasks the prompts show: a project-written pool of tasks per category.

The pool serves two purposes: few-shot demos that show a small model what one task
looks like, and a diversity lever for any model (a few seed tasks drawn at random and
shuffled on every call). The tasks were written for this project from the
category descriptions in ``CATEGORIES.md``; none is copied from the paper or from
distilabel. Each is one sentence that reads as a general instruction.

Example:
    >>> import random
    >>> from embtaskgen.signatures.seed_tasks import sample_seed_tasks
    >>> len(sample_seed_tasks("text-retrieval", 3, random.Random(0)))
    3
"""

from __future__ import annotations

import random

from embtaskgen.errors import ConfigError

__all__ = ["SEED_TASKS", "sample_seed_tasks"]

SEED_TASKS: dict[str, tuple[str, ...]] = {
    "text-retrieval": (
        "Given a scientific claim, retrieve research abstracts that support or refute it.",
        "Given a question about nutrition, retrieve articles from health websites that answer it.",
        "Given a few keywords typed into a search engine, retrieve the web pages that best match them.",
        "Given a programming error message, retrieve forum threads that explain how to fix it.",
        "Given a legal question from a tenant, retrieve sections of housing law that apply to it.",
        "Given a symptom described in plain words, retrieve medical encyclopedia entries about possible causes.",
        "Given a question about a historical event, retrieve encyclopedia passages that describe it.",
        "Given a product feature a shopper is looking for, retrieve product descriptions that offer it.",
        "Given a customer question about a bank account, retrieve help-center articles that answer it.",
        "Given the name of a chemical compound, retrieve safety data sheets that describe its hazards.",
        "Given a math concept, retrieve textbook sections that explain it with examples.",
        "Given a travel question about a city, retrieve guidebook passages that answer it.",
        "Given a recipe ingredient, retrieve recipes that use it as a main component.",
        "Given a question about a software library function, retrieve the documentation pages that describe it.",
        "Given a news headline, retrieve full news articles that report on the same event.",
        "Given a patent claim, retrieve earlier patents that describe similar inventions.",
        "Given a question a student asks about climate change, retrieve explanatory articles for a general audience.",
        "Given a job title, retrieve job postings that describe matching positions.",
        "Given a question about tax deductions, retrieve official guidance documents that answer it.",
        "Given a gardening problem, retrieve horticulture articles that suggest solutions.",
        "Given a philosophical question, retrieve essays that discuss possible answers to it.",
        "Given a description of a bug in a mobile app, retrieve issue reports that describe the same problem.",
        "Given a question about a drug interaction, retrieve clinical reference entries that address it.",
        "Given a query about an astronomy topic, retrieve popular science articles that explain it.",
        "Given a question about company policy, retrieve passages from the employee handbook that answer it.",
        "Given a movie plot summary typed by a user, retrieve reviews of films with that plot.",
    ),
    "text-matching-short": (
        "Given a word, find its dictionary definition.",
        "Given the title of a research paper, find the titles of papers that cite it.",
        "Given a person's name, find a short phrase that states their occupation.",
        "Given a product name, find the category it belongs to in an online store.",
        "Given an English idiom, find a plain sentence that expresses the same meaning.",
        "Given a question from a quiz, find the short answer that fits it.",
        "Given a city name, find the name of the country it is in.",
        "Given a medical abbreviation, find its expanded form.",
        "Given a book title, find a one-sentence summary of the book.",
        "Given a search query, find other queries that ask for the same thing in different words.",
        "Given a chemical formula, find the common name of the compound.",
        "Given a job skill, find job titles that commonly require it.",
        "Given a song title, find the name of the artist who performed it.",
        "Given a short tweet, find another tweet that paraphrases it.",
        "Given a programming function name, find a one-line description of what it does.",
        "Given a company name, find its stock ticker symbol.",
        "Given a sentence in formal language, find an informal sentence with the same meaning.",
        "Given a disease name, find a short phrase naming its main symptom.",
        "Given a headline, find another headline about the same story.",
        "Given a species name in Latin, find its common name.",
        "Given a slang term, find a short explanation of what it means.",
        "Given a mathematical symbol, find the name of the operation it stands for.",
        "Given a one-sentence question on a forum, find duplicate questions asked by other users.",
        "Given an email subject line, find the subject lines of replies in the same thread.",
        "Given an ingredient, find names of dishes that are made with it.",
    ),
    "text-matching-long": (
        "Given an essay arguing one side of a debate, find essays that argue the opposite side.",
        "Given a long business proposal, find proposals that suggest competing strategies.",
        "Given a research paper, find other papers that study the same problem with a different method.",
        "Given a news article, find articles from other outlets that cover the same event.",
        "Given a legal contract, find contracts with similar terms and obligations.",
        "Given a product review, find longer reviews of the same product written by other customers.",
        "Given a patent application, find granted patents that describe similar inventions.",
        "Given a movie screenplay, find screenplays with a similar plot structure.",
        "Given a software design document, find design documents for systems with similar architecture.",
        "Given a patient's medical history report, find case reports of patients with similar conditions.",
        "Given a job description, find resumes of candidates who match it.",
        "Given a court opinion, find earlier opinions that cite the same legal principles.",
        "Given a grant proposal, find funded proposals on closely related research topics.",
        "Given a blog post about a personal experience, find posts describing similar experiences.",
        "Given a policy white paper, find reports that evaluate the same policy.",
        "Given a long forum post asking for advice, find posts that ask for the same advice.",
        "Given a travel diary entry, find entries from other travelers who visited the same region.",
        "Given a chapter of a novel, find chapters from other novels written in a similar style.",
        "Given an annual company report, find reports of competitors in the same industry.",
        "Given a technical tutorial, find tutorials that teach the same skill with other tools.",
        "Given a scientific review article, find review articles that reach different conclusions.",
        "Given a speech by a politician, find speeches that address the same issues.",
        "Given a privacy policy, find privacy policies with comparable data practices.",
        "Given a lecture transcript, find transcripts of lectures that cover the same material.",
        "Given a detailed incident report, find reports that describe incidents with the same root cause.",
    ),
    "text-classification": (
        "Classify a customer support ticket by the product area it concerns.",
        "Classify a job posting by the level of experience it requires.",
        "Classify a medical abstract by the type of study it describes.",
        "Classify a news article by the region of the world it reports on.",
        "Classify a recipe by the cuisine it belongs to.",
        "Classify a legal clause by the kind of obligation it creates.",
        "Classify a student essay by the grade level of its writing.",
        "Classify a bug report by how severe the problem is.",
        "Classify a product review by the aspect of the product it criticizes.",
        "Classify a scientific paper by the research field it contributes to.",
        "Classify an email by the action it asks the reader to take.",
        "Classify a social media post by the emotion it expresses.",
        "Classify a financial news story by its likely effect on the market.",
        "Classify a patient's message to a clinic by how urgent it is.",
        "Classify a poem by the literary period it comes from.",
        "Classify a court decision by the area of law it falls under.",
        "Classify a tweet by whether it states a fact or an opinion.",
        "Classify a hotel review by the traveler type who wrote it.",
        "Classify a piece of code by the programming paradigm it follows.",
        "Classify a political speech by the policy area it focuses on.",
        "Classify an insurance claim description by the type of damage reported.",
        "Classify a forum question by the skill level of the person asking it.",
        "Classify a song lyric by the theme it is about.",
        "Classify a citizen complaint sent to a city by the department that should handle it.",
        "Classify a children's story by the moral lesson it teaches.",
    ),
}


def sample_seed_tasks(category: str, k: int, rng: random.Random) -> list[str]:
    """Draw ``k`` distinct seed tasks of one category, in random order.

    Args:
        category: One of the category names (keys of ``SEED_TASKS``).
        k: How many tasks to draw; at most the size of the pool (about 25).
        rng: The random source; pass ``random.Random(seed)`` for reproducible draws.

    Returns:
        ``k`` distinct tasks, shuffled.

    Raises:
        ValueError: Unknown category, or ``k`` negative or larger than the pool.

    Example:
        >>> import random
        >>> a = sample_seed_tasks("text-classification", 2, random.Random(7))
        >>> a == sample_seed_tasks("text-classification", 2, random.Random(7))
        True
    """
    try:
        pool = SEED_TASKS[category]
    except KeyError:
        raise ConfigError(f"unknown category {category!r}; choose from {', '.join(SEED_TASKS)}") from None
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= len(pool):
        raise ConfigError(f"k must be an int between 0 and {len(pool)}, got {k!r}")
    return rng.sample(pool, k)
