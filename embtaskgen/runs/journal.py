"""The progress journal ``<output>.progress.jsonl``: what a run is, and what it finished.

Appended, never rewritten: a ``run`` line per session (:class:`JournalIdentity`: every
setting that shapes the rows; ``"rows_reset": true`` when the output was found gone),
then one line per call that reached an outcome, right after its rows, e.g.
``{"kind": "generation", "category": "text-retrieval", "generation": 12, "status": "ok", "kept": 17}``
(``status``: ``ok``, ``parse_failure``, final, or ``error``, tried again); a batch run adds
its batch's ``submitted`` and ``collected`` lines (:mod:`embtaskgen.runs.batch.record`). The URLs it
records are kept free of credentials.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import urllib.parse
from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import BaseModel

from embtaskgen.lm.untrusted import redact

__all__ = ["GeneratorIdentity", "JournalIdentity", "public_url", "public_urls", "replicas_may_change", "served_at"]

logger = logging.getLogger(__name__)


class JournalIdentity(BaseModel):
    """A stage's identity as its journal's ``run`` line holds it (the base of each stage's)."""

    run_head: ClassVar[dict[str, Any]] = {}  # what opens the run line, before the settings
    planned_as: ClassVar[str] = "planned"  # the name of the planned calls' count
    must_match: ClassVar[tuple[str, ...]] = ()  # in this order of reporting (empty: every field, in order)
    hints: ClassVar[dict[str, str]] = {}
    warn_unknown: ClassVar[bool] = False  # a field an older journal does not record: a warning, not a refusal

    @staticmethod
    def show(value: object) -> str:
        """A recorded value as a refusal names it."""
        return repr(value)

    def mismatch(self, other: Any) -> str | None:
        """The first setting that forbids resuming ``self``'s file (what it records) with ``other``, or ``None``."""
        unknown = []
        for name in self.must_match or tuple(type(self).model_fields):
            if self.warn_unknown and name not in self.model_fields_set:
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
                hint = self.hints.get(name, "")
                return f"{name}: the file was made with {self.show(mine)}, this run has {self.show(theirs)}{hint}"
        if unknown:
            logger.warning(
                "the journal does not record %s (written by an older embtaskgen); resuming without "
                "checking that this run uses the same",
                ", ".join(unknown),
            )
        return None

    def header(self, planned: int, *, rows_reset: bool = False) -> dict[str, Any]:
        """The ``run`` line that opens a session in the journal."""
        record = {
            "kind": "run",
            **self.run_head,
            **self.model_dump(),
            self.planned_as: planned,
            "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        }
        if rows_reset:
            record["rows_reset"] = True
        return record

    @classmethod
    def from_header(cls, record: dict[str, Any]) -> Any:
        """Read a ``run`` line back (unknown keys ignored; missing keys stay unknown)."""
        return cls.model_validate({key: record[key] for key in cls.model_fields if key in record})


class GeneratorIdentity(JournalIdentity):
    """What any generator's rows depend on, the base of both stages' identities: the seed, the
    model (:class:`~embtaskgen.settings.ModelSettings`), the prompts' digest and the sampling."""

    seed: int | None
    model_name: str | None = None
    api_base: str | list[str] | None = None
    program: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    no_repeat: float | None = None

    @staticmethod
    def values_of(generator: Any, program: str) -> dict[str, Any]:
        """These fields' values for ``generator`` (its seed may be ``None``), whose prompts' digest is ``program``."""
        settings = generator.settings
        sampling = {name: getattr(settings, name) for name in ("seed", "temperature", "max_tokens", "no_repeat")}
        return {**sampling, "model_name": generator.model_name, "api_base": served_at(generator), "program": program}


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

    When either side is a list of replicas (of the same model: ``model_name`` must still
    match) the set may change; two single URLs must be the same (another server may serve
    another model under the same name).

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
