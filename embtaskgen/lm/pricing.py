"""What a call costs, from LiteLLM's local cost map: one price for the dry run, ``--max-cost``, the bar and the summary.

A price depends only on the model id and the tokens, never on which engine answered (DSPy
prices calls to a provider's own endpoint itself, not those to an ``--api-base`` server):
:func:`price_of` looks the id up in the cost map LiteLLM bundles (the resolver sets
``LITELLM_LOCAL_MODEL_COST_MAP=true``, so no price list is downloaded) and gives ``None``,
honestly, for an id LiteLLM does not know (``openai/my-server-model``, an embedded model).
The batch price is the map's ``*_cost_per_token_batches`` where it has one, else half of
the online price, and :attr:`Price.batch_source` says which.

Importing LiteLLM costs about 3 s of CPU and 170 MB, and a run that sends its calls
through its own transport (``lm/resolve.py``) or a custom DSPy engine never needs it
otherwise: it would pay that inside its run, holding the interpreter while its calls wait
to be recorded. So while LiteLLM is not imported here, the map is read in a child process
(``price_child.py``, run by path: LiteLLM alone), once per model id, on another core;
:func:`price_soon` starts that lookup without waiting for it.

Example:
    >>> price = price_of("openai/gpt-4o-mini")
    >>> round(price.cost(1000, 100), 6), round(price.cost(1000, 100, batch=True), 6), price.batch_source
    (0.00021, 0.000105, 'map')
    >>> price_of("openai/my-server-model") is None
    True
    >>> round(usage_cost({"openai/gpt-4o-mini": {"prompt_tokens": 1000, "completion_tokens": 100}}), 6)
    0.00021
"""

from __future__ import annotations

import functools
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from embtaskgen.lm.price_child import SCHEMA, model_facts

__all__ = ["Price", "load_litellm", "price_of", "price_soon", "supports_json_schema", "usage_cost"]

logger = logging.getLogger(__name__)

_COST_MAP_VARIABLE = "LITELLM_LOCAL_MODEL_COST_MAP"  # the same setting lm/resolve.py makes
#: The model ids of the embedded models (``local/<model id>``): no price, and no LiteLLM import (3 s) to say so.
_EMBEDDED = "local/"


@dataclass(frozen=True)
class Price:
    """USD per token of one model, online and through a provider's batch API.

    Attributes:
        model: The model id as the run names it.
        prompt: USD per prompt token, online.
        completion: USD per completion token, online.
        batch_prompt: USD per prompt token in a batch.
        batch_completion: USD per completion token in a batch.
        batch_source: ``"map"`` (LiteLLM lists a batch price) or ``"half"`` (half of online, assumed).
    """

    model: str
    prompt: float
    completion: float
    batch_prompt: float
    batch_completion: float
    batch_source: Literal["map", "half"]

    def cost(self, prompt_tokens: int, completion_tokens: int, *, batch: bool = False) -> float:
        """USD for ``prompt_tokens`` in and ``completion_tokens`` out (online, or in a batch)."""
        if batch:
            return prompt_tokens * self.batch_prompt + completion_tokens * self.batch_completion
        return prompt_tokens * self.prompt + completion_tokens * self.completion


def load_litellm() -> Any:
    """LiteLLM, reading its bundled cost map, without its "Provider List" lines on stdout for an unknown id."""
    os.environ.setdefault(_COST_MAP_VARIABLE, "true")
    import litellm

    litellm.suppress_debug_info = True
    return litellm


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


_CHILD = Path(__file__).with_name("price_child.py")
_CHILD_TIMEOUT = 120.0


@functools.lru_cache(maxsize=256)
def _model_facts(model: str) -> Mapping[str, Any]:
    """LiteLLM's price fields and schema support for ``model``: here if LiteLLM is loaded, else from a child."""
    if "litellm" in sys.modules:
        return model_facts(load_litellm(), model)
    env = {**os.environ, _COST_MAP_VARIABLE: os.environ.get(_COST_MAP_VARIABLE, "true")}
    try:
        done = subprocess.run(  # noqa: S603 - our own script, the model id as one argument
            [sys.executable, str(_CHILD), model],
            capture_output=True,
            text=True,
            env=env,
            timeout=_CHILD_TIMEOUT,
            check=False,
        )
        lines = done.stdout.strip().splitlines()
        read: Any = json.loads(lines[-1]) if done.returncode == 0 and lines else None
        problem = f"exit {done.returncode}: {done.stderr.strip()[-300:]}"
    except (OSError, subprocess.SubprocessError, ValueError) as error:
        read, problem = None, str(error)
    if not isinstance(read, dict):
        logger.warning("could not read %s in LiteLLM's model map (%s)", model, problem)
        return {}
    return read


@functools.lru_cache(maxsize=256)
def price_of(model: str) -> Price | None:
    """The price of ``model`` (a LiteLLM id such as ``openai/gpt-4o-mini``), or ``None`` when LiteLLM has none."""
    if not isinstance(model, str) or not model.strip() or model.startswith(_EMBEDDED):
        return None
    info = _model_facts(model)
    prompt, completion = _number(info.get("input_cost_per_token")), _number(info.get("output_cost_per_token"))
    if prompt is None or completion is None:
        return None
    batch_prompt = _number(info.get("input_cost_per_token_batches"))
    batch_completion = _number(info.get("output_cost_per_token_batches"))
    if batch_prompt is not None and batch_completion is not None:
        return Price(model, prompt, completion, batch_prompt, batch_completion, "map")
    return Price(model, prompt, completion, prompt / 2, completion / 2, "half")


_soon: dict[str, Future[Price | None]] = {}
_soon_lock = threading.Lock()


def price_soon(model: str) -> Future[Price | None]:
    """The future of :func:`price_of` ``model``, started once per id; on a daemon thread while that needs a child.

    Example:
        >>> price_soon("openai/gpt-4o-mini").result(timeout=300).model
        'openai/gpt-4o-mini'
    """
    with _soon_lock:
        future = _soon.get(model)
        if future is not None:
            return future
        future = _soon[model] = Future()
    if "litellm" in sys.modules or not isinstance(model, str) or model.startswith(_EMBEDDED):
        future.set_result(price_of(model))  # no child to wait for: a dictionary lookup
        return future

    def look_up() -> None:
        try:
            future.set_result(price_of(model))
        except Exception as error:  # noqa: BLE001 - handed to whoever waits for the price
            future.set_exception(error)

    threading.Thread(target=look_up, name="embtaskgen-price", daemon=True).start()
    return future


def usage_cost(usage: Mapping[str, Any], *, batch: bool = False) -> float | None:
    """USD of one call's usage (``prediction.get_lm_usage()``: tokens per model id); ``None`` if a model has no price.

    An empty usage (the call used no tokens, or reported none) costs nothing: ``0.0``.
    """
    total = 0.0
    for model, counts in usage.items():
        counts = counts or {}
        prompt = counts.get("prompt_tokens") or 0
        completion = counts.get("completion_tokens") or 0
        if not prompt and not completion:
            continue
        price = price_of(str(model))
        if price is None:
            return None
        total += price.cost(int(prompt), int(completion), batch=batch)
    return total


@functools.lru_cache(maxsize=256)
def supports_json_schema(model: str) -> bool:
    """Whether LiteLLM's entry for ``model`` says it takes a JSON schema as ``response_format``.

    Example:
        >>> supports_json_schema("openai/gpt-4o-mini"), supports_json_schema("openai/my-server-model")
        (True, False)
    """
    if not isinstance(model, str) or not model.strip() or model.startswith(_EMBEDDED):
        return False
    return bool(_model_facts(model).get(SCHEMA))
