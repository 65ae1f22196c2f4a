"""A Griffe extension for the API page: read the package's docstrings as they are written.

The package's docstrings are Google style with reST inline markup (``code``,
:class:`~pkg.Name`) and a singular ``Example:`` heading, which the doctests run. Griffe's
Google parser knows only ``Examples:`` as a section of code examples and reads the rest as
Markdown, where a doctest line such as ``rows[0]["category"]`` looks like a link. This
extension, used only by ``mkdocs build``, renames the heading and turns the reST roles into
code spans before the docstrings are parsed; the package's files are not touched.

The prompts live outside the package folder (``signatures/``, installed as
``embtaskgen.signatures`` by ``package-dir`` in pyproject.toml), where Griffe does not
look: the extension loads that folder as the package's ``signatures`` member, so the
names ``embtaskgen`` re-exports from it (``CATEGORIES``, ...) are documented too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import griffe

_EXAMPLE_HEADING = re.compile(r"^(\s*)Example:[ \t]*$", re.MULTILINE)
_REST_ROLE = re.compile(r":(?:class|func|meth|mod|attr|data|exc|obj):`~?([^`]+)`")


def _role_to_code(match: re.Match[str]) -> str:
    """``:class:`~a.b.C``` -> ````C````; ``:func:`a.b``` -> ````a.b````."""
    target = match.group(1)
    if match.group(0).split("`", 1)[1].startswith("~"):
        target = target.rsplit(".", 1)[-1]
    return f"``{target}``"


class ReadDocstringsAsWritten(griffe.Extension):
    """Rename ``Example:`` to ``Examples:`` and render reST roles as code, per object."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Rewrite ``obj``'s docstring before Griffe parses it (parsing is lazy)."""
        docstring = obj.docstring
        if docstring is None:
            return
        value = _EXAMPLE_HEADING.sub(r"\1Examples:", docstring.value)
        docstring.value = _REST_ROLE.sub(_role_to_code, value)

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        """Attach ``signatures/`` as ``embtaskgen.signatures``, once ``embtaskgen`` is loaded."""
        if pkg.name != "embtaskgen" or "signatures" in pkg.members or not isinstance(pkg.filepath, Path):
            return
        folder = pkg.filepath.parent.parent / "signatures"
        if (folder / "__init__.py").is_file():
            signatures = loader.load(folder)
            if isinstance(signatures, griffe.Module):
                pkg.set_member("signatures", signatures)
