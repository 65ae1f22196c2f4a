"""The provider side of a batch: upload the input file, create the batch, poll it, download its answers.

Through the ``openai`` client's public API (``files.create``, ``batches.create``,
``batches.retrieve``, ``files.content``) at the run's ``api_base`` (OpenAI's endpoint when
there is none) with the run's key, which goes in a header only. A batch ends
``completed``, ``failed``, ``expired`` or ``cancelled``; the answers of the calls it
finished are in its output file, those of calls that failed in its error file.

Example:
    >>> client = BatchClient("http://127.0.0.1:8000/v1", "not-needed")
    >>> client.base_url
    'http://127.0.0.1:8000/v1'
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Sequence
from typing import Any

from embtaskgen.errors import BatchError
from embtaskgen.lm.resolve import PLACEHOLDER_KEY
from embtaskgen.lm.untrusted import redact
from embtaskgen.runs.batch.requests import ENDPOINT
from embtaskgen.runs.batch.results import Answer, parse_results

__all__ = ["ENDED", "BatchClient", "Ended"]

logger = logging.getLogger(__name__)

#: The statuses a batch ends in.
ENDED = frozenset({"completed", "failed", "expired", "cancelled"})


class Ended:
    """What a batch that ended left: its status, the answers by ``custom_id``, and a note for the others."""

    def __init__(self, batch_id: str, status: str, answers: dict[str, Answer], note: str = "") -> None:
        self.batch_id, self.status, self.answers, self.note = batch_id, status, answers, note

    @property
    def source(self) -> str:
        """How a call without an answer names the batch (``batch <id> (<status>[: note])``)."""
        return f"batch {self.batch_id} ({self.status}{': ' + self.note if self.note else ''})"


class BatchClient:
    """An OpenAI-compatible batch API at ``base_url`` (``None``: OpenAI's) with ``api_key``."""

    def __init__(self, base_url: str | None, api_key: str | None, *, timeout: float = 120.0) -> None:
        self.base_url = base_url
        self._key = api_key or PLACEHOLDER_KEY
        self._secrets = [api_key] if api_key else []
        self.timeout = timeout
        self._client: Any = None

    @classmethod
    def for_generator(cls, generator: Any) -> BatchClient:
        """The batch API of the server ``generator``'s model is served at, with the key its calls use."""
        lm = generator.lm
        model = str(getattr(lm, "model", ""))
        provider = model.split("/", 1)[0].upper() if "/" in model else "OPENAI"
        base = generator.settings.api_base
        if base is None:
            kwargs = getattr(lm, "kwargs", None) or {}
            base = getattr(lm, "api_bases", None) or kwargs.get("api_base") or kwargs.get("base_url")
        config = getattr(getattr(lm, "engine", None), "config", None)  # a guarded engine keeps the URL
        if base is None:
            base = next(iter((getattr(config, "base_urls", None) or {}).values()), None)
        if base is None:
            base = os.environ.get(f"{provider}_API_BASE") or os.environ.get(f"{provider}_BASE_URL")
        if isinstance(base, (tuple, list)):
            base = base[0]  # replicas serve the same model: the batch goes to the first
        key = (getattr(lm, "kwargs", None) or {}).get("api_key")
        if key is None:
            keys = getattr(config, "api_keys", None) or {}
            key = next((value for value in keys.values() if isinstance(value, str)), None)
        key = key or os.environ.get(f"{provider}_API_KEY")
        return cls(base, key, timeout=generator.settings.timeout)

    def _api(self) -> Any:
        if self._client is None:
            import openai

            self._client = openai.OpenAI(base_url=self.base_url, api_key=self._key, timeout=self.timeout)
        return self._client

    def _failed(self, what: str, exc: Exception) -> BatchError:
        where = self.base_url or "OpenAI's API"
        return BatchError(redact(f"{what} at {where} failed: {type(exc).__name__}: {exc}", self._secrets))

    def submit(self, lines: Sequence[dict[str, Any]], *, metadata: dict[str, str] | None = None) -> str:
        """Upload ``lines`` as a batch input file, create the batch; its id.

        Raises:
            BatchError: The server refused the file or the batch, or could not be reached.
        """
        data = "".join(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n" for line in lines)
        api = self._api()
        try:
            uploaded = api.files.create(file=("embtaskgen-batch.jsonl", data.encode("utf-8")), purpose="batch")
        except Exception as exc:
            raise self._failed("uploading the batch input file", exc) from None
        try:
            batch = api.batches.create(
                input_file_id=uploaded.id, endpoint=ENDPOINT, completion_window="24h", metadata=metadata
            )
        except Exception as exc:
            raise self._failed("creating the batch", exc) from None
        logger.info("submitted batch %s: %d requests (input file %s)", batch.id, len(lines), uploaded.id)
        return str(batch.id)

    def status(self, batch_id: str) -> Any:
        """The batch as the server describes it now (``status``, ``output_file_id``, ``error_file_id``, ...)."""
        try:
            return self._api().batches.retrieve(batch_id)
        except Exception as exc:
            raise self._failed(f"polling batch {batch_id}", exc) from None

    def wait(self, batch_id: str, poll: float, stop: Any) -> Ended | None:
        """Poll every ``poll`` seconds until the batch ends (``None``: ``stop`` asked to stop first)."""
        last = ""
        while True:
            batch = self.status(batch_id)
            if batch.status != last:
                counts = getattr(batch, "request_counts", None)
                done = f" ({counts.completed}/{counts.total} done)" if counts is not None else ""
                logger.info("batch %s: %s%s", batch_id, batch.status, done)
                last = batch.status
            if batch.status in ENDED:
                return self.collect(batch)
            deadline = time.monotonic() + poll
            while time.monotonic() < deadline:
                if stop.draining:
                    return None
                time.sleep(min(0.05, poll))

    def collect(self, batch: Any) -> Ended:
        """The answers of a batch that ended (its output and error files)."""
        lines: list[str] = []
        for file_id in (batch.output_file_id, batch.error_file_id):
            if file_id:
                try:
                    lines.extend(self._api().files.content(file_id).text.splitlines())
                except Exception as exc:
                    raise self._failed(f"downloading file {file_id} of batch {batch.id}", exc) from None
        errors = getattr(getattr(batch, "errors", None), "data", None) or []
        note = "; ".join(str(getattr(error, "message", "") or getattr(error, "code", "")) for error in errors)
        return Ended(str(batch.id), str(batch.status), parse_results(lines, f"batch {batch.id}"), note[:500])
