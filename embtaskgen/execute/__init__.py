"""The executor: many model calls in flight, retried, stoppable, with nothing about rows
(below the stages, the runner and tuning).
"""

__all__: list[str] = []
