"""What every command shares: the console, progress, and turning errors into exit codes.

Exit codes: 0 success, 1 the command ran and found a problem (warnings), 2 it found a critical
problem, 3 it could not run: bad input, unknown names, unreachable database. Bad input is "could
not run" rather than click's usual 2, so scripts never mistake a typo for a critical finding.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console

from bot.config import Settings, load_settings
from bot.errors import BotError

EXIT_PROBLEM = 1
EXIT_CRITICAL = 2
EXIT_CANNOT_RUN = 3

T = TypeVar("T")

# soft_wrap: long lines (fingerprints, paths, one-line errors) stay whole for copy and grep.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Settings file (.toml/.yaml); also QUORUMBOT_CONFIG."),
]


def fail(message: str, code: int) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def answers_errors() -> Iterator[None]:
    """Turn our errors into one clear line and an exit code; never a traceback."""
    try:
        yield
    except BotError as exc:
        fail(_escape(str(exc)), EXIT_CANNOT_RUN)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def settings_from(config: Path | None) -> Settings:
    with answers_errors():
        return load_settings(config)


def run_async(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine for a command, with our errors answered like everywhere else."""
    with answers_errors():
        return asyncio.run(work())


@contextmanager
def progress(title: str) -> Iterator[Callable[[str], None]]:
    """A spinner with the current step, and each finished step printed above it."""
    with err.status(title) as spinner:

        def report(step: str) -> None:
            err.print(f"  {step}", highlight=False, markup=False)
            spinner.update(f"{title}: {step}")

        yield report
