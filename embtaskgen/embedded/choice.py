"""Whether a model choice runs the embedded model; importing it loads nothing of llama.cpp.

Example:
    >>> is_embedded("local"), is_embedded("local", api_base="http://127.0.0.1:8000/v1"), is_embedded("openai/m")
    (True, False, False)
"""

from __future__ import annotations

from embtaskgen.lm.spec import is_local_spec

__all__ = ["is_embedded"]


def is_embedded(lm: object, api_base: object = None) -> bool:
    """Whether the model choice ``lm`` runs the embedded model: a ``local`` spec (no ``api_base``) or a llama.cpp LM."""
    if isinstance(lm, str) or lm is None:
        return api_base is None and is_local_spec(lm)
    try:
        from embtaskgen.embedded.catalog import is_local_lm
    except ImportError:  # pragma: no cover - the local extra is missing
        return False
    return is_local_lm(lm)
