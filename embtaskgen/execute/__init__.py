"""The executor: many model calls in flight, retried, stoppable, with nothing about rows.

``pool`` (worker threads), ``scheduler`` (the loop: keep the pool busy from a lazy plan,
hand outcomes on in plan order with ``plan_order``, re-queue transient failures after a
backoff, stop on Ctrl-C or too many failures), ``collect`` (the scheduler with an
in-memory recorder), ``faults`` (transient or not, described safely), ``interrupt``
(Ctrl-C as a request to stop) and ``response_cache`` (DSPy's cache on two threads). It
imports nothing of embtaskgen but ``errors`` and ``lm``: the stages, the runner and
tuning sit on top of it.
"""

__all__: list[str] = []
