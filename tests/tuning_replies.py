"""Scripted answers for the optimization tests: varied tasks, better with worked examples."""

from __future__ import annotations

import hashlib

from scripted import chat_reply, prompt_text, scripted_lm

_QUERIES = [
    "a drug name",
    "a court ruling citation",
    "a bus route number",
    "a poem title",
    "a tax form code",
    "a dish name",
    "a painting title",
    "a satellite name",
    "a lab protocol name",
    "a port name",
    "a bird species",
    "a chess opening",
    "a contract clause heading",
    "a composer",
    "an error code",
    "a patent number",
    "a storm name",
    "a song title",
    "a company ticker",
    "a mineral",
]
_DOCS = [
    "encyclopedia articles",
    "forum threads",
    "news reports",
    "reference manuals",
    "review essays",
    "archived memos",
    "textbook chapters",
]
_VERBS = ["retrieve", "find", "search for"]


def varied_reply(request) -> str:
    """Eight retrieval tasks drawn by the prompt's hash; without worked examples in the
    conversation, every other one is off-category."""
    text = prompt_text(request)
    h = int(hashlib.sha256(text.encode()).hexdigest(), 16)
    with_demos = len(request.messages) > 1
    tasks = []
    for i in range(8):
        query = _QUERIES[(h >> (5 * i)) % len(_QUERIES)]
        docs = _DOCS[(h >> (5 * i + 2)) % len(_DOCS)]
        verb = _VERBS[(h >> (3 * i + 1)) % len(_VERBS)]
        if not with_demos and i % 2 == 0:
            tasks.append(f"List some facts number {i}.")
        else:
            tasks.append(f"Given {query}, {verb} {docs} that mention it, item {i}.")
    return chat_reply(tasks)


def varied_lm(model: str = "scripted/varied"):
    return scripted_lm(varied_reply, model=model)


def reflection_reply(request) -> str:
    """A reflection model that always proposes the same new instruction."""
    return "```\nWrite retrieval tasks: each names the short query and the documents to find.\n```"


def proposer_reply(request) -> str:
    """A MIPROv2 prompt model: answers every proposer signature's output fields."""
    fields = {
        "observations": "The data asks for tasks per topic.",
        "summary": "Tasks per topic.",
        "program_description": "It brainstorms tasks.",
        "module_description": "It writes a list of tasks.",
        "proposed_instruction": "Write retrieval tasks that name the query and the documents to find.",
    }
    return "\n\n".join(f"[[ ## {k} ## ]]\n{v}" for k, v in fields.items()) + "\n\n[[ ## completed ## ]]"
