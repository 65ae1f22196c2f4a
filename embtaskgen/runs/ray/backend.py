"""The runner's Ray backend: one session's calls made by a pool of Ray actors, into a folder of shards.

The runner reads, checks and plans as for local threads; this backend makes the calls on
Ray (:mod:`.executor`) and writes the rows as shards (:mod:`.shard_output`), recorded on
the driver in plan order, so the same seed gives the same rows as the local runner.

Example:
    >>> gen = EmbeddingTaskGenerator("all", seed=7, lm="openai/m", api_base="http://10.0.0.5:8000/v1")  # doctest: +SKIP
    >>> run(gen, "out/", executor="ray", ray_workers=4)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from embtaskgen.errors import ConfigError
from embtaskgen.execute.scheduler import Outcome
from embtaskgen.lm.resolve import lm_concurrency
from embtaskgen.lm.spec import is_local_spec
from embtaskgen.runs.files import WriteError
from embtaskgen.runs.progressbar import make_bar
from embtaskgen.runs.ray.executor import RayPlan, drive_on_ray, ray_session
from embtaskgen.runs.ray.shard_output import ShardFolder
from embtaskgen.runs.session import ONCE, Session

__all__ = ["run_on_ray"]


def run_on_ray(
    generator: Any, session: Session, folder: ShardFolder, *, ray_address: str | None, ray_workers: int | None
) -> tuple[Outcome, int]:
    """Make the session's calls on Ray; why it ended and the calls in flight.

    A Ray address nothing answers on, or a folder that cannot be written, is a ``ConfigError`` (nothing run).
    """
    settings = generator.settings
    concurrency = lm_concurrency(generator.lm, settings.concurrency)
    plan = RayPlan.of(concurrency, ray_workers, embedded=is_local_spec(settings.lm))
    seed = session.identity.seed
    factory = session.stage.factory(seed)
    with ray_session(ray_address, workers=plan.workers, actor_cpus=plan.actor_cpus) as ray:
        try:
            folder.open(truncate=not session.resume, header=session.header)
        except WriteError as exc:
            raise ConfigError(f"{exc}; nothing was run") from exc
        recorder = session.recorder(
            folder.rows, folder.journal, folder.failures, make_bar(0, 0, enabled=False)
        )  # Ray Data shows its own
        try:
            outcome = drive_on_ray(
                ray,
                [(session.fresh, session.retry, True), (session.again, ONCE, False)],
                factory,
                seed=seed,
                plan=plan,
                recorder=recorder,
                tally=session.tally,
                result_type=session.stage.result_type,
                commit=folder.commit,
                max_failures=session.max_failures,
                progress=session.progress,
            )
        finally:
            folder.close()
    return outcome, plan.workers * plan.threads
