"""The progress journal ``<output>.progress.jsonl``: what a run is, and what it finished.

One JSON object per line, appended, never rewritten:

* a **run** line when a run (or a resumed session) starts, with every setting that
  shapes the rows (:class:`RunIdentity`)::

    {"kind": "run", "version": 2, "seed": 7, "categories": ["text-retrieval"],
     "flatten": true, "num_tasks": 20, "topic": "", "model_name": "openai/m",
     "keep_duplicates": false, "program": "3f2a...", "temperature": 1.0,
     "max_tokens": null, "no_repeat": null, "api_base": "http://127.0.0.1:8000/v1",
     "topic_pool": null, "few_shot": 2, "avoid_archive": 0,
     "num_generations": 1000, "started": "2026-...Z"}

  ``api_base`` is a list when the run spreads its calls over replicas (``--api-base``
  repeated); a resume may then use another set of replicas of the same model.
  ``"rows_reset": true`` marks a session that found the output file gone: the
  ``ok`` lines before it no longer describe the file.

* a **generation** line for each generation that reached an outcome, written right
  after its rows::

    {"kind": "generation", "category": "text-retrieval", "generation": 12,
     "status": "ok", "kept": 17}

  ``status`` is ``ok`` (rows written; ``kept`` may be 0 when every task was a
  duplicate, which is why a flattened file alone cannot tell), ``parse_failure``
  (the answer did not parse; final, since the same seed gives the same answer) or
  ``error`` (the call raised; a resume tries it again).

The journal is evidence, the rows are the truth: resume (:mod:`.resume`) counts a
generation as done when the output holds its rows, and takes the journal's word only
where rows cannot speak (an ``ok`` that kept 0 tasks, a parse failure).

Example:
    >>> identity = RunIdentity(seed=7, categories=["text-retrieval"], flatten=False,
    ...                        num_tasks=20, topic="", model_name="m", keep_duplicates=False)
    >>> identity.mismatch(identity.model_copy(update={"seed": 8}))
    'seed: the file was made with 7, this run has 8'
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import urllib.parse
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel

from embtaskgen.lm.adapter_choice import adapter_label
from embtaskgen.lm.untrusted import redact
from embtaskgen.programs.files import prompt_fingerprint
from embtaskgen.signatures.topics import TOPICS

__all__ = [
    "DONE_STATUSES",
    "GenerationStatus",
    "JOURNAL_VERSION",
    "RunIdentity",
    "generation_record",
    "pool_fingerprint",
    "public_url",
    "public_urls",
    "replicas_may_change",
    "served_at",
]

logger = logging.getLogger(__name__)

#: 2: the run line records every setting that shapes the rows (1: seed, categories,
#: flatten, num_tasks, topic, model_name, keep_duplicates).
JOURNAL_VERSION = 2

GenerationStatus = Literal["ok", "parse_failure", "error"]

#: Statuses a resumed run does not call again (when the rows agree; see :mod:`.resume`).
DONE_STATUSES: frozenset[str] = frozenset({"ok", "parse_failure"})

# Every field must match to resume, in this order of reporting. A field an older
# journal does not record is unknown: a warning, not a refusal.
_MUST_MATCH = (
    "seed",
    "categories",
    "flatten",
    "model_name",
    "api_base",
    "program",
    "num_tasks",
    "topic",
    "temperature",
    "max_tokens",
    "no_repeat",
    "frequency_penalty",
    "presence_penalty",
    "adapter",
    "topic_pool",
    "few_shot",
    "avoid_archive",
    "keep_duplicates",
)

_HINTS = {
    "program": " (the prompts differ: another --program, or a program file that changed)",
    "topic_pool": " (--topics)",
    "few_shot": " (--few-shot)",
    "avoid_archive": " (--avoid-archive)",
    "no_repeat": " (--no-repeat)",
    "frequency_penalty": " (--frequency-penalty)",
    "presence_penalty": " (--presence-penalty)",
    "adapter": " (--adapter)",
}


class RunIdentity(BaseModel):
    """Every setting that shapes the rows of one file (``seed=None``: not chosen yet).

    Read from a journal, the fields its run lines did not record are unknown (not in
    ``model_fields_set``); :meth:`mismatch` warns about those instead of refusing.
    """

    seed: int | None
    categories: list[str]
    flatten: bool
    num_tasks: int | None = None
    topic: str | None = None
    model_name: str | None = None
    keep_duplicates: bool | None = None
    program: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    no_repeat: float | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    adapter: str | None = None
    api_base: str | list[str] | None = None
    topic_pool: str | None = None
    few_shot: int | None = None
    avoid_archive: int | None = None

    @classmethod
    def of(cls, generator: Any) -> RunIdentity:
        """The identity of the rows ``generator`` writes (its seed may be ``None``)."""
        settings = generator.settings
        return cls(
            seed=settings.seed,
            categories=list(settings.categories),
            flatten=settings.flatten,
            num_tasks=settings.num_tasks,
            topic=settings.topic,
            model_name=generator.model_name,
            keep_duplicates=settings.keep_duplicates,
            program=prompt_fingerprint(generator),
            temperature=settings.temperature,
            max_tokens=settings.max_tokens,
            no_repeat=settings.no_repeat,
            frequency_penalty=settings.frequency_penalty,
            presence_penalty=settings.presence_penalty,
            adapter=adapter_label(settings.adapter),
            api_base=served_at(generator),
            topic_pool=pool_fingerprint(settings.topic_pool),
            few_shot=settings.few_shot,
            avoid_archive=settings.avoid_archive,
        )

    def mismatch(self, other: RunIdentity) -> str | None:
        """The first setting that forbids resuming ``self``'s file with ``other``, or ``None``.

        ``self`` is what the file records, ``other`` this run. A field ``self`` does
        not record (a journal of an older version) is logged as a warning only.
        """
        unknown = []
        for name in _MUST_MATCH:
            if name not in self.model_fields_set:
                unknown.append(name)
                continue
            mine, theirs = getattr(self, name), getattr(other, name)
            if name == "seed" and theirs is None:
                continue  # no seed chosen: the file's is adopted
            if name == "categories":
                mine, theirs = sorted(mine), sorted(theirs)
            if name == "api_base" and replicas_may_change(mine, theirs):
                continue
            if mine != theirs:
                hint = _HINTS.get(name, "")
                return f"{name}: the file was made with {_show(mine)}, this run has {_show(theirs)}{hint}"
        if unknown:
            logger.warning(
                "the journal does not record %s (written by an older embtaskgen); resuming without "
                "checking that this run uses the same",
                ", ".join(unknown),
            )
        return None

    def header(self, num_generations: int, *, rows_reset: bool = False) -> dict[str, Any]:
        """The ``run`` line that opens a session in the journal."""
        record = {
            "kind": "run",
            "version": JOURNAL_VERSION,
            **self.model_dump(),
            "num_generations": num_generations,
            "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        }
        if rows_reset:
            record["rows_reset"] = True
        return record

    @classmethod
    def from_header(cls, record: dict[str, Any]) -> RunIdentity:
        """Read a ``run`` line back (unknown keys ignored; missing keys stay unknown)."""
        return cls.model_validate({key: record[key] for key in cls.model_fields if key in record})


def _show(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if value is None:
        return "none (the default)"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def public_url(url: str | None) -> str | None:
    """``url`` as the journal keeps it: no user, password, query or fragment; lower-case host.

    Example:
        >>> public_url("HTTP://user:secret@Example.com:8000/v1/?key=abc")
        'http://example.com:8000/v1'
    """
    if url is None:
        return None
    try:
        parts = urllib.parse.urlsplit(str(url).strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return "[unparseable URL " + hashlib.sha256(str(url).encode("utf-8", "replace")).hexdigest()[:12] + "]"
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    path = parts.path.rstrip("/")
    return redact(urllib.parse.urlunsplit((parts.scheme.lower(), netloc, path, "", "")))


def public_urls(api_base: str | Sequence[str] | None) -> str | list[str] | None:
    """One ``api_base`` as :func:`public_url` keeps it, or a list of replica URLs so kept.

    Example:
        >>> public_urls(("http://u:pw@a:8000/v1/", "http://b:8000/v1"))
        ['http://a:8000/v1', 'http://b:8000/v1']
    """
    if api_base is None or isinstance(api_base, str):
        return public_url(api_base)
    return [str(public_url(url)) for url in api_base]


def served_at(generator: Any) -> str | list[str] | None:
    """The ``api_base`` a generator's calls go to (its settings', else its LM's), as :func:`public_urls` keeps it."""
    api_base = generator.settings.api_base
    if api_base is None:
        kwargs = getattr(generator.lm, "kwargs", None) or {}
        api_base = getattr(generator.lm, "api_bases", None) or kwargs.get("api_base") or kwargs.get("base_url")
    return public_urls(api_base)


