"""The `quorumbot` command line: parse, call, print."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="ChatOps for corosync clusters.")


def main() -> None:
    app()
