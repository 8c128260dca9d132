"""`quorumbot runbooks`: list the runbooks and validate runbook files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bot.cli.common import ConfigOption, answers_errors, out, settings_from
from bot.runbooks.loader import load_runbooks

runbooks_app = typer.Typer(no_args_is_help=True, help="The runbooks quorumbot can walk through.")


@runbooks_app.command("list")
def list_runbooks(config: ConfigOption = None) -> None:
    """Every runbook with what it is for, where it applies and how to call it."""
    settings = settings_from(config)
    with answers_errors():
        runbooks = load_runbooks([settings.runbooks_dir])
    table = Table("runbook", "what it does", "flavors", "usage", box=None)
    for runbook in sorted(runbooks.values(), key=lambda r: r.id):
        flavors = ", ".join(f.value for f in runbook.flavors)
        table.add_row(runbook.id, runbook.title, flavors, runbook.usage)
    out.print(table)


@runbooks_app.command("validate")
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Runbook files or folders (default: the configured runbooks_dir)."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Check runbook files: every problem named by file, key path and line; exit 3 if any."""
    settings = settings_from(config)
    with answers_errors():
        runbooks = load_runbooks(paths or [settings.runbooks_dir])
    out.print(f"{len(runbooks)} runbook(s) valid: {', '.join(sorted(runbooks))}")