def replicas_may_change(recorded: object, current: object) -> bool:
    """Whether a file made at ``recorded`` may be resumed at ``current`` (``api_base`` values).

    Replicas serve the same model (``model_name`` must still match), so when either side
    is a list of replicas the set may change on resume: add a replica, drop one that is
    down. Two single URLs must still be the same (another server may serve another model
    under the same name).

    Example:
        >>> replicas_may_change(["http://a/v1", "http://b/v1"], "http://a/v1")
        True
        >>> replicas_may_change("http://a/v1", "http://b/v1")
        False
    """
    changed = recorded != current
    if changed and (isinstance(recorded, list) or isinstance(current, list)):
        logger.info("resuming with other replicas: the file was made at %s, this run uses %s", recorded, current)
        return True
    return not changed


def pool_fingerprint(pool: Sequence[str] | None) -> str | None:
    """A short, comparable description of a topic pool (``None``: the lever is off).

    Example:
        >>> pool_fingerprint(None), pool_fingerprint(["law", "sports"])
        (None, '2 topics, sha256 35e7c9f2b71b')
    """
    if pool is None:
        return None
    digest = hashlib.sha256("\x1f".join(pool).encode("utf-8", "replace")).hexdigest()[:12]
    prefix = "built-in pool, " if tuple(pool) == tuple(TOPICS) else ""
    return f"{prefix}{len(pool)} topics, sha256 {digest}"


def generation_record(category: str, generation: int, status: GenerationStatus, kept: int = 0) -> dict[str, Any]:
    """The journal line of one finished generation."""
    return {"kind": "generation", "category": category, "generation": generation, "status": status, "kept": kept}
