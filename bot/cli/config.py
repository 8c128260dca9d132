"""`quorumbot config ...`: check and show settings."""

from __future__ import annotations

import os

import typer

from bot.cli.common import ConfigOption, out, settings_from

config_app = typer.Typer(no_args_is_help=True, help="Check and show settings.")


@config_app.command("check")
def config_check(config: ConfigOption = None) -> None:
    """Validate settings from the environment and the settings file; explain every error."""
    settings_from(config)
    source = config or os.environ.get("QUORUMBOT_CONFIG") or "environment only"
    out.print(f"[green]settings are valid[/] ({source})")


@config_app.command("show")
def config_show(config: ConfigOption = None) -> None:
    """Print the effective settings (secrets masked) as JSON."""
    out.print_json(settings_from(config).model_dump_json())
