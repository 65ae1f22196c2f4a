"""A benchmark process's own peak resident set, for the scripts that measure a child process.

``ru_maxrss`` (``resource.getrusage`` or ``os.wait4``) of a spawned process starts at its
parent's peak at the spawn, so a small child of a large parent reports the parent's
memory; ``VmHWM`` in ``/proc/self/status`` is the process's own.

Usage (in the child, run as ``python benchmarks/NAME.py``, whose folder is on ``sys.path``):
    from peak_rss import own_peak_mb
"""

from __future__ import annotations

import resource
from pathlib import Path


def own_peak_mb() -> float:
    """This process's own peak RSS in MB (``VmHWM``; ``ru_maxrss`` where there is no ``/proc``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
