"""Choose the language model a generator runs on (the library never calls ``dspy.configure``).

DSPy leaves ``api_base`` out of its cache key, so two servers behind one model string
would share cached answers: :func:`resolve_lm` adds a ``None``-valued setting named after
the endpoint (:func:`endpoint_key`), whose name DSPy hashes and which is never sent. A
served model also sets ``LITELLM_LOCAL_MODEL_COST_MAP=true`` (unless set), so a run makes
no network call besides the model's.

Example:
    >>> lm = resolve_lm("openai/my-model", api_base="http://127.0.0.1:8000/v1")
    >>> [key for key in lm.kwargs if key.startswith(ENDPOINT_KEY_PREFIX)]
    ['embtaskgen_endpoint_87459d11adee7bce']
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import dspy
from dspy import lm15
from dspy.clients.engines.lm15_engine import LM15Engine
from dspy.lm15 import RouterConfig

from embtaskgen.errors import ConfigError
from embtaskgen.lm.guarded_transport import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, GuardedTransport, InThread
from embtaskgen.lm.pricing import supports_json_schema
from embtaskgen.lm.replicas import ReplicaLM, replica_key
from embtaskgen.lm.spec import LOCAL_PREFIX, check_no_repeat, is_local_spec

__all__ = [
    "COST_MAP_VARIABLE",
    "ENDPOINT_KEY_PREFIX",
    "LazyLM",
    "accepts_seed",
    "check_api_base",
    "check_api_bases",
    "endpoint_key",
    "known_secrets",
    "lm_concurrency",
    "resolve_lm",
]

logger = logging.getLogger(__name__)

#: Prefix of the ``None``-valued LM setting that puts a served model's endpoint in DSPy's cache key.
ENDPOINT_KEY_PREFIX = "embtaskgen_endpoint_"
#: Set to ``true`` unless the user set it: LiteLLM's model metadata from its bundled snapshot
#: instead of the internet (a 5 s wait and a warning when offline).
COST_MAP_VARIABLE = "LITELLM_LOCAL_MODEL_COST_MAP"
#: The ``api_key`` placed on a served model with ``api_base`` and no key (keyless local servers).
PLACEHOLDER_KEY = "not-needed"

#: The ``user:password@`` part of a URL (up to the last ``@`` before the path).
_USERINFO = re.compile(r"^([^:/?#]*:?//)[^/?#]*@")

#: What an ``--api-base`` engine declares to DSPy's adapters for a model LiteLLM says takes a JSON schema.
_SCHEMA_PARAMS = frozenset({"temperature", "max_tokens", "top_p", "stop", "seed", "response_format"})

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def known_secrets() -> tuple[str, ...]:
    """API keys given to :func:`resolve_lm` in this process, for redaction (a server may quote one back)."""
    with _secrets_lock:
        return tuple(sorted(_secrets))


def _remember_secret(value: object) -> None:
    if isinstance(value, str) and value.strip() and value != PLACEHOLDER_KEY:
        with _secrets_lock:
            _secrets.add(value)


def check_api_base(api_base: object) -> str:
    """Check that ``api_base`` is an http(s) URL with a host and no credentials; return it.

    A ``user:password@`` part is refused, never stored nor echoed: DSPy's client would read
    it as the host name. The key goes in the provider's environment variable instead.

    Example:
        >>> check_api_base("http://127.0.0.1:8000/v1")
        'http://127.0.0.1:8000/v1'
        >>> check_api_base("127.0.0.1:8000/v1")
        Traceback (most recent call last):
        ...
        embtaskgen.errors.ConfigError: api_base must be an http:// or https:// URL such as ..., got '127.0.0.1:8000/v1'
    """
    example = "http://127.0.0.1:8000/v1"
    if not isinstance(api_base, str):
        raise ConfigError(f"api_base must be a URL string such as {example}, got {type(api_base).__name__}")
    if _USERINFO.match(api_base.strip()):
        shown = _USERINFO.sub(r"\1***@", api_base.strip())
        raise ConfigError(
            f"api_base must not hold credentials (user:password@), got {shown!r}; put the key in the "
            "provider's environment variable (OPENAI_API_KEY for openai/ models), or pass api_key= "
            "to resolve_lm in Python"
        )
    try:
        parts = urlsplit(api_base.strip())
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ConfigError(f"api_base is not a valid URL ({exc}): {api_base!r}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"api_base must be an http:// or https:// URL such as {example}, got {api_base!r}")
    return api_base


def check_api_bases(api_base: object) -> str | tuple[str, ...] | None:
    """Check one ``api_base`` URL or a list of replica URLs (each once); one URL comes back as a string."""
    if api_base is None or isinstance(api_base, str):
        return None if api_base is None else check_api_base(api_base)
    if not isinstance(api_base, (list, tuple)):
        raise ConfigError(
            f"api_base must be a URL string, a list of URL strings or None, got {type(api_base).__name__}"
        )
    if not api_base:
        raise ConfigError("api_base is an empty list; give at least one URL such as http://127.0.0.1:8000/v1")
    seen: set[str] = set()
    for url in api_base:
        check_api_base(url)
        normalised = url.strip().rstrip("/")
        if normalised in seen:
            raise ConfigError(f"api_base lists {url} twice; give each replica's URL once")
        seen.add(normalised)
    return api_base[0] if len(api_base) == 1 else tuple(api_base)


def endpoint_key(model: str, api_base: str | None) -> str | None:
    """The name of the setting that keeps ``model`` at this endpoint apart in DSPy's cache.

    ``None`` for the provider's default endpoint (``api_base`` ``None`` and no
    ``<PROVIDER>_API_BASE`` / ``<PROVIDER>_BASE_URL``): its cache entries stay as DSPy keys them.

    Example:
        >>> endpoint_key("openai/m", "http://127.0.0.1:8000/v1/") == endpoint_key("openai/m", "http://127.0.0.1:8000/v1")
        True
    """
    endpoint = api_base
    if endpoint is None and "/" in model:
        prefix = model.split("/", 1)[0].upper()
        endpoint = os.environ.get(f"{prefix}_API_BASE") or os.environ.get(f"{prefix}_BASE_URL")
    if not endpoint or not endpoint.strip():
        return None
    normalised = endpoint.strip().rstrip("/")
    return ENDPOINT_KEY_PREFIX + hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


def resolve_lm(
    lm: str | dspy.BaseLM | None = None,
    *,
    api_base: str | Sequence[str] | None = None,
    api_key: str | None = None,
    max_tokens: int | None = None,
    no_repeat: float | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
) -> dspy.BaseLM:
    """Turn a model choice into a ``dspy.BaseLM``.

    Args:
        lm: ``None`` (embedded default), ``"local:<name|path>"``, a LiteLLM model id, or
            a ``dspy.BaseLM``.
        api_base: Base URL of an OpenAI-compatible server (only with a model id string), or a
            list of URLs of replicas serving the same model: the calls are spread over them
            (:class:`embtaskgen.lm.replicas.ReplicaLM`).
        api_key: API key for the served model; defaults to the provider's environment
            variable, or a placeholder when ``api_base`` points at a keyless local server.
        max_tokens: Default completion budget for string models.
        no_repeat: The embedded model's repeated-phrase penalty (``0`` turns it off;
            ``None`` keeps the model's default); embedded models only.
        timeout: Seconds an attempt may take, connecting and answering
            (:mod:`embtaskgen.lm.guarded_transport`), at ``api_base`` or the provider's own
            endpoint; for a provider with no native route (LiteLLM only), each wait's.
        max_response_bytes: Longest answer body, cut off as it streams in (not for a
            provider with no native route).

    Returns:
        The LM to use; sampling settings are passed per call by the generator.

    Raises:
        ValueError: ``api_base`` given with an embedded model or an LM object, or not an
            http(s) URL, or holding credentials (``user:password@``); ``no_repeat`` given with
            anything but an embedded model spec.
        TypeError: ``lm`` is of an unsupported type.

    Example:
        >>> resolve_lm("openai/my-model", api_base="http://127.0.0.1:8000/v1").model
        'openai/my-model'
    """
    no_repeat = check_no_repeat(no_repeat, lm)
    # one URL in a list: the single-URL path below
    base = check_api_bases(api_base) if api_base is not None and not isinstance(api_base, str) else api_base
    if isinstance(lm, dspy.BaseLM):
        if base is not None:
            raise ConfigError("api_base applies to a model id string, not to a dspy.LM object")
        _remember_secret((getattr(lm, "kwargs", None) or {}).get("api_key"))
        os.environ.setdefault(COST_MAP_VARIABLE, "true")  # a served LM object: no price-list download either
        return lm
    if is_local_spec(lm):
        if base is not None:
            raise ConfigError("api_base applies to served models; use --model openai/<name> with --api-base")
        from embtaskgen.embedded.catalog import load_local_lm

        spec = None if lm in (None, LOCAL_PREFIX) else lm.split(":", 1)[1]
        return load_local_lm(spec, max_tokens=max_tokens, no_repeat=no_repeat)
    if isinstance(lm, str):
        if not lm.strip():
            raise ConfigError("model id is empty; give a LiteLLM id such as 'openai/gpt-4o-mini'")
        replicas = base if isinstance(base, tuple) else None
        url = base[0] if isinstance(base, tuple) else base
        if url is not None:
            check_api_base(url)
        # No price-list download: the only network traffic of a served run is the model's.
        os.environ.setdefault(COST_MAP_VARIABLE, "true")
        kwargs: dict[str, Any] = {}
        if url is not None:
            kwargs["api_base"] = url
            provider = lm.split("/", 1)[0].upper()
            if api_key is None and not os.environ.get(f"{provider}_API_KEY"):
                api_key = PLACEHOLDER_KEY
        if api_key is not None:
            kwargs["api_key"] = api_key
            _remember_secret(api_key)
        if max_tokens is not None:
            kwargs["max_tokens"] = max_tokens
        endpoint = endpoint_key(lm, url) if replicas is None else None
        if endpoint is not None:
            # DSPy hashes this name into the cache key (it drops api_base); the value None is
            # never sent: the native engine and LiteLLM both leave None settings out.
            kwargs[endpoint] = None
        if replicas is not None:
            kwargs[replica_key(ENDPOINT_KEY_PREFIX, replicas)] = None  # one cache namespace for the set
        logger.debug("using served model %s at %s", lm, ", ".join(replicas or (str(url),)))
        # No --api-base: the provider's own endpoint, or the gateway its environment names.
        bases = replicas or ((url,) if url else _environment_gateway(lm))
        engine = _guarded_engine(lm, bases, kwargs.get("api_key"), timeout, max_response_bytes)
        if engine is None and replicas:
            raise ConfigError(f"replicas (several api_base URLs) need an openai/<name> model id, got {lm!r}")
        if engine is None:  # no native route (a LiteLLM-only provider): DSPy's client, a timeout per wait
            logger.info("%s has no native route: --timeout bounds each wait, answers are not size-capped", lm)
            return dspy.LM(lm, timeout=timeout, **kwargs)
        kwargs.pop("api_base", None), kwargs.pop("api_key", None)
        kwargs.update(engine=engine, async_engine=InThread(engine))
        return ReplicaLM(lm, replicas, **kwargs) if replicas else dspy.LM(lm, **kwargs)
    raise TypeError(
        f"lm must be None, a model id string, 'local:<name|path>' or a dspy.BaseLM, not {type(lm).__name__}"
    )


def _environment_gateway(model: str) -> tuple[str, ...]:
    """The gateway ``<PROVIDER>_API_BASE`` / ``<PROVIDER>_BASE_URL`` names for ``model`` (checked), or none."""
    prefix = model.split("/", 1)[0].upper() if "/" in model else ""
    for name in (f"{prefix}_API_BASE", f"{prefix}_BASE_URL") if prefix else ():
        value = os.environ.get(name, "").strip()
        if value:
            try:
                return (check_api_base(value),)
            except ConfigError as exc:
                raise ConfigError(f"{name}: {exc}") from None
    return ()


def _guarded_engine(model: str, bases: Sequence[str], api_key: str | None, timeout: float, max_bytes: int) -> Any:
    """DSPy's native engine over a :class:`GuardedTransport` (``None``: no lm15 route for ``model``).

    ``bases``: the URLs the calls go to (replicas: spread over them); empty: the provider's
    own endpoint, with the key of the provider's environment variable unless ``api_key``.
    """
    try:
        provider = LM15Engine(RouterConfig(env={})).resolve(model).provider
    except lm15.LM15Error:
        return None
    transport = GuardedTransport(bases, timeout=timeout, max_bytes=max_bytes, key=api_key)
    keys = {provider: api_key} if api_key else None
    urls = {provider: bases[0]} if bases else None
    engine = LM15Engine(RouterConfig(api_keys=keys, base_urls=urls, transport=transport))
    engine.accepts_seed = model.startswith(("openai/", "hosted_vllm/"))
    if supports_json_schema(model):  # declared, so that a JSON adapter sends the signature's schema
        engine.supports_response_schema = True
        engine.supported_params = _SCHEMA_PARAMS
    engine.reports_rate_limits = True  # the transport tells the run's pacer (lm/rate_signals.py)
    return engine


def lm_concurrency(lm: dspy.BaseLM, requested: int | None) -> int:
    """How many calls to keep in flight on ``lm``: ``requested`` or 8, capped by its engine's ``max_concurrency``."""
    if requested is not None and requested < 1:
        raise ConfigError(f"concurrency must be >= 1, got {requested}")
    engine = getattr(lm, "engine", None)
    cap = getattr(engine, "max_concurrency", None)
    value = requested if requested is not None else 8
    if isinstance(cap, int) and cap >= 1:
        value = min(value, cap)
    return value


