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


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray instance (2 CPUs, no dashboard, no auth) for one test module; skipped without ray."""
    ray = pytest.importorskip("ray")
    from ray.data import DataContext

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RAY_AUTH_MODE", "disabled")
        patch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "true")
        ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False)
        DataContext.get_current().enable_progress_bars = False
        try:
            yield ray
        finally:
            ray.shutdown()
