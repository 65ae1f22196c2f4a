"""A Hugging Face dataset card for a folder of rows: which files are which config, and how they were made.

The card (``DIR/README.md``) starts with YAML front matter whose ``configs`` name every
data file of the folder (``tasks.jsonl``, ``examples.jsonl``, a folder of Ray shards, the
sentence-transformers files), so ``datasets.load_dataset(DIR, "examples")`` reads them
offline. Its body states what each run's journal and summary say: the model, the seed,
the prompts' hash, the settings, the counts, validity and gate drops by reason, a dedup
report, and whose terms apply to the rows. It holds no endpoint, key or token.

Example:
    >>> import json, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "examples.jsonl").write_text(json.dumps({"kind": "sts", "S1": "a"}) + "\\n")
    >>> [config["config_name"] for config in data_configs(folder)]
    ['examples']
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from embtaskgen.dedup.outputs import report_path_for
from embtaskgen.embedded.catalog import LOCAL_MODELS
from embtaskgen.errors import ConfigError
from embtaskgen.io.shards import shard_paths
from embtaskgen.lm.spec import LOCAL_PREFIX
from embtaskgen.runs.files import RunFiles, WriteError, write_json_atomic
from embtaskgen.runs.ray.shard_output import ShardFolder

__all__ = ["CARD_NAME", "data_configs", "dataset_card", "write_dataset_card"]

#: The card's file name in the folder (what the Hub and ``datasets`` read).
CARD_NAME = "README.md"
#: The last line of every card written here: a README.md without it is the user's own.
_MARK = "<!-- written by embtaskgen: `embtaskgen card DIR` writes it again -->"

_SIDECARS = (".progress.jsonl", ".failures.jsonl")
_FORMATS = (".jsonl", ".parquet")
#: Journal settings a card leaves out: where the calls went, and bookkeeping.
_UNSTATED = {"kind", "stage", "version", "api_base", "started", "planned", "program", "seed", "model_name"}
_SERVED_TERMS = (
    "The rows were written by a served model; its provider's terms of use apply to its outputs. "
    "embtaskgen does not know them: read them before you publish or train on these rows."
)


def _config_name(stem: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-") or "data"


def data_configs(folder: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The ``configs`` of a card for ``folder``: one per data file or folder of shards, in name order.

    A data file is a ``.jsonl`` or ``.parquet`` file that is not a run's journal or failures
    file; a subfolder with ``part-*`` shards is one config. ``examples`` is the default.
    """
    root = Path(folder)
    configs: list[dict[str, Any]] = []
    for path in sorted(root.iterdir()):
        if path.name.startswith((".", "_")):
            continue
        if path.is_dir():
            shards = shard_paths(path)
            if shards:
                configs.append(
                    {"config_name": _config_name(path.name), "data_files": f"{path.name}/part-*{shards[0].suffix}"}
                )
        elif path.suffix in _FORMATS and not path.name.endswith(_SIDECARS):
            configs.append({"config_name": _config_name(path.name[: -len(path.suffix)]), "data_files": path.name})
    names = [config["config_name"] for config in configs]
    if len(set(names)) != len(names):
        raise ConfigError(f"{root}: two data files give the same config name ({', '.join(names)}); rename one")
    for config in configs:
        if config["config_name"] == "examples" or len(configs) == 1:
            config["default"] = True
    return configs


def _run_files(folder: Path, data_files: str) -> RunFiles:
    """The run files beside a config's data: a file's (``NAME.progress.jsonl``...) or a Ray folder's."""
    data = folder / data_files.split("/", 1)[0]
    return ShardFolder(data).files if data.is_dir() else RunFiles.for_output(data)


def _read_json(path: Path, *, first_line: bool = False) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as handle:
            value = json.loads(handle.readline() if first_line else handle.read())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _terms(model: str) -> str:
    """Whose terms apply to rows ``model`` wrote (an embedded model's name is ``local/<model id>``)."""
    if not model.startswith(f"{LOCAL_PREFIX}/"):
        return _SERVED_TERMS
    for local in LOCAL_MODELS.values():
        if model.removeprefix(f"{LOCAL_PREFIX}/").startswith(local.name):
            return f"{local.label}, embedded: its licence applies to its outputs: {local.licence}."
    return "A local model file: its own licence applies to its outputs."


