"""`quorumbot diagnose` and `quorumbot checks`: what is wrong with a cluster, with evidence."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bot.cli.common import ConfigOption, answers_errors, err, out, run_async, settings_from
from bot.config import Settings
from bot.diagnostics.checks.base import Check
from bot.diagnostics.registry import CHECKS, select
from bot.diagnostics.report import Report, exit_code
from bot.errors import UsageError
from bot.model import Severity
from bot.operations import Operations
from bot.ssh import SshPool
from bot.store.counters import CounterRepo
from bot.store.database import open_database
from bot.store.repos import AuditRepo, InventoryRepo

STYLE = {
    Severity.CRITICAL: ("CRIT", "bold red"),
    Severity.UNKNOWN: ("UNKN", "magenta"),
    Severity.WARNING: ("WARN", "yellow"),
    Severity.INFO: ("INFO", "cyan"),
    Severity.OK: ("OK", "green"),
}


def diagnose(
    cluster: Annotated[str | None, typer.Argument(help="Cluster (default: every cluster).")] = None,
    node: Annotated[list[str] | None, typer.Option("--node", help="Only these nodes.")] = None,
    check: Annotated[
        list[str] | None, typer.Option("--check", help="Only these check ids.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    network: Annotated[bool, typer.Option(help="Run the timed network probes (ping).")] = True,
    config: ConfigOption = None,
) -> None:
    """Diagnose clusters. Exit 0 ok, 1 warnings, 2 critical, 3 could not run."""
    settings = settings_from(config)
    with answers_errors():
        checks = select(check)

    reports = run_async(
        lambda: diagnose_all(settings, [cluster] if cluster else None, node, checks, network)
    )
    if as_json:
        print(json.dumps([r.model_dump(mode="json") for r in reports], indent=2))
    else:
        for report in reports:
            print_report(report)
    raise typer.Exit(exit_code(reports))


async def diagnose_all(
    settings: Settings,
    clusters: list[str] | None,
    nodes: list[str] | None = None,
    checks: tuple[Check, ...] = CHECKS,
    network: bool = True,
) -> list[Report]:
    """Collect and judge each cluster (all when None), auditing every command run."""
    async with open_database(settings.database_url.get_secret_value()) as engine:
        inventory = InventoryRepo(engine)
        names = clusters or await inventory.names()
        chosen = [await inventory.get(name) for name in names]
        if not chosen:
            raise UsageError("the inventory is empty: add a cluster first")
        audit = AuditRepo(engine)
        reports = []
        async with SshPool(settings.ssh, audit=audit.record) as pool:
            ops = Operations(inventory, audit, pool, CounterRepo(engine))
            for c in chosen:
                with err.status(f"diagnosing {c.name} ({len(c.nodes)} nodes)"):
                    diagnosis = await ops.diagnose(
                        c,
                        actor="cli",
                        reason="diagnose",
                        nodes=nodes,
                        checks=checks,
                        network=network,
                    )
                reports.append(diagnosis.report)
        return reports


def print_report(report: Report) -> None:
    table = Table(title=f"cluster {report.cluster}", box=None, show_header=False)
    table.add_column("severity")
    table.add_column("check")
    table.add_column("finding")
    for f in report.findings:
        label, style = STYLE[f.severity]
        what = escape(f.summary)
        if f.runbook:
            what += f"\n[dim]fix: quorumbot runbook run {f.runbook}[/]"
        for line in f.evidence[:6]:
            what += f"\n[dim]  {escape(line)}[/]"
        table.add_row(f"[{style}]{label}[/]", f.check_id, what)
    out.print(table)
    problems = report.problems()
    verdict = "no problems found" if not problems else f"{len(problems)} problem(s)"
    out.print(f"{report.cluster}: {verdict}\n")


def list_checks() -> None:
    """List every check with what it looks at."""
    table = Table("check", "what it verifies", box=None)
    for c in CHECKS:
        table.add_row(c.id, c.description)
    out.print(table)
