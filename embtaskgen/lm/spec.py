"""Model specs: which name an embedded model (``None``, ``"local"``, ``"local:..."``), and its own settings.

Example:
    >>> is_local_spec("local:smollm2"), is_local_spec("openai/gpt-4o-mini")
    (True, False)
"""

from __future__ import annotations

import math

from embtaskgen.errors import ConfigError

__all__ = ["LOCAL_PREFIX", "check_no_repeat", "is_local_spec"]

LOCAL_PREFIX = "local"


def is_local_spec(spec: object) -> bool:
    """Whether ``spec`` names the embedded runtime (``None``, ``"local"``, ``"local:..."``)."""
    return spec is None or (isinstance(spec, str) and (spec == LOCAL_PREFIX or spec.startswith("local:")))


def check_no_repeat(no_repeat: object, lm: object = LOCAL_PREFIX) -> float | None:
    """The embedded model's repeated-phrase penalty as a float (or ``None``), checked for the model choice ``lm``.

    Example:
        >>> check_no_repeat(0), check_no_repeat(None, "openai/gpt-4o-mini")
        (0.0, None)
    """
    if no_repeat is None:
        return None
    if (
        isinstance(no_repeat, bool)
        or not isinstance(no_repeat, (int, float))
        or not math.isfinite(no_repeat)
        or no_repeat < 0
    ):
        raise ConfigError(
            f"no_repeat must be a number >= 0 (0 turns it off) or None (the model's default), got {no_repeat!r}"
        )
    if not is_local_spec(lm):
        raise ConfigError(
            "no_repeat (--no-repeat) applies to the embedded models (lm=None, 'local' or "
            f"'local:<name|file.gguf>'), not to {lm!r}; set a served model's sampling on the model itself"
        )
    return float(no_repeat)
