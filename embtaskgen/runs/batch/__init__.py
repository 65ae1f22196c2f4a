"""Provider batch backend of the runner (``batch=True``): calls rendered to a batch file, answers replayed."""

__all__: list[str] = []
