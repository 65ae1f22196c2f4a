"""Stage-2 runs: the settings that shape an examples file, and reading an earlier run back.

:class:`ExampleRunIdentity` is the ``run`` line of an examples journal (``"stage":
"examples"``); :func:`read_examples_run` repairs and checks what an earlier run of the
same output left (see :mod:`embtaskgen.examples.stage` for the rules) and lists
the examples that need no new call, as the runner's
:class:`~embtaskgen.runs.resume.ExistingRun`.

Example:
    >>> identity = ExampleRunIdentity(seed=1, kinds=["sts"], count=2)
    >>> identity.mismatch(identity.model_copy(update={"count": 3}))
    'count: the file was made with 2, this run has 3'
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from embtaskgen.errors import ConfigError, ResumeError
from embtaskgen.examples.call import PlannedExample
from embtaskgen.runs.files import RunFiles, repair_tail, truncate
from embtaskgen.runs.journal import replicas_may_change, served_at
from embtaskgen.runs.resume import ExistingRun, parse_row

__all__ = ["ExampleRunIdentity", "check_fresh_examples", "read_examples_run"]

logger = logging.getLogger(__name__)

_FINAL = frozenset({"parse_failure", "invalid"})
Key = tuple[str, int]

_MUST_MATCH = (
    "seed",
    "kinds",
    "format",
    "model_name",
    "api_base",
    "program",
    "examples_per_task",
    "count",
    "temperature",
    "max_tokens",
    "no_repeat",
    "languages",
    "max_num_words",
)


class ExampleRunIdentity(BaseModel):
    """Every setting that shapes the rows of one examples file (``seed=None``: not chosen yet)."""

    seed: int | None
    kinds: list[str]
    format: str = "jsonl"
    model_name: str | None = None
    api_base: str | list[str] | None = None
    program: str | None = None
    examples_per_task: int | None = None
    count: int | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    no_repeat: float | None = None
    languages: str | list[str] | None = None
    max_num_words: int | None = None

    @classmethod
    def of(cls, generator: Any, format_: str) -> ExampleRunIdentity:
        """The identity of the rows ``generator`` writes in ``format_``."""
        settings = generator.settings
        languages = settings.languages if isinstance(settings.languages, str) else list(settings.languages)
        return cls(
            seed=settings.seed,
            kinds=list(settings.kinds),
            format=format_,
            model_name=generator.model_name,
            api_base=served_at(generator),
            program=_prompt_fingerprint(generator),
            examples_per_task=settings.examples_per_task,
            count=settings.count,
            temperature=settings.temperature,
            max_tokens=settings.max_tokens,
            no_repeat=settings.no_repeat,
            languages=languages,
            max_num_words=settings.max_num_words,
        )

    def mismatch(self, other: ExampleRunIdentity) -> str | None:
        """The first setting that forbids resuming ``self``'s file with ``other``, or ``None``."""
        for name in _MUST_MATCH:
            mine, theirs = getattr(self, name), getattr(other, name)
            if name == "seed" and theirs is None:
                continue
            if name == "api_base" and replicas_may_change(mine, theirs):
                continue
            if mine != theirs:
                return f"{name}: the file was made with {mine!r}, this run has {theirs!r}"
        return None

    def header(self, planned: int, *, rows_reset: bool = False) -> dict[str, Any]:
        """The ``run`` line that opens a session in the journal."""
        record = {
            "kind": "run",
            "stage": "examples",
            **self.model_dump(),
            "planned": planned,
            "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        }
        if rows_reset:
            record["rows_reset"] = True
        return record


def _prompt_fingerprint(generator: Any) -> str:
    state = {}
    for name, predictor in generator.named_predictors():
        dumped = predictor.dump_state()
        state[name] = {key: dumped.get(key) for key in ("signature", "demos")}
    text = json.dumps(state, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:16]


def _read_journal(files: RunFiles) -> tuple[dict[str, Any], list[Key], dict[Key, str]]:
    """The first run line's fields, the ``ok`` keys in order (after resets) and each key's last status."""
    recorded: dict[str, Any] = {}
    ok_keys: list[Key] = []
    last: dict[Key, str] = {}
    if not files.progress.exists():
        return recorded, ok_keys, last
    with open(files.progress, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            record = parse_row(raw, f"cannot resume {files.output}: {files.progress}:{number}")
            kind = record.get("kind")
            if kind == "run":
                if record.get("stage") != "examples":
                    raise ResumeError(
                        f"cannot resume {files.output}: {files.progress} is the journal of a "
                        "task run (embtaskgen generate), not of an examples run"
                    )
                for name, value in record.items():
                    recorded.setdefault(name, value)
                if record.get("rows_reset"):
                    ok_keys.clear()
                    last = {k: s for k, s in last.items() if s != "ok"}
            elif kind == "example":
                try:
                    key = (str(record["task_id"]), int(record["example_index"]))
                    status = str(record["status"])
                except (KeyError, TypeError, ValueError) as exc:
                    raise ConfigError(f"{files.progress}:{number}: not an example line ({exc})") from exc
                last[key] = status
                if status == "ok":
                    ok_keys.append(key)
            else:
                raise ResumeError(
                    f"cannot resume {files.output}: {files.progress}:{number}: unknown journal line kind {kind!r}"
                )
    return recorded, ok_keys, last


def read_examples_run(files: RunFiles, expected: ExampleRunIdentity, plan: Sequence[PlannedExample]) -> ExistingRun:
    """Repair and check the output and journal of an earlier run; what is done, what failed before.

    Raises:
        ResumeError: Other settings (the message names the setting and both values), a row
            or journal line of another run or of a task that this run does not plan.
    """
    state = ExistingRun()
    repair_tail(files.progress)
    recorded, ok_keys, last = _read_journal(files)
    if recorded:
        identity = ExampleRunIdentity.model_validate(
            {key: recorded[key] for key in ExampleRunIdentity.model_fields if key in recorded}
        )
        reason = identity.mismatch(expected)
        if reason is not None:
            raise ResumeError(f"cannot resume {files.output}: {reason}")
        state.identity, state.seed = identity, identity.seed
    else:
        state.seed = expected.seed
    planned = {(item.task_id, item.index): item for item in plan}
    rows: set[Key] = set()
    if not files.output.exists():
        if ok_keys:
            state.rows_reset = True
            logger.warning("%s is gone: every example is called again (except the final failures)", files.output)
        ok_keys = []
        last = {k: s for k, s in last.items() if s != "ok"}
    elif expected.format == "sentence-transformers":
        repair_tail(files.output)
        offsets = [0]
        with open(files.output, "rb") as handle:
            for raw in handle:
                offsets.append(offsets[-1] + len(raw))
        lines = len(offsets) - 1
        if lines > len(ok_keys):  # records no ok line confirms: a write cut short
            truncate(files.output, offsets[len(ok_keys)])
            logger.warning("%s: removed %d record(s) not confirmed by the journal", files.output, lines - len(ok_keys))
            lines = len(ok_keys)
        rows.update(ok_keys[:lines])
    else:
        repair_tail(files.output)
        with open(files.output, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                where = f"cannot resume {files.output} (line {number})"
                row = parse_row(raw, where)
                if state.seed is None:
                    state.seed = row.get("seed")
                if row.get("seed") != state.seed:
                    raise ResumeError(
                        f"{where}: seed: the row was made with {row.get('seed')}, this run has {state.seed}"
                    )
                if expected.model_name is not None and row.get("model_name") != expected.model_name:
                    raise ResumeError(
                        f"{where}: model_name: the row was made with {row.get('model_name')!r}, "
                        f"this run has {expected.model_name!r}"
                    )
                try:
                    key = (str(row["task_id"]), int(row["example_index"]))
                except (KeyError, TypeError, ValueError) as exc:
                    raise ResumeError(f"{where}: not an example row ({exc!r} missing or malformed)") from exc
                item = planned.get(key)
                if item is None or row.get("task") != item.instruction:
                    raise ResumeError(
                        f"{where}: tasks: the row is example {key[1]} of task {key[0]!r}, "
                        "which this run does not plan with that text (another task file?)"
                    )
                rows.add(key)
    for key in rows:
        if key not in planned:
            raise ResumeError(
                f"cannot resume {files.output}: tasks: the journal records example {key[1]} of "
                f"task {key[0]!r}, which this run does not plan (another task file?)"
            )
    state.rows = state.tasks = len(rows)
    state.done = set(rows)
    for key, status in last.items():
        if key in rows:
            continue
        if status in _FINAL:
            state.done.add(key)
        elif status == "error":
            state.failed_before.add(key)
    return state


def check_fresh_examples(files: RunFiles) -> None:
    """Refuse to start a new run over an earlier one's output or journal (suggesting ``--resume``)."""
    if files.output.exists() and files.output.stat().st_size > 0:
        raise ConfigError(
            f"{files.output} exists and is not empty; pass resume=True to continue "
            "that run, or choose another output path"
        )
    if files.progress.exists() and files.progress.stat().st_size > 0:
        raise ConfigError(
            f"{files.progress} records an earlier run; pass resume=True to continue it, or choose another output path"
        )
