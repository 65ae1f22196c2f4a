"""The executor: many model calls in flight, retried, stoppable, with nothing about rows.

* ``pool.py`` - worker threads that run one job each; results in finishing order.
* ``scheduler.py`` - the loop: keep the pool busy from a lazy plan of jobs, hand each
  outcome to a recorder, re-queue transient failures after a backoff, stop on Ctrl-C or
  after too many failures.
* ``collect.py`` - the scheduler with an in-memory recorder (``forward``, evaluation).
* ``faults.py`` - which errors are transient (retried) and how they are described.
* ``interrupt.py`` - Ctrl-C as a request to stop, never a write cut in half.

It imports nothing of embtaskgen but ``embtaskgen.errors``: both stages, the streaming
runner (``embtaskgen.runs``) and tuning sit on top of it.
"""

__all__: list[str] = []
