"""Run by path (``python price_child.py MODEL``): print what LiteLLM's map says of MODEL as one JSON line.

The price fields the map has, and ``supports_response_schema``.
:mod:`embtaskgen.lm.pricing` runs this file in a child process while LiteLLM is not
imported in the run's own, so its 3 s import and 170 MB stay out of the run. Run by path,
not as ``-m embtaskgen...``: it imports LiteLLM alone, not the package. An id the map does
not know prints ``{}``.

Example:
    >>> import subprocess, sys
    >>> out = subprocess.run([sys.executable, __file__, "openai/my-server-model"], capture_output=True, text=True)
    >>> out.stdout.strip()
    '{}'
"""

from __future__ import annotations

import json
import sys
from typing import Any

__all__ = ["SCHEMA", "main", "model_facts"]

_FIELDS = (
    "input_cost_per_token",
    "output_cost_per_token",
    "input_cost_per_token_batches",
    "output_cost_per_token_batches",
)
#: The key of the schema support among the facts.
SCHEMA = "supports_response_schema"


def model_facts(litellm: Any, model: str) -> dict[str, Any]:
    """What ``litellm`` (the imported module) says of ``model``: its price fields and schema support.

    The one reading of the map, in this child and in a process that has LiteLLM loaded
    (:mod:`embtaskgen.lm.pricing`); ``{}`` for an id it does not know.
    """
    info: dict[str, Any]
    try:
        info = dict(litellm.get_model_info(model))
    except Exception:  # noqa: BLE001 - LiteLLM raises plain Exceptions for an unmapped model
        info = {}
    facts: dict[str, Any] = {key: info[key] for key in _FIELDS if info.get(key) is not None}
    try:
        if litellm.supports_response_schema(model=model):
            facts[SCHEMA] = True
    except Exception:  # noqa: BLE001 - an unmapped model
        pass
    return facts


def main(argv: list[str]) -> int:
    """Print the price fields and schema support of the model id ``argv[0]`` (``{}`` when LiteLLM has no entry)."""
    if len(argv) != 1:
        sys.stderr.write("usage: price_child.py MODEL\n")
        return 2
    import litellm

    litellm.suppress_debug_info = True
    sys.stdout.write(json.dumps(model_facts(litellm, argv[0])) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
