"""`quorumbot lab ...`: a real corosync cluster on this machine."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from bot.cli.common import (
    EXIT_PROBLEM,
    ConfigOption,
    answers_errors,
    out,
    progress,
    settings_from,
)
from bot.config import LabSettings
from bot.errors import UsageError
from bot.lab.faults import DESCRIPTIONS, FaultKind, FaultParams
from bot.lab.lab import Lab, LabStatus, status_json

lab_app = typer.Typer(no_args_is_help=True, help="A real corosync cluster on this machine.")

LabName = Annotated[str, typer.Option("--name", help="Lab name (1-8 lowercase letters/digits).")]


def lab_settings(config: Path | None) -> LabSettings:
    return settings_from(config).lab


@lab_app.command("up")
def lab_up(
    nodes: Annotated[int, typer.Option("--nodes", "-n", help="Number of nodes (2-32).")] = 3,
    name: LabName = "lab",
    token_ms: Annotated[int, typer.Option("--token-ms", help="totem token in ms.")] = 1000,
    config: ConfigOption = None,
) -> None:
    """Boot a quorate corosync cluster of NODES real Debian nodes (replaces a lab of that name)."""
    with answers_errors(), progress(f"lab {name}") as report:
        status = Lab(lab_settings(config), name).up(nodes=nodes, token_ms=token_ms, report=report)
    print_status(status)


@lab_app.command("status")
def lab_status(
    name: LabName = "lab",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print as an importable inventory.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Show the lab's nodes and what corosync reports on each; exit 1 if it is not healthy."""
    with answers_errors():
        status = Lab(lab_settings(config), name).status()
    if as_json:
        print(status_json(status))
    else:
        print_status(status)
    if not status.healthy:
        raise typer.Exit(EXIT_PROBLEM)


@lab_app.command("ssh", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def lab_ssh(
    ctx: typer.Context,
    node: Annotated[str, typer.Argument(help="Node name, e.g. lab1.")],
    name: LabName = "lab",
    config: ConfigOption = None,
) -> None:
    """Open a shell on NODE, or run `-- CMD...` there (host key verified)."""
    with answers_errors():
        argv = Lab(lab_settings(config), name).ssh_argv(node, list(ctx.args))
    sys.stdout.flush()
    os.execvp(argv[0], argv)  # noqa: S606 -- argv built by ssh_argv, remote command shlex-quoted


@lab_app.command("fault")
def lab_fault(
    node: Annotated[str, typer.Argument(help="Node name, e.g. lab3.")],
    kind: Annotated[FaultKind, typer.Argument(help="What to break; see `lab faults`.")],
    name: LabName = "lab",
    percent: Annotated[int, typer.Option(help="packet-loss: percent dropped.")] = 30,
    ms: Annotated[int, typer.Option("--ms", help="pause: how long corosync stops.")] = 5000,
    repeat: Annotated[int, typer.Option(help="pause: how many times (0: until healed).")] = 1,
    every_ms: Annotated[int, typer.Option(help="pause: period between pauses.")] = 10_000,
    config: ConfigOption = None,
) -> None:
    """Break NODE in a real way (undo with `lab heal`)."""
    with answers_errors():
        params = _fault_params(percent=percent, pause_ms=ms, repeat=repeat, every_ms=every_ms)
        Lab(lab_settings(config), name).fault(node, kind, params)
    out.print(f"{kind.value} on {node}: {DESCRIPTIONS[kind]}")


@lab_app.command("faults")
def lab_faults() -> None:
    """List the fault kinds."""
    table = Table("kind", "what it does", box=None)
    for kind in FaultKind:
        table.add_row(kind.value, DESCRIPTIONS[kind])
    out.print(table)


@lab_app.command("heal")
def lab_heal(
    node: Annotated[str | None, typer.Argument(help="Node to heal (default: all).")] = None,
    name: LabName = "lab",
    wait: Annotated[bool, typer.Option(help="Wait until the cluster is whole.")] = True,
    config: ConfigOption = None,
) -> None:
    """Undo every fault on NODE (or all nodes) and wait for a whole, quorate cluster."""
    with answers_errors(), progress(f"healing lab {name}") as report:
        status = Lab(lab_settings(config), name).heal(node, wait=wait, report=report)
    print_status(status)


@lab_app.command("down")
def lab_down(name: LabName = "lab", config: ConfigOption = None) -> None:
    """Remove the lab: nodes, NTP server, namespaces, interfaces and files."""
    with answers_errors(), progress(f"removing lab {name}") as report:
        removed = Lab(lab_settings(config), name).down(report=report)
    out.print(f"lab {name}: " + ("removed" if removed else "nothing to remove"))


def _fault_params(**values: int) -> FaultParams:
    try:
        return FaultParams(**values)
    except ValidationError as exc:
        problems = "; ".join(f"--{e['loc'][0]}: {e['msg']}" for e in exc.errors())
        raise UsageError(problems) from None


def print_status(status: LabStatus) -> None:
    table = Table(title=f"lab {status.cluster} ({status.network})", box=None)
    for column in ("node", "ssh", "ring0", "link", "corosync", "quorum", "members", "faults"):
        table.add_column(column)
    for inv, health in zip(status.nodes, status.health, strict=True):
        quorate = {True: "[green]quorate[/]", False: "[red]NOT quorate[/]", None: "-"}
        table.add_row(
            inv.name,
            inv.address,
            inv.ring0_addr,
            "up" if health.link_up else "[red]down[/]",
            health.corosync if health.corosync == "active" else f"[red]{health.corosync}[/]",
            quorate[health.quorate],
            " ".join(map(str, health.members)) or "-",
            ", ".join(health.faults) or "",
        )
    out.print(table)
    out.print("[green]healthy[/]" if status.healthy else "[yellow]not healthy[/]")
