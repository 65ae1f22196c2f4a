"""Text helpers every room shares: a task's normal forms (``normalise.py``)."""

__all__: list[str] = []
