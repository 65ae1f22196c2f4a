"""DSPy's response cache during a run: the disk on two threads, written in batches.

DSPy's disk cache (16 SQLite shards) sets up a connection per shard in every thread: 256
workers opened up to 4,096, costing more CPU than the calls (4 ms per call instead of
1.6) and 250 MB, with a transaction per answer. :func:`funnel_cache` hands reads to one
reader thread (after any pending write of the same request) and writes to one writer,
batched within ``FLUSH_SECONDS``, to disk only (a run's memory stays flat). Errors are
DSPy's: no key or a failed write is logged at debug level; a ``get`` error is raised.

Example:
    >>> import tempfile
    >>> from dspy.clients.cache import Cache
    >>> cache = FunnelledCache(Cache(True, True, tempfile.mkdtemp()))
    >>> cache.put({"prompt": "hi"}, "hello")
    >>> cache.get({"prompt": "hi"})
    'hello'
    >>> cache.close()
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import dspy

__all__ = ["FunnelledCache", "funnel_cache"]

logger = logging.getLogger(__name__)

#: Answers waiting to be written at most; a ``put`` beyond waits for the writer.
MAX_PENDING = 4096
#: Writes per transaction at most (a transaction locks all 16 shards: small ones cost).
BATCH = 128
#: Longest an answer waits to be written (other processes see it after that).
FLUSH_SECONDS = 0.5

_STOP = object()
_FLUSH = object()


class FunnelledCache:
    """``inner`` (a DSPy ``Cache`` with a disk tier) but ``get`` and ``put`` on its own threads,
    from first use to :meth:`close`. One reader: more cost CPU and did not raise the rate."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self._reads: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._writes: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._room = threading.BoundedSemaphore(MAX_PENDING)
        self._lock = threading.Lock()
        self._written = threading.Condition(self._lock)
        self._pending: dict[str, Any] = {}  # key -> answer handed over, not written yet
        self._threads: list[threading.Thread] = []
        self._closed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def __contains__(self, key: str) -> bool:
        return key in self.inner

    def get(self, request: dict[str, Any], ignored_args_for_cache_key: list[str] | None = None) -> Any:
        """DSPy's ``Cache.get`` on a reader thread, after any pending write of the same request."""
        key = self._key(request, ignored_args_for_cache_key)
        reply: Future[Any] = Future()
        with self._lock:
            direct = self._closed or not key
            if not direct:
                if key in self._pending:
                    self._writes.put(_FLUSH)
                    while key in self._pending and not self._closed:
                        self._written.wait()
                self._start()
                self._reads.put((request, ignored_args_for_cache_key, reply))
        if direct:
            return self.inner.get(request, ignored_args_for_cache_key)
        return reply.result()

    def put(
        self,
        request: dict[str, Any],
        value: Any,
        ignored_args_for_cache_key: list[str] | None = None,
        enable_memory_cache: bool = True,
    ) -> None:
        """DSPy's ``Cache.put``, written by the writer thread to the disk tier only."""
        key = self._key(request, ignored_args_for_cache_key)
        if not key:
            return
        self._room.acquire()
        with self._lock:
            direct = self._closed
            if not direct:
                self._start()
                self._pending[key] = value
                self._writes.put((key, value))
        if direct:
            self._room.release()
            self.inner.put(request, value, ignored_args_for_cache_key, enable_memory_cache)

    def _key(self, request: dict[str, Any], ignored: list[str] | None) -> str:
        """DSPy's cache key (``""`` when it has none: DSPy neither reads nor stores such a request)."""
        try:
            return self.inner.cache_key(request, ignored)
        except Exception:  # noqa: BLE001 - as DSPy
            logger.debug("Failed to generate cache key for request: %s", request)
            return ""

    def _start(self) -> None:
        """Start the threads (the caller holds the lock)."""
        if self._threads:
            return
        self._threads = [
            threading.Thread(target=self._write_loop, name="embtaskgen-cache-writer", daemon=True),
            threading.Thread(target=self._read_loop, name="embtaskgen-cache-reader-0", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def close(self) -> None:
        """Write every answer handed over, stop the threads; later calls go straight to ``inner``."""
        with self._lock:
            self._closed = True
            threads = self._threads
            if threads:
                self._writes.put(_STOP)
                self._reads.put(_STOP)
            self._written.notify_all()
        for thread in threads:
            thread.join()

    def _read_loop(self) -> None:
        while True:
            item = self._reads.get()
            if item is _STOP:
                return
            request, ignored, reply = item
            try:
                reply.set_result(self.inner.get(request, ignored))
            except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
                reply.set_exception(exc)

    def _write_loop(self) -> None:
        batch: list[tuple[str, Any]] = []
        deadline = 0.0
        while True:
            try:
                wait = None if not batch else max(0.0, deadline - time.monotonic())
                item = self._writes.get(timeout=wait)
            except queue.Empty:
                item = _FLUSH
            if item is _STOP or item is _FLUSH:
                self._write(batch)
                batch = []
                if item is _STOP:
                    return
                continue
            if not batch:
                deadline = time.monotonic() + FLUSH_SECONDS
            batch.append(item)
            if len(batch) >= BATCH:
                self._write(batch)
                batch = []

    def _write(self, batch: list[tuple[str, Any]]) -> None:
        """Write ``batch`` to the disk tier in one transaction (as DSPy's ``put``, without memory)."""
        if not batch:
            return
        disk = self.inner.disk_cache
        try:
            with disk.transact(retry=True):
                for key, value in batch:
                    try:
                        disk.set(key, value)
                    except Exception as exc:  # noqa: BLE001 - as DSPy's put: never fails a call
                        logger.debug("Failed to put value in disk cache: %s, %s", value, exc)
        except Exception as exc:  # noqa: BLE001 - the transaction itself (a locked database)
            logger.debug("DSPy cache: %d answers not written: %s", len(batch), exc)
        finally:
            with self._lock:
                for key, value in batch:
                    if self._pending.get(key) is value:
                        del self._pending[key]
                self._written.notify_all()
            for _ in batch:
                self._room.release()


@contextlib.contextmanager
def funnel_cache() -> Iterator[Any]:
    """Funnel ``dspy.cache`` (if it has a disk tier) within the block and yield it; on leaving,
    write every answer and restore the cache (unless replaced meanwhile)."""
    inner = dspy.cache
    if not getattr(inner, "enable_disk_cache", False) or isinstance(inner, FunnelledCache):
        yield inner
        return
    funnelled = FunnelledCache(inner)
    dspy.cache = funnelled
    try:
        yield funnelled
    finally:
        funnelled.close()
        if dspy.cache is funnelled:
            dspy.cache = inner
