"""The runner's batch backend: one session's calls as one provider batch, its answers replayed into rows.

:func:`run_in_batch` renders every call to make as the online path would send it
(:mod:`.requests`), then either

* writes the batch input file and stops (``BatchMode(requests=...)``: status ``pending``),
* reads the answers from an output file (``BatchMode(results=...)``, e.g. ``vllm run-batch``'s), or
* uploads the file, creates the batch, records its id in the journal (:mod:`.record`) and
  polls it until it ends (:mod:`.client`); a session stopped while it waits leaves the
  batch open, and a resume polls that batch instead of submitting another.

The answers are then replayed through the local backend (:func:`~embtaskgen.runs.session.run_locally`)
on an LM that answers each call from them (:mod:`.results`), one call at a time: the
adapter, parsing, validity checks, journal lines and rows are the online path's, in plan
order. A call the batch did not answer fails with an error; a resume puts it in a new batch.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from embtaskgen.errors import BatchError, ConfigError
from embtaskgen.execute.faults import RetryPolicy
from embtaskgen.execute.interrupt import StopSignal
from embtaskgen.execute.scheduler import Outcome
from embtaskgen.runs.batch.calls import KeyedStage, batch_lm, custom_id
from embtaskgen.runs.batch.client import BatchClient, Ended
from embtaskgen.runs.batch.mode import BatchMode
from embtaskgen.runs.batch.prompts import RenderedPrompts
from embtaskgen.runs.batch.record import collected_line, submitted_line, written_line
from embtaskgen.runs.batch.requests import render_requests, write_requests
from embtaskgen.runs.batch.results import AnsweringTransport, read_results
from embtaskgen.runs.binding import run_settings
from embtaskgen.runs.files import LineWriter
from embtaskgen.runs.session import Session, run_locally

__all__ = ["check_batchable", "run_in_batch"]

logger = logging.getLogger(__name__)

#: A replayed answer is what it is: no run-level retry.
_NO_RETRY = RetryPolicy(attempts=0)


def run_in_batch(generator: Any, session: Session, mode: BatchMode) -> tuple[Outcome, int]:
    """Make the session's calls as one batch (see the module docstring); why it ended and its workers (1)."""
    stage, seed = session.stage, session.identity.seed
    keys = [*session.fresh, *session.again]
    if mode.requests is not None:
        lines = render_requests(stage, seed, generator.lm, keys)
        write_requests(mode.requests, lines)
        journal = _open_journal(session)  # the run line: the results run resumes with these settings
        try:
            if journal is not None:
                journal.write_records([written_line(str(mode.requests), len(lines))])
        finally:
            _close(journal)
        message = (
            f"wrote {len(lines)} batch requests to {mode.requests}; run them (e.g. vllm run-batch -i "
            f"{mode.requests} -o results.jsonl) and pass the output file with --batch-results and --resume"
        )
        logger.info("%s", message)
        return Outcome("pending", message), 0
    prompts = RenderedPrompts()  # rendered and replayed in this process: formatted once
    if mode.results is not None:
        _close(_open_journal(session))
        ended = Ended(str(mode.results), "file", read_results(mode.results))
        source = f"batch results {mode.results}"
    else:
        with StopSignal() as stop:
            found = _submit_and_wait(generator, session, mode, keys, stop, prompts)
        if isinstance(found, Outcome):
            return found, 0
        ended, source = found, found.source
    missing = sum(1 for key in keys if custom_id(key) not in ended.answers)
    if missing:
        logger.warning(
            "%s answers %d of %d calls; the others fail, and a resume batches them again",
            source,
            len(keys) - missing,
            len(keys),
        )
    lm = batch_lm(generator.lm, AnsweringTransport(ended.answers, source, session.secrets))
    replay = dataclasses.replace(
        session, stage=KeyedStage(stage), retry=_NO_RETRY, resume=True, header=None, max_rpm=None, max_tpm=None
    )  # the answers are here: nothing to pace
    settings = prompts.replaying(run_settings(generator.lm, one_request=True))
    outcome, _ = run_locally(generator, replay, lm=lm, workers=1, settings=settings)
    if mode.api and not outcome.stopped and session.files is not None:
        journal = LineWriter(session.files.progress)
        try:
            journal.write_records([collected_line(ended.batch_id, ended.status)])
        finally:
            journal.close()
    return outcome, 1


def _open_journal(session: Session) -> LineWriter | None:
    """The journal, opened for appending after this session's run line (a fresh run starts every file empty)."""
    files = session.files
    if files is None:
        return None  # rows to stdout (the results route): nothing to record
    for path in (files.output, files.failures):
        LineWriter(path, truncate=not session.resume).close()
    journal = LineWriter(files.progress, truncate=not session.resume)
    if session.header is not None:
        journal.write_records([session.header])
    return journal


def _close(journal: LineWriter | None) -> None:
    if journal is not None:
        journal.close()


def _submit_and_wait(
    generator: Any, session: Session, mode: BatchMode, keys: list[Any], stop: StopSignal, prompts: RenderedPrompts
) -> Ended | Outcome:
    """Submit the session's batch (or take the open one), record it, wait for it; an ``Outcome`` if stopped first."""
    client = BatchClient.for_generator(generator)
    recorded = getattr(session.existing, "batch", None)
    if recorded is not None:
        batch_id = str(recorded["id"])
        _close(_open_journal(session))
        logger.info("polling batch %s, which an earlier session submitted (never submitted twice)", batch_id)
    else:
        lines = render_requests(session.stage, session.identity.seed, generator.lm, keys, prompts)
        if stop.draining:
            return Outcome("interrupted", "interrupted before the batch was submitted; nothing was sent")
        journal = _open_journal(session)
        try:
            label = f"{session.stage.journal_kind} seed {session.identity.seed}"
            batch_id = client.submit(lines, metadata={"embtaskgen": label})
            if journal is not None:
                journal.write_records([submitted_line(batch_id, len(lines))])
        finally:
            _close(journal)
    try:
        ended = client.wait(batch_id, mode.poll, stop)
    except BatchError as exc:
        raise BatchError(
            f"{exc}; batch {batch_id} is recorded in the journal: resume with --batch (resume=True, "
            "batch=True) to poll it again"
        ) from None
    if ended is None:
        return Outcome(
            "interrupted",
            f"stopped while batch {batch_id} runs at the provider; --resume collects it (it is not submitted again)",
        )
    return ended


def check_batchable(generator: Any, mode: BatchMode, *, executor: str, to_stdout: bool) -> None:
    """Refuse what a batch run cannot do (a ``ConfigError``), before any file is touched.

    A batch needs the local executor, calls that do not depend on each other's answers
    (no avoid archive), a served model, and an output file to record an API batch in.
    """
    if executor != "local":
        raise ConfigError(f"batch mode runs on the local executor, got executor={executor!r}")
    if getattr(generator.settings, "sequential", False):
        raise ConfigError(
            "batch mode needs calls that do not depend on each other's answers; the avoid archive "
            "(avoid_archive / --avoid-archive) passes earlier answers into later calls: set it to 0"
        )
    if to_stdout and mode.api:
        raise ConfigError("a batch run records its batch in the journal: give an output file, not stdout")
    batch_lm(generator.lm, None)  # a served model with an OpenAI-style route
