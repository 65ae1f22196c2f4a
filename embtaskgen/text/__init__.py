"""Text helpers every room shares, with no stage in them.

* ``normalise.py`` - :func:`~embtaskgen.text.normalise.strip_task` (a raw list item as a
  clean task sentence) and :func:`~embtaskgen.text.normalise.normalise_task` (the key
  under which two tasks count as the same), used by cleaning, dedup, the report and
  tuning alike.
"""

__all__: list[str] = []
