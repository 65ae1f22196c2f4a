"""The provider side of a batch: upload the input file, create the batch, poll it, download its answers.

OpenAI's batch API (``POST /files``, ``POST /batches``, ``GET /batches/{id}``,
``GET /files/{id}/content``) at the run's ``api_base`` (OpenAI's endpoint when there is
none), through ``requests`` (which DSPy already loads: no import cost for the driver),
with the run's key in the ``Authorization`` header only. A batch ends ``completed``,
``failed``, ``expired`` or ``cancelled``; the answers of the calls it finished are in its
output file, those of calls that failed in its error file. Reads are tried 3 times on a
connection error, 429 or 5xx; creating the batch is tried once (a retry could create it twice).

Example:
    >>> client = BatchClient("http://127.0.0.1:8000/v1/", "not-needed")
    >>> client.base_url
    'http://127.0.0.1:8000/v1'
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from typing import Any

import requests

from embtaskgen.errors import BatchError
from embtaskgen.lm.resolve import PLACEHOLDER_KEY
from embtaskgen.lm.untrusted import redact
from embtaskgen.runs.batch.requests import ENDPOINT
from embtaskgen.runs.batch.results import Answer, parse_results

__all__ = ["ENDED", "OPENAI_BASE", "BatchClient", "Ended"]

logger = logging.getLogger(__name__)

#: The statuses a batch ends in.
ENDED = frozenset({"completed", "failed", "expired", "cancelled"})
#: OpenAI's API, for a model without ``api_base``.
OPENAI_BASE = "https://api.openai.com/v1"
#: Attempts of a read (upload, poll, download) that failed on the connection, 429 or 5xx.
_ATTEMPTS = 3


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
        self.base_url = (base_url or OPENAI_BASE).strip().rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key or PLACEHOLDER_KEY}"}
        self._secrets = [api_key] if api_key else []
        self.timeout = timeout
        self._session = requests.Session()

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

    def _call(self, what: str, method: str, path: str, *, retry: bool = True, **options: Any) -> requests.Response:
        """One request to ``path`` (a ``BatchError`` naming ``what`` when it fails)."""
        attempts = _ATTEMPTS if retry else 1
        for attempt in range(1, attempts + 1):
            try:
                response = self._session.request(
                    method, self.base_url + path, headers=self._headers, timeout=self.timeout, **options
                )
            except requests.RequestException as exc:
                if attempt == attempts:
                    raise self._failed(what, f"{type(exc).__name__}: {exc}") from None
            else:
                if response.status_code < 400:
                    return response
                if attempt == attempts or (response.status_code != 429 and response.status_code < 500):
                    raise self._failed(what, f"HTTP {response.status_code}: {_message(response)}")
            time.sleep(attempt)
        raise self._failed(what, "no attempt made")  # pragma: no cover - attempts >= 1

    def _failed(self, what: str, why: str) -> BatchError:
        return BatchError(redact(f"{what} at {self.base_url} failed: {why}", self._secrets))

    def submit(self, lines: Sequence[str], *, metadata: dict[str, str] | None = None) -> str:
        """Upload ``lines`` (JSON text) as a batch input file, create the batch; its id.

        Raises:
            BatchError: The server refused the file or the batch, or could not be reached.
        """
        data = "".join(line + "\n" for line in lines)
        upload = {"file": ("embtaskgen-batch.jsonl", data.encode("utf-8"), "application/jsonl")}
        uploaded = self._json(self._call("uploading the batch input file", "POST", "/files", files=upload,
                                         data={"purpose": "batch"}))  # fmt: skip
        body = {"input_file_id": uploaded.get("id"), "endpoint": ENDPOINT, "completion_window": "24h"}
        if metadata:
            body["metadata"] = metadata
        batch = self._json(self._call("creating the batch", "POST", "/batches", json=body, retry=False))
        batch_id = batch.get("id")
        if not isinstance(batch_id, str) or not batch_id:
            raise self._failed("creating the batch", "the answer names no batch id")
        logger.info("submitted batch %s: %d requests (input file %s)", batch_id, len(lines), uploaded.get("id"))
        return batch_id

    def status(self, batch_id: str) -> dict[str, Any]:
        """The batch as the server describes it now (``status``, ``output_file_id``, ``error_file_id``, ...)."""
        return self._json(self._call(f"polling batch {batch_id}", "GET", f"/batches/{batch_id}"))

    def wait(self, batch_id: str, poll: float, stop: Any) -> Ended | None:
        """Poll every ``poll`` seconds until the batch ends (``None``: ``stop`` asked to stop first)."""
        last = ""
        while True:
            batch = self.status(batch_id)
            status = str(batch.get("status"))
            if status != last:
                counts = batch.get("request_counts") or {}
                done = f" ({counts.get('completed')}/{counts.get('total')} done)" if counts else ""
                logger.info("batch %s: %s%s", batch_id, status, done)
                last = status
            if status in ENDED:
                return self.collect(batch_id, batch)
            deadline = time.monotonic() + poll
            while time.monotonic() < deadline:
                if stop.draining:
                    return None
                time.sleep(min(0.05, poll))

    def collect(self, batch_id: str, batch: dict[str, Any]) -> Ended:
        """The answers of a batch that ended (its output and error files)."""
        lines: list[str] = []
        for file_id in (batch.get("output_file_id"), batch.get("error_file_id")):
            if file_id:
                what = f"downloading file {file_id} of batch {batch_id}"
                lines.extend(self._call(what, "GET", f"/files/{file_id}/content").text.splitlines())
        errors = (batch.get("errors") or {}).get("data") or []
        note = "; ".join(str(error.get("message") or error.get("code") or "") for error in errors)
        return Ended(batch_id, str(batch.get("status")), parse_results(lines, f"batch {batch_id}"), note[:500])

    def _json(self, response: requests.Response) -> dict[str, Any]:
        try:
            value = response.json()
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise self._failed(f"reading {response.request.method} {response.url}", "the answer is not a JSON object")
        return value


def _message(response: requests.Response) -> str:
    """The error message of an OpenAI-style error answer (else the start of its text)."""
    try:
        error = response.json().get("error")
        return str(error.get("message") if isinstance(error, dict) else error)[:500]
    except (ValueError, AttributeError):
        return response.text[:500]
