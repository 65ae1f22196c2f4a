"""The Ray Data executor: planned calls as a Dataset, a pool of call actors, outcomes recorded on the driver.

The driver takes the outcomes in plan order (``preserve_order``), records them with the
local runner's recorder and commits a shard every :data:`SHARD_CALLS` calls or
:data:`SHARD_SECONDS` seconds, so the same seed gives the same rows with any number of
workers. A worker that dies loses nothing (Ray runs its batch again; each job is
recorded once); the batches still in the actors when a session stops are made by a resume.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import socket
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from embtaskgen.errors import ConfigError, MissingDependency
from embtaskgen.execute.faults import RetryPolicy
from embtaskgen.execute.interrupt import StopSignal
from embtaskgen.execute.scheduler import Outcome
from embtaskgen.runs.files import WriteError
from embtaskgen.runs.ray.actors import CallActor, CallFactory

__all__ = ["RayPlan", "drive_on_ray", "ray_session"]

logger = logging.getLogger(__name__)

#: A shard is written once this many calls are recorded, or ``SHARD_SECONDS`` after the
#: last one: fewer, larger files on long runs; a driver killed in between loses only
#: what a resume calls again.
SHARD_CALLS = 256
SHARD_SECONDS = 10.0

#: CPUs Ray reserves per actor that waits on a served model (I/O-bound); an embedded
#: model's actor reserves a whole CPU.
SERVED_ACTOR_CPUS = 0.25


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401 - the Data library is what the executor uses
    except ImportError as exc:
        raise MissingDependency(
            "executor='ray' needs Ray Data: pip install 'embtaskgen[ray]' (or pip install 'ray[data]')"
        ) from exc
    return ray


def _check_reachable(address: str) -> None:
    """A ``host:port`` nothing answers on fails here in 3 s (Ray itself waits minutes, then exits)."""
    if address == "auto" or address.startswith("ray://"):
        return
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise ConfigError(f"--ray-address must be 'auto', 'host:port' or 'ray://host:port', got {address!r}")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=3):
            pass
    except OSError as exc:
        raise ConfigError(f"cannot reach a Ray cluster at {address!r} ({exc.strerror or exc})") from exc


@contextlib.contextmanager
def ray_session(address: str | None, *, workers: int, actor_cpus: float) -> Iterator[Any]:
    """Connect to Ray (or start a local instance), yield the ``ray`` module, disconnect.

    Raises:
        ConfigError: ``address`` is malformed or nothing answers there (nothing was written).
        MissingDependency: Ray Data is not installed.
    """
    ray = _import_ray()
    if ray.is_initialized():
        yield ray
        return
    if address is not None:
        if not isinstance(address, str) or not address.strip():
            raise ConfigError(f"ray_address must be 'auto', 'host:port' or 'ray://host:port', got {address!r}")
        _check_reachable(address)
        try:
            ray.init(address=address, log_to_driver=False)
        except (ConnectionError, ValueError, RuntimeError, SystemExit) as exc:  # Ray exits when no GCS answers
            raise ConfigError(f"cannot connect to the Ray cluster at {address!r}: {exc}") from exc
    else:
        cpus = max(os.cpu_count() or 1, math.ceil(workers * actor_cpus) + 1)
        ray.init(num_cpus=cpus, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()


@dataclass(frozen=True)
class RayPlan:
    """How the calls are spread: ``workers`` actors of ``threads`` calls each, ``batch_size`` jobs per batch."""

    workers: int
    threads: int
    batch_size: int
    actor_cpus: float

    @classmethod
    def of(cls, concurrency: int, workers: int | None, *, embedded: bool, batch_size: int | None = None) -> RayPlan:
        """Split ``concurrency`` calls in flight over ``workers`` actors (default 2).

        An embedded model runs one call at a time in each actor (each loads the model).
        """
        if workers is None:
            workers = 2
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ConfigError(f"ray_workers must be an integer >= 1, got {workers!r}")
        threads = 1 if embedded else max(1, math.ceil(concurrency / workers))
        size = batch_size if batch_size is not None else threads
        return cls(workers=workers, threads=threads, batch_size=size, actor_cpus=1.0 if embedded else SERVED_ACTOR_CPUS)


class _RemoteError(Exception):
    """An error a call raised in a worker, rebuilt on the driver under its type's name."""


_STAND_INS: dict[str, type[_RemoteError]] = {}


def _remote_error(info: dict[str, Any]) -> Exception:
    name = str(info.get("error_type") or "RuntimeError")
    cls = _STAND_INS.get(name)
    if cls is None:
        cls = _STAND_INS[name] = type(name, (_RemoteError,), {"__module__": __name__})
    error = cls(str(info.get("error", "")))
    for key in ("status", "provider", "retry_after"):
        if key in info:
            setattr(error, key, info[key])
    return error


