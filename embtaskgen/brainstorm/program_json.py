"""The JSON of a program file (either stage), read as data and refused with a clear reason.

:func:`~embtaskgen.brainstorm.program_state.read_program` (stage 1) and
:func:`~embtaskgen.tune.example_program_files.read_example_program` (stage 2) read the
file here, then check it against their own schema.

Example:
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "program.json"
    >>> _ = path.write_text("", encoding="utf-8")
    >>> read_program_json(path)
    Traceback (most recent call last):
    ...
    embtaskgen.errors.ProgramFileError: ... is empty, not a JSON program file
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from embtaskgen.errors import ProgramFileError

__all__ = ["read_program_json"]


def read_program_json(path: str | Path, *, missing_hint: str = "") -> Any:
    """The JSON value of a program file of either stage, not yet checked against a schema.

    Raises:
        ProgramFileError: No such file, a directory, unreadable, empty, not UTF-8, not JSON
            or nested too deeply (each named).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
        if not data.strip():
            raise ProgramFileError(f"{path} is empty, not a JSON program file")
        return json.loads(data.decode("utf-8-sig"))
    except FileNotFoundError:
        raise ProgramFileError(f"no program file at {str(path)!r}{missing_hint}") from None
    except IsADirectoryError:
        raise ProgramFileError(f"{path} is a directory, not a program file") from None
    except OSError as exc:
        raise ProgramFileError(f"{path}: cannot read the program file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ProgramFileError(
            f"{path} is not a JSON program file: not UTF-8 text at byte {exc.start} (a binary file?)"
        ) from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ProgramFileError(f"{path} is not a JSON program file: {exc or 'nested too deeply'}") from None
