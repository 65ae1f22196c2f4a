"""The parts of a large run; :func:`embtaskgen.runs.runner.run` puts them together.

One concept per module: ``files`` (output and sidecar paths, whole-line appends),
``journal`` (the progress sidecar and the run identity), ``resume`` (reading an earlier
run back), ``recorder`` (writing and counting
outcomes), ``pool`` (worker threads), ``scheduler`` (the loop), ``faults`` (what is
retried), ``interrupt`` (Ctrl-C), ``binding`` (per-run LM copy and settings),
``progressbar`` and ``summary``.
"""

from embtaskgen.runs.faults import RetryPolicy, is_transient
from embtaskgen.runs.files import RunFiles
from embtaskgen.errors import RunAborted, RunInterrupted
from embtaskgen.runs.summary import RunSummary

__all__ = [
    "RetryPolicy",
    "RunAborted",
    "RunFiles",
    "RunInterrupted",
    "RunSummary",
    "is_transient",
]
