"""Program files of both stages: the tuned prompts as JSON, one format, read as data.

Both stages' generators and ``tune/`` use this room; it imports neither of them.

* ``stages.py`` - what differs between a stage-1 and a stage-2 file (predictor names,
  signatures, metadata words): :data:`TASKS` and :data:`EXAMPLES`.
* ``schema.py`` - the strict schema and the one check every reader runs.
* ``files.py`` - read, save, apply and load a program file; the prompts' fingerprint.
* ``tunable.py`` - what an optimizer tunes: copies of a generator's predictors, one call counter.
* ``choice.py`` - ``program=`` / ``--program``: ``"default"`` (the shipped program
  ``default.json``, for the embedded model it was tuned for), ``"none"`` or a file.
"""

__all__: list[str] = []
