"""Moved to :mod:`embtaskgen.io.jsonl` (``iter_rows`` is ``iter_jsonl``); kept for
``quality/dedup_input.py`` until it imports from there. Delete it then.
"""

from embtaskgen.io.jsonl import iter_jsonl as iter_rows

__all__ = ["iter_rows"]
