"""The `quorumbot` command line: parse, call, print. One module per command group."""

from __future__ import annotations

from typing import Annotated

import typer

from bot import __version__
from bot.cli.common import EXIT_CANNOT_RUN, ConfigOption, out
from bot.cli.config import config_app
from bot.cli.diagnose import diagnose, list_checks
from bot.cli.inventory import inventory_app
from bot.cli.lab import lab_app, lab_up

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="quorumbot keeps corosync clusters healthy: diagnose, alert, repair.",
    pretty_exceptions_enable=False,
)
app.add_typer(lab_app, name="lab")
app.add_typer(inventory_app, name="inventory")
app.add_typer(config_app, name="config")
app.command("diagnose")(diagnose)
app.command("checks")(list_checks)


@app.callback(invoke_without_command=True)
def root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        out.print(f"quorumbot {__version__}")
        raise typer.Exit(0)


@app.command("demo")
def demo(
    nodes: Annotated[int, typer.Option("--nodes", "-n", help="Lab size.")] = 3,
    config: ConfigOption = None,
) -> None:
    """Bring up the lab and show its health (the full bot demo grows here)."""
    lab_up(nodes=nodes, name="lab", token_ms=1000, config=config)
    out.print(
        "\nThe lab is up. Try: [bold]quorumbot lab fault lab3 link-down[/], "
        "[bold]quorumbot lab status[/], [bold]quorumbot lab heal[/], [bold]quorumbot lab down[/]."
    )


def main() -> None:
    command = typer.main.get_command(app)
    try:
        code = command.main(standalone_mode=False)
    except Exception as exc:
        # Click exits 2 on a usage error, but for us 2 means "critical finding" (common.py).
        # Typer vendors its own click, so match the exception by class name, not by import.
        names = {cls.__name__ for cls in type(exc).__mro__}
        if "UsageError" in names:
            exc.show()  # type: ignore[attr-defined]  # every click UsageError has show()
            raise SystemExit(EXIT_CANNOT_RUN) from None
        if "Abort" in names:
            raise SystemExit(EXIT_CANNOT_RUN) from None
        raise
    raise SystemExit(code if isinstance(code, int) else 0)