def _outcome_batches(
    ray: Any,
    keys: Sequence[tuple[str, int]],
    seed: int,
    factory: CallFactory,
    plan: RayPlan,
    retry: RetryPolicy,
    progress: bool,
) -> Generator[dict[str, Any], None, None]:
    from ray.data import ActorPoolStrategy, DataContext

    context = DataContext.get_current()
    saved = (context.execution_options.preserve_order, context.enable_progress_bars)
    context.execution_options.preserve_order = True
    context.enable_progress_bars = progress
    try:
        items = [{"category": c, "generation": g, "seed": seed} for c, g in keys]
        blocks = max(1, math.ceil(len(items) / plan.batch_size))
        dataset = ray.data.from_items(items, override_num_blocks=blocks).map_batches(
            CallActor,
            fn_constructor_kwargs={"factory": factory, "threads": plan.threads, "retry": retry},
            batch_size=plan.batch_size,
            batch_format="numpy",
            compute=ActorPoolStrategy(size=plan.workers, max_tasks_in_flight_per_actor=2),
            num_cpus=plan.actor_cpus,
        )
        yield from dataset.iter_batches(batch_size=None, batch_format="numpy")
    finally:
        context.execution_options.preserve_order, context.enable_progress_bars = saved


def drive_on_ray(
    ray: Any,
    sessions: Sequence[tuple[Sequence[tuple[str, int]], RetryPolicy, bool]],
    factory: CallFactory,
    *,
    seed: int,
    plan: RayPlan,
    recorder: Any,
    tally: Any,
    result_type: Callable[..., Any],
    commit: Callable[[], None],
    max_failures: int | None,
    progress: bool = False,
) -> Outcome:
    """Make the jobs on Ray and record every outcome on the driver, a batch at a time.

    ``sessions`` are ``(jobs, retry, counted)`` runs made one after the other (the fresh
    jobs, then those that failed in an earlier session, not counted toward
    ``max_failures``); ``commit`` makes what was recorded durable (a shard, its journal lines).
    """
    outcome = Outcome()
    seen: set[tuple[str, int]] = set()
    failed_counted = 0
    try:
        with StopSignal() as stop:
            for keys, retry, counted in sessions:
                if not keys or outcome.stopped:
                    continue
                before = tally.calls
                batches = _outcome_batches(ray, keys, seed, factory, plan, retry, progress)
                pending, last = 0, time.monotonic()
                try:
                    for batch in batches:
                        failed = _record_batch(batch, seen, recorder, tally, result_type)
                        pending += len(batch["category"])
                        if pending >= SHARD_CALLS or time.monotonic() - last >= SHARD_SECONDS:
                            commit()
                            pending, last = 0, time.monotonic()
                        failed_counted += failed if counted else 0
                        if max_failures is not None and failed_counted >= max_failures and counted:
                            outcome.stopped = "aborted"
                            outcome.message = (
                                f"stopped after {failed_counted} failed generations (max_failures={max_failures}); "
                                "the batches still in the workers were not written (resume makes them)"
                            )
                            logger.error("%s", outcome.message)
                            break
                        if stop.draining:
                            outcome.stopped, outcome.message = "interrupted", stop.reason
                            break
                finally:
                    batches.close()
                commit()  # what was recorded, also when the session stops early
                if not counted:
                    tally.retried_earlier = tally.calls - before
    except WriteError as exc:
        outcome = Outcome("aborted", f"{exc}; every shard is whole: free space (or fix the cause) and resume")
        logger.error("%s", outcome.message)
    except KeyboardInterrupt:
        outcome = Outcome("interrupted", "interrupted (Ctrl-C); the batches in the workers were not written")
    return outcome


def _record_batch(
    batch: dict[str, Any], seen: set[tuple[str, int]], recorder: Any, tally: Any, result_type: Callable[..., Any]
) -> int:
    """Give each new outcome of ``batch`` to the recorder; the failures among them."""
    failed = 0
    for number, category in enumerate(batch["category"]):
        key = (str(category), int(batch["generation"][number]))
        for cost in json.loads(str(batch["costs"][number])):
            tally.add_cost(cost)
        if key in seen:
            logger.info("%s %d: a second outcome (a batch made again after a worker died); dropped", *key)
            continue
        seen.add(key)
        status, attempts = str(batch["status"][number]), int(batch["attempts"][number])
        payload = json.loads(str(batch["payload"][number]))
        tally.retried += max(0, attempts - 1)
        if status == "ok":
            recorder.ok(result_type(**payload))
        elif status == "parse_failure":
            recorder.parse_failure(result_type(**payload), attempts)
            failed += 1
        else:
            recorder.error(key[0], key[1], _remote_error(payload), attempts)
            failed += 1
    return failed
