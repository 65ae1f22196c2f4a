"""DSPy's response cache during a run: the disk on two threads, written in batches.

DSPy's disk cache (``diskcache.FanoutCache``, 16 SQLite shards) opens one connection
per shard in every thread that touches it, and sets it up (a settings query, pragmas, a
64 MB memory map) on first use. A run calls from up to hundreds of worker threads: 256
threads opened up to 4,096 connections, which cost more CPU than the calls themselves
(4 ms per call instead of 1.6 on 2 cores) and 250 MB of memory, and every answer was
written in a transaction of its own. :func:`funnel_cache` puts a :class:`FunnelledCache`
in front of ``dspy.cache`` for the length of a run: the workers hand their reads to
a reader thread (``READERS``) and their writes to a writer thread, which writes them in
batches, one transaction per batch. The connections are those threads' only.

What a run sees is what DSPy's cache gives:

* ``get`` is DSPy's own ``Cache.get`` (memory first, then disk), on a reader thread;
  the caller waits for it. An answer handed to ``put`` and not written yet is written
  before a ``get`` of the same request reads, so a call sees every answer stored
  before it asked.
* ``put`` returns at once; the answer is written to disk within ``FLUSH_SECONDS`` (all
  of them before the run returns). With a disk tier it is not also kept in memory (as
  DSPy's ``put(..., enable_memory_cache=False)``): a run's memory stays flat, and a later
  ``get`` reads it from disk (and keeps it in memory then). A memory-only cache is
  called directly, as before.
* Errors are DSPy's: a request without a cache key, or a failed disk write, is logged at
  debug level and not stored (DSPy does the same); an error in ``get`` is raised in the
  calling thread.

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
#: Reader threads (each opens its own connection per shard, 16, when it first reads one).
#: More readers cost more CPU (connections, hand-offs) and did not raise the rate here.
READERS = 1

_STOP = object()
_FLUSH = object()


class _Reply:
    """One ``get`` handed to a reader; the caller waits on it."""

    __slots__ = ("done", "error", "value")

    def __init__(self) -> None:
        self.done = threading.Lock()
        self.done.acquire()
        self.value: Any = None
        self.error: BaseException | None = None

    def wait(self) -> Any:
        self.done.acquire()
        if self.error is not None:
            raise self.error
        return self.value


class FunnelledCache:
    """``inner`` (a ``dspy.clients.cache.Cache`` with a disk tier), read and written on its own threads.

    Everything but ``get`` and ``put`` is ``inner``'s. The threads start on first use;
    after :meth:`close` calls go straight to ``inner``.

    Args:
        inner: The cache to funnel.
        readers: Reader threads.
    """

    def __init__(self, inner: Any, readers: int = READERS) -> None:
        self.inner = inner
        self._readers = max(1, readers)
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

    # ---------------------------------------------------------------- callers
    def get(self, request: dict[str, Any], ignored_args_for_cache_key: list[str] | None = None) -> Any:
        """DSPy's ``Cache.get`` on a reader thread, after any pending write of the same request."""
        key = self._key(request, ignored_args_for_cache_key)
        reply = _Reply()
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
        return reply.wait()

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
        threads = [threading.Thread(target=self._write_loop, name="embtaskgen-cache-writer", daemon=True)]
        threads += [
            threading.Thread(target=self._read_loop, name=f"embtaskgen-cache-reader-{index}", daemon=True)
            for index in range(self._readers)
        ]
        for thread in threads:
            thread.start()
        self._threads = threads

    def close(self) -> None:
        """Write every answer handed over, stop the threads; later calls go straight to ``inner``."""
        with self._lock:
            self._closed = True
            threads = self._threads
            if threads:
                self._writes.put(_STOP)
                for _ in range(self._readers):
                    self._reads.put(_STOP)
            self._written.notify_all()
        for thread in threads:
            thread.join()

    # ---------------------------------------------------------------- threads
    def _read_loop(self) -> None:
        while True:
            item = self._reads.get()
            if item is _STOP:
                return
            request, ignored, reply = item
            try:
                reply.value = self.inner.get(request, ignored)
            except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
                reply.error = exc
            reply.done.release()

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
    """Within the block, ``dspy.cache`` is a :class:`FunnelledCache` over the current one
    (when that has a disk tier; a memory-only cache is left as it is). On leaving, every
    answer handed over is written and the cache restored (unless replaced meanwhile).

    Yields:
        The cache in use within the block.
    """
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
