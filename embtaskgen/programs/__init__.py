"""Program files of both stages: the tuned prompts as JSON, one format, read as data.

Both stages and ``tune/`` use this folder; it imports neither generator nor ``tune/``.
``stages.py`` holds what differs per stage, ``schema.py`` the strict check, ``files.py``
reading and saving, ``tunable.py`` what an optimizer tunes, ``choice.py`` ``--program``.
"""

__all__: list[str] = []
