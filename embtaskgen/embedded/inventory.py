"""What ``embtaskgen models`` prints: the embedded models, their files and licences (nothing is loaded).

Example:
    >>> [entry["spec"] for entry in describe_models()]
    ['local:gemma-3-270m', 'local:smollm2']
"""

from __future__ import annotations

import importlib.metadata
from typing import Any

from embtaskgen.embedded.catalog import DEFAULT_MODEL, LOCAL_MODELS

__all__ = ["describe_models", "format_models"]


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def describe_models() -> list[dict[str, Any]]:
    """One dict per embedded model of the catalog, the default first (``version``/``file`` ``None`` if missing)."""
    entries = []
    for name, model in sorted(LOCAL_MODELS.items(), key=lambda item: item[0] != DEFAULT_MODEL):
        path = model.expected_path()
        entries.append(
            {
                "spec": f"local:{name}",
                "default": name == DEFAULT_MODEL,
                "label": model.label,
                "package": model.package,
                "version": _version(model.package),
                "licence": model.licence,
                "file": None if path is None else str(path),
                "present": path is not None and path.is_file(),
                "note": model.file_note,
            }
        )
    return entries


def format_models(entries: list[dict[str, Any]]) -> str:
    """The entries of :func:`describe_models` as the text ``embtaskgen models`` prints."""
    lines = []
    for entry in entries:
        default = " (default: local, or no --model)" if entry["default"] else ""
        lines.append(f"{entry['spec']}{default}  {entry['label']}")
        lines.append(f"  licence: {entry['licence']}")
        installed = f"{entry['version']}" if entry["version"] else "not installed: pip install 'embtaskgen[local]'"
        lines.append(f"  package: {entry['package']} ({installed})")
        if entry["file"] is None:
            lines.append(f"  file:    {entry['note']}")
        else:
            state = "present" if entry["present"] else "not yet there"
            lines.append(f"  file:    {entry['file']} ({state}; {entry['note']})")
    lines.append("local:/path/model.gguf  any GGUF file you have (chat prompt style; its own licence)")
    return "\n".join(lines)
