"""Publishing a folder of rows: its Hugging Face dataset card and the push to the Hub."""

__all__: list[str] = []
