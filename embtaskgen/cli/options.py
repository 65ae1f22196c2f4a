"""What every command shares: the model and category options, the output check, error mapping.

``generate``, ``optimize`` and ``evaluate`` (and the next stage's commands) take the same
``-c/--category``, ``-m/--model``, ``--api-base`` and ``--num-tasks``; bad usage exits 2
naming the valid choices, before any file is created.

Example:
    >>> import click
    >>> @click.command()
    ... @shared_options
    ... def hello(category, model, api_base, num_tasks):
    ...     pass
    >>> [p.name for p in hello.params]
    ['category', 'model', 'api_base', 'num_tasks']
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from embtaskgen.signatures.categories import CATEGORIES
from embtaskgen.errors import EmbtaskgenError, MissingDependency, RunAborted

__all__ = ["CATEGORY_CHOICES", "MODEL_HELP", "check_output_dir", "shared_options", "usage_errors"]

CATEGORY_CHOICES = [*CATEGORIES, "all"]
MODEL_HELP = ("Model: 'local' (embedded default), 'local:<name|file.gguf>', or a LiteLLM id "
              "such as openai/gpt-4o-mini.")

_SHARED = [
    click.option("-c", "--category", "category", multiple=True, type=click.Choice(CATEGORY_CHOICES),
                 default=("all",), show_default=True, help="Category (repeatable), or 'all'."),
    click.option("-m", "--model", default=None, help=MODEL_HELP),
    click.option("--api-base", default=None, help="Base URL of an OpenAI-compatible server."),
    click.option("--num-tasks", type=click.IntRange(min=1), default=20, show_default=True,
                 help="Tasks asked for per call."),
]


def shared_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``-c/--category``, ``-m/--model``, ``--api-base`` and ``--num-tasks`` to a command."""
    for option in reversed(_SHARED):
        function = option(function)
    return function


def check_output_dir(output: Path | None, hint: str = "--output") -> None:
    """Refuse (exit 2) an output whose folder does not exist, before anything runs."""
    if output is not None and not output.parent.exists():
        raise click.BadParameter(f"directory {str(output.parent)!r} does not exist", param_hint=hint)


@contextlib.contextmanager
def usage_errors() -> Iterator[None]:
    """Map the library's errors to exits: bad input 2 (usage), a missing extra 1 with its hint."""
    try:
        yield
    except RunAborted:
        raise  # not a usage error: the command reports the summary and exits 1
    except MissingDependency as exc:
        raise click.ClickException(str(exc)) from exc
    except (EmbtaskgenError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    except ImportError as exc:
        raise click.ClickException(str(exc)) from exc
