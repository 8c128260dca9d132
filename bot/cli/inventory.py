"""`quorumbot inventory ...`: the clusters and nodes quorumbot looks after."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bot.cli.common import (
    EXIT_CANNOT_RUN,
    ConfigOption,
    err,
    fail,
    out,
    run_async,
    settings_from,
)
from bot.config import Settings
from bot.errors import InventoryError, UsageError
from bot.inventory import dump_inventory_yaml, parse_inventory_yaml, parse_lab_status
from bot.model import Cluster, Node
from bot.ssh import SshPool, fingerprint
from bot.store.database import open_database
from bot.store.repos import InventoryRepo

inventory_app = typer.Typer(no_args_is_help=True, help="Clusters and nodes quorumbot looks after.")

ClusterOption = Annotated[
    str | None, typer.Option("--cluster", help="Which cluster (needed when names repeat).")
]


def _url(settings: Settings) -> str:
    return settings.database_url.get_secret_value()


@inventory_app.command("list")
def inventory_list(config: ConfigOption = None) -> None:
    """List clusters with their node counts and how many host keys are trusted."""
    settings = settings_from(config)

    async def work() -> list[Cluster]:
        async with open_database(_url(settings)) as engine:
            return await InventoryRepo(engine).all()

    clusters = run_async(work)
    if not clusters:
        out.print("the inventory is empty (add a cluster with `quorumbot inventory add-cluster`)")
        return
    table = Table("cluster", "flavor", "nodes", "trusted host keys", box=None)
    for c in clusters:
        trusted = sum(1 for n in c.nodes if n.host_key)
        table.add_row(c.name, c.flavor.value, str(len(c.nodes)), f"{trusted}/{len(c.nodes)}")
    out.print(table)


@inventory_app.command("show")
def inventory_show(
    cluster: Annotated[str, typer.Argument(help="Cluster name.")], config: ConfigOption = None
) -> None:
    """Show a cluster's nodes: addresses, links, SSH user and key, trusted host key."""
    settings = settings_from(config)

    async def work() -> Cluster:
        async with open_database(_url(settings)) as engine:
            return await InventoryRepo(engine).get(cluster)

    found = run_async(work)
    table = Table(title=f"{found.name} ({found.flavor.value})", box=None)
    for column in ("node", "nodeid", "ssh", "rings", "user", "key", "host key"):
        table.add_column(column)
    for n in found.nodes:
        table.add_row(
            n.name,
            str(n.nodeid or "-"),
            f"{n.address}:{n.port}" + (f" via {n.jump}" if n.jump else ""),
            " ".join(n.ring_addrs) or "-",
            n.user,
            str(n.key_path or "(agent/default)"),
            fingerprint(n.host_key) if n.host_key else "[yellow]not trusted[/]",
        )
    out.print(table)