def _section(folder: Path, config: dict[str, Any]) -> tuple[list[str], set[str]]:
    """A config's part of the body, and the models it names."""
    files = config["data_files"]
    lines = [f"### `{config['config_name']}` (`{files}`)", ""]
    sidecars = _run_files(folder, files)
    dedup = _read_json(report_path_for(sidecars.output))
    if dedup:
        figures = {
            key: dedup[key] for key in ("column", "threshold", "items", "kept", "removed", "clusters") if key in dedup
        }
        lines.append(f"- near-duplicate removal (`embtaskgen dedup`): `{json.dumps(figures, sort_keys=True)}`")
    run = _read_json(sidecars.progress, first_line=True)
    summary = _read_json(sidecars.summary)
    models: set[str] = set()
    if run is None and summary is None:
        return [*lines, "- no journal or summary beside it: how the rows were made is not recorded here", ""], models
    run, summary = run or {}, summary or {}
    model = run.get("model_name") or summary.get("model_name")
    if model:
        models.add(str(model))
    stage = run.get("stage", "tasks" if "categories" in run else None)
    facts = {
        "stage": stage,
        "model": model,
        "seed": run.get("seed", summary.get("seed")),
        "prompts (program hash)": run.get("program"),
        "status": summary.get("status"),
        "rows": summary.get("total_rows"),
        "calls": summary.get("calls"),
        "answered": summary.get("ok"),
        "failed (errors, parse failures)": summary.get("failed"),
        "invalid examples": summary.get("invalid") if stage == "examples" else None,
    }
    lines += [f"- {name}: `{value}`" for name, value in facts.items() if value is not None]
    if summary.get("dropped"):
        drops = ", ".join(f"{reason} {count}" for reason, count in sorted(summary["dropped"].items()))
        lines.append(f"- dropped by reason: {drops}")
    settings = {key: value for key, value in run.items() if key not in _UNSTATED}
    if settings:
        lines += ["- settings:", "", "```json", json.dumps(settings, indent=2, sort_keys=True), "```"]
    return [*lines, ""], models


def dataset_card(folder: str | os.PathLike[str], *, license: str = "other") -> str:
    """The text of ``folder``'s dataset card (front matter and body).

    Args:
        folder: A folder of rows (a ``pipeline -o`` folder, or any folder of JSONL/Parquet rows).
        license: The licence of the rows, a Hub licence id (default ``other``: say it in the card).

    Raises:
        ConfigError: ``folder`` is not a folder, holds no data file, or ``license`` is empty.

    Example:
        >>> import json, pathlib, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "examples.jsonl").write_text(json.dumps({"kind": "sts", "S1": "a"}) + "\\n")
        >>> print(dataset_card(folder, license="cc-by-4.0").splitlines()[1])
        license: "cc-by-4.0"
    """
    root = Path(folder)
    if not root.is_dir():
        raise ConfigError(f"{root} is not a folder; give the folder a pipeline wrote (or any folder of rows)")
    if not license.strip() or any(c.isspace() for c in license):
        raise ConfigError(f"licence {license!r}: give a Hub licence id such as apache-2.0, cc-by-4.0 or other")
    configs = data_configs(root)
    if not configs:
        raise ConfigError(f"{root} holds no data file (.jsonl or .parquet rows, or a folder of part-* shards)")
    front = [
        "---",
        f"license: {json.dumps(license)}",
        "tags:",
        '- "embtaskgen"',
        '- "synthetic"',
        '- "text-embeddings"',
    ]
    front.append("configs:")
    for config in configs:
        front.append(f"- config_name: {json.dumps(config['config_name'])}")
        front.append(f"  data_files: {json.dumps(config['data_files'])}")
        if config.get("default"):
            front.append("  default: true")
    body = [
        "---",
        "",
        f"# {root.resolve().name}",
        "",
        "Synthetic training data for text-embedding models, written by embtaskgen after the recipe of "
        '"Improving Text Embeddings with Large Language Models" (Wang et al., 2024).',
        "",
        "## Configs",
        "",
        *(f'- `{c["config_name"]}`: `datasets.load_dataset(DIR, "{c["config_name"]}")`' for c in configs),
        "",
        "## How it was made",
        "",
    ]
    models: set[str] = set()
    for config in configs:
        section, named = _section(root, config)
        body += section
        models |= named
    body += ["## Licence and terms", "", f"Licence of the rows: `{license}`."]
    body += [f"- `{model}`: {_terms(model)}" for model in sorted(models)] or ["", _SERVED_TERMS]
    return "\n".join([*front, *body, "", _MARK]) + "\n"


def write_dataset_card(folder: str | os.PathLike[str], *, license: str = "other", overwrite: bool = False) -> Path:
    """Write ``folder/README.md`` (replaced whole) and return its path.

    Args:
        folder: A folder of rows (see :func:`dataset_card`).
        license: The licence of the rows, a Hub licence id.
        overwrite: Replace a ``README.md`` this tool did not write (by default it is refused).

    Returns:
        The card's path.

    Raises:
        ConfigError: As :func:`dataset_card`; a README.md of the user's own without
            ``overwrite``; the card cannot be written.

    Example:
        >>> import json, pathlib, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "tasks.jsonl").write_text(json.dumps({"task": "Retrieve news."}) + "\\n")
        >>> write_dataset_card(folder).name
        'README.md'
    """
    text = dataset_card(folder, license=license)
    path = Path(folder) / CARD_NAME
    try:
        ours = _MARK in path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        ours = True
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not (ours or overwrite):
        raise ConfigError(f"{path} exists and is not a card embtaskgen wrote; pass --overwrite to replace it")
    try:
        write_json_atomic(path, text)
    except WriteError as exc:
        raise ConfigError(str(exc)) from exc
    return path
