"""The Ray Data step of ``embtaskgen dedup --executor ray``: signatures of a folder's shards.

:func:`sign_shard` runs as a plain Ray task per shard (no actor pool: no CPU is held
between shards, so a 2-CPU instance never starves), with the local strict reader; the
driver takes the blocks in shard order (``preserve_order``) and runs the LSH pass. Ray
starts as the runner's does (:func:`embtaskgen.runs.ray.executor.ray_session`). A bad
line comes back as data (Ray loses the exception's type) and is raised as a ConfigError.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import numpy as np

from embtaskgen.dedup.source import DedupSource
from embtaskgen.errors import ConfigError, EmbtaskgenError
from embtaskgen.runs.ray.executor import ray_session

if TYPE_CHECKING:
    from embtaskgen.dedup.settings import DedupSettings

__all__ = ["RaySignatures", "ray_signature_blocks", "sign_shard"]

logger = logging.getLogger(__name__)


def sign_shard(
    batch: dict[str, np.ndarray], *, column: str, is_list: bool, settings: DedupSettings
) -> dict[str, np.ndarray]:
    """``{"sig": (texts, num_perm), "error": (texts,)}`` of the shards in ``batch["path"]``;
    a shard that cannot be read gives one row whose ``error`` is the reader's message."""
    texts: list[str] = []
    try:
        for path in batch["path"].tolist():
            for _, _, _, row_texts in DedupSource.for_file(Path(path), column, is_list).rows():
                texts.extend(row_texts)
    except EmbtaskgenError as exc:
        return {
            "sig": np.zeros((1, settings.num_perm), dtype=np.uint32),
            "error": np.array([str(exc) or type(exc).__name__], dtype=object),
        }
    return {"sig": settings.sign(texts), "error": np.array([""] * len(texts), dtype=object)}


def ray_signature_blocks(
    source: DedupSource, settings: DedupSettings, address: str | None
) -> Generator[np.ndarray, None, None]:
    """Yield the signatures of ``source``'s texts, a block at a time, in order.

    Raises:
        ConfigError: A bad line in a shard, or a cluster that cannot be reached.
        MissingDependency: Ray Data is not installed.
    """
    with ray_session(address, workers=0, actor_cpus=0.0) as ray:
        from ray.data import DataContext

        context = DataContext.get_current()
        saved = (context.execution_options.preserve_order, context.enable_progress_bars)
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False
        try:
            paths = [{"path": str(f.resolve())} for f in source.files]
            dataset = ray.data.from_items(paths, override_num_blocks=len(paths)).map_batches(
                sign_shard,
                batch_size=1,
                batch_format="numpy",
                fn_kwargs={"column": source.column, "is_list": source.is_list, "settings": settings},
            )
            for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
                failed = [e for e in batch["error"].tolist() if e]
                if failed:
                    raise ConfigError(failed[0])
                sig = np.asarray(batch["sig"], dtype=np.uint32)
                if sig.size:
                    yield sig.reshape(-1, settings.num_perm)
        finally:
            context.execution_options.preserve_order, context.enable_progress_bars = saved


class RaySignatures:
    """:func:`ray_signature_blocks` cut to the driver's blocks (a ConfigError if they differ)."""

    def __init__(self, source: DedupSource, settings: DedupSettings, address: str | None) -> None:
        self._blocks = ray_signature_blocks(source, settings, address)
        self._held = np.empty((0, settings.num_perm), dtype=np.uint32)
        self._changed = f"{source.path}: the input changed while it was read"

    def __enter__(self) -> RaySignatures:
        return self

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        while self._held.shape[0] < len(texts):
            block = next(self._blocks, None)
            if block is None:
                raise ConfigError(self._changed)
            self._held = np.concatenate((self._held, block))
        sig, self._held = self._held[: len(texts)], self._held[len(texts) :]
        return sig

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        try:
            if kind is None and (self._held.size or next(self._blocks, None) is not None):
                raise ConfigError(self._changed)
        finally:
            self._blocks.close()