@inventory_app.command("import")
def inventory_import(
    file: Annotated[
        str | None, typer.Argument(help="YAML inventory file, or - for standard input.")
    ] = None,
    lab: Annotated[
        bool, typer.Option("--lab", help="FILE is `quorumbot lab status --json` output.")
    ] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace clusters that already exist.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Import clusters from a file; all or nothing, and existing clusters only with --replace."""
    settings = settings_from(config)
    if file is None:
        fail("give a FILE (or - for standard input)", EXIT_CANNOT_RUN)
    source = "standard input" if file == "-" else file
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text()
    except OSError as exc:
        fail(f"cannot read {escape(file)}: {exc.strerror}", EXIT_CANNOT_RUN)
    except UnicodeDecodeError:
        fail(f"{escape(source)} is not UTF-8 text", EXIT_CANNOT_RUN)

    async def work() -> list[str]:
        clusters = parse_lab_status(text, source) if lab else parse_inventory_yaml(text, source)
        async with open_database(_url(settings)) as engine:
            repo = InventoryRepo(engine)
            existing = set(await repo.names())
            clashes = sorted(c.name for c in clusters if c.name in existing)
            if clashes and not replace:
                raise UsageError(
                    f"already in the inventory: {', '.join(clashes)} "
                    "(nothing imported; use --replace to overwrite them)"
                )
            done: list[str] = []
            for c in clusters:
                if c.name in existing:
                    await repo.replace(c)
                else:
                    await repo.add(c)
                done.append(f"{c.name} ({len(c.nodes)} nodes)")
            return done

    for line in run_async(work):
        out.print(f"imported {line}")


@inventory_app.command("export")
def inventory_export(config: ConfigOption = None) -> None:
    """Print the whole inventory as YAML (the format `inventory import` reads)."""
    settings = settings_from(config)

    async def work() -> list[Cluster]:
        async with open_database(_url(settings)) as engine:
            return await InventoryRepo(engine).all()

    print(dump_inventory_yaml(run_async(work)), end="")


@inventory_app.command("remove")
def inventory_remove(
    cluster: Annotated[str, typer.Argument(help="Cluster name.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
    config: ConfigOption = None,
) -> None:
    """Forget a cluster and its nodes (nothing is changed on the nodes themselves)."""
    settings = settings_from(config)
    if not yes and not typer.confirm(f"Forget cluster {cluster!r} and its nodes?"):
        raise typer.Exit(1)

    async def work() -> None:
        async with open_database(_url(settings)) as engine:
            await InventoryRepo(engine).remove(cluster)

    run_async(work)
    out.print(f"removed {cluster}")


@inventory_app.command("trust")
def inventory_trust(
    node: Annotated[str, typer.Argument(help="Node name.")],
    cluster: ClusterOption = None,
    expect: Annotated[
        str | None,
        typer.Option("--fingerprint", help="Record only if the node presents this SHA256:..."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask; record what is offered.")] = False,
    config: ConfigOption = None,
) -> None:
    """Fetch NODE's host key, show its fingerprint, and record it as trusted once confirmed."""
    settings = settings_from(config)

    async def fetch() -> tuple[Node, str]:
        async with open_database(_url(settings)) as engine:
            target = await find_node(InventoryRepo(engine), node, cluster)
        async with SshPool(settings.ssh) as pool:
            return target, await pool.fetch_host_key(target)

    target, offered = run_async(fetch)
    offered_fp = fingerprint(offered)
    out.print(
        f"{target.cluster}/{target.name} ({target.address}) presents {offered.split()[0]} "
        f"{offered_fp}"
    )
    if target.host_key and fingerprint(target.host_key) != offered_fp:
        err.print(
            f"[bold red]WARNING:[/] this is NOT the key trusted so far "
            f"({fingerprint(target.host_key)}). Find out why before trusting it."
        )
    elif target.host_key:
        out.print("this key is already trusted")
        return
    if expect is not None and expect != offered_fp:
        fail(
            f"the node presents {offered_fp}, not {escape(expect)}: nothing recorded",
            EXIT_CANNOT_RUN,
        )
    if expect is None and not yes and not typer.confirm("Trust this key?"):
        raise typer.Exit(1)

    async def record() -> None:
        async with open_database(_url(settings)) as engine:
            await InventoryRepo(engine).set_host_key(target.cluster, target.name, offered)

    run_async(record)
    out.print(f"trusted {offered_fp} for {target.cluster}/{target.name}")


async def find_node(repo: InventoryRepo, name: str, cluster: str | None) -> Node:
    """The node called ``name``, in ``cluster`` or in the one cluster that has it."""
    if cluster is not None:
        return await repo.node(cluster, name)
    matches = [n for c in await repo.all() for n in c.nodes if n.name == name]
    if not matches:
        raise InventoryError(f"no node named {name!r} in the inventory")
    if len(matches) > 1:
        clusters = ", ".join(n.cluster for n in matches)
        raise UsageError(f"node {name!r} is in several clusters ({clusters}); add --cluster")
    return matches[0]
