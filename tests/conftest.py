"""Shared fixtures: every test gets isolated DSPy settings and a fresh in-memory cache."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

# Keep DSPy's disk cache out of the user's home for the whole session.
os.environ.setdefault("DSPY_CACHEDIR", tempfile.mkdtemp(prefix="embtaskgen-dspy-cache-"))
sys.path.insert(0, str(Path(__file__).parent))

import dspy  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_dspy():
    """A fresh memory-only DSPy cache and no leftover settings overrides per test."""
    from dspy.dsp.utils.settings import thread_local_overrides

    previous_cache = dspy.cache
    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=True)
    token = thread_local_overrides.set(thread_local_overrides.get().copy())
    try:
        yield
    finally:
        thread_local_overrides.reset(token)
        dspy.cache = previous_cache