def accepts_seed(lm: dspy.BaseLM) -> bool:
    """Whether to pass a sampling seed per call: custom engines (llama.cpp) and OpenAI-style servers.

    Example:
        >>> accepts_seed(dspy.LM("openai/m")), accepts_seed(dspy.LM("anthropic/m"))
        (True, False)
    """
    engine = getattr(lm, "engine", None)
    if engine is not None and not isinstance(engine, str):
        return bool(getattr(engine, "accepts_seed", True))
    model = str(getattr(lm, "model", ""))
    return model.startswith(("openai/", "hosted_vllm/"))


class LazyLM:
    """A model choice resolved once, on first use; ``copy.deepcopy`` (optimizers) keeps it as itself.

    Example:
        >>> lazy = LazyLM("openai/m")
        >>> lazy.get() is lazy.get()
        True
    """

    def __init__(self, spec: Any, **options: Any) -> None:
        self._spec, self._options = spec, options  # keyword arguments of resolve_lm
        self._lm: dspy.BaseLM | None = None
        self._lock = threading.Lock()

    def get(self) -> dspy.BaseLM:
        """The resolved LM."""
        with self._lock:
            if self._lm is None:
                self._lm = resolve_lm(self._spec, **self._options)
            return self._lm

    def __deepcopy__(self, memo: dict[int, Any]) -> LazyLM:
        return self
