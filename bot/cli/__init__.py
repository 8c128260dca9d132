"""The `quorumbot` command line: parse, call, print. One module per command group."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from pydantic import SecretStr

from bot import __version__
from bot.cli.common import (
    EXIT_CANNOT_RUN,
    ConfigOption,
    answers_errors,
    out,
    progress,
    run_async,
    settings_from,
)
from bot.cli.config import config_app
from bot.cli.diagnose import diagnose, diagnose_all, list_checks, print_report
from bot.cli.inventory import inventory_app
from bot.cli.lab import lab_app, print_status
from bot.cli.run import run
from bot.cli.runbooks import runbooks_app
from bot.lab.faults import FaultKind, FaultParams
from bot.lab.lab import Lab
from bot.store.database import open_database
from bot.store.repos import InventoryRepo

DEMO_SETTLE_S = 8.0

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="quorumbot keeps corosync clusters healthy: diagnose, alert, repair.",
    pretty_exceptions_enable=False,
)
app.add_typer(lab_app, name="lab")
app.add_typer(inventory_app, name="inventory")
app.add_typer(config_app, name="config")
app.add_typer(runbooks_app, name="runbooks")
app.command("diagnose")(diagnose)
app.command("checks")(list_checks)
app.command("run")(run)


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
    fault: Annotated[
        FaultKind, typer.Option("--fault", help="What to break on the last node.")
    ] = FaultKind.FIREWALL,
    config: ConfigOption = None,
) -> None:
    """A tour: bring up a lab, diagnose it, break a node, diagnose again, heal it."""
    settings = settings_from(config)
    lab = Lab(settings.lab, "lab")
    with answers_errors(), progress("lab") as report:
        status = lab.up(nodes=nodes, token_ms=1000, report=report)
    print_status(status)
    # The demo keeps its own database beside the lab, so it never touches a real inventory.
    demo_url = f"sqlite+aiosqlite:///{lab.dir}/demo.db"
    settings = settings.model_copy(update={"database_url": SecretStr(demo_url)})

    async def load() -> None:
        async with open_database(demo_url) as engine:
            await InventoryRepo(engine).add(status.to_cluster())

    run_async(load)
    victim = status.nodes[-1].name
    steps = (
        ("a healthy cluster", None),
        (f"after `quorumbot lab fault {victim} {fault.value}`", fault),
        ("after `quorumbot lab heal`", "heal"),
    )
    for title, action in steps:
        if isinstance(action, FaultKind):
            with answers_errors():
                lab.fault(victim, action, FaultParams())
            time.sleep(DEMO_SETTLE_S)  # let corosync notice (token + consensus, a few seconds)
        elif action == "heal":
            with answers_errors(), progress("healing") as report:
                lab.heal(None, wait=True, report=report)
        out.rule(f"quorumbot diagnose lab: {title}")
        for result in run_async(lambda: diagnose_all(settings, ["lab"])):
            print_report(result)
    out.print("The lab is still up: try `quorumbot lab fault`, `quorumbot lab down` to finish.")


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
