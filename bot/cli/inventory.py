"""`quorumbot inventory ...`: the clusters and nodes quorumbot looks after."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from bot import discovery
from bot.cli.common import (
    EXIT_CANNOT_RUN,
    ConfigOption,
    answers_errors,
    err,
    fail,
    out,
    run_async,
    settings_from,
)
from bot.config import Settings
from bot.errors import InventoryError, SshError, UsageError
from bot.inventory import (
    ClusterEntry,
    NodeEntry,
    dump_inventory_yaml,
    parse_inventory_yaml,
    parse_lab_status,
)
from bot.model import Cluster, Flavor, Node
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


@inventory_app.command("add-cluster")
def inventory_add_cluster(
    name: Annotated[str, typer.Argument(help="A name for the cluster in quorumbot.")],
    seed_node: Annotated[str, typer.Option("--seed-node", help="Address of any cluster node.")],
    flavor: Annotated[
        Flavor | None, typer.Option("--flavor", help="proxmox or corosync (default: detect).")
    ] = None,
    user: Annotated[str, typer.Option("--user", help="SSH user.")] = "root",
    key: Annotated[Path | None, typer.Option("--key", help="SSH private key file.")] = None,
    port: Annotated[int, typer.Option("--port", help="SSH port.")] = 22,
    jump: Annotated[
        str | None, typer.Option("--jump", help="Jump host [user@]host[:port].")
    ] = None,
    trust_on_add: Annotated[
        bool,
        typer.Option("--trust-on-add", help="Trust every node's current host key (printed)."),
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Read the cluster's nodelist from one node and add every node to the inventory."""
    settings = settings_from(config)
    with answers_errors():
        try:
            entry = NodeEntry(
                name="seed", address=seed_node, port=port, user=user, key=key, jump=jump
            )
            ClusterEntry(name=name, nodes=(entry,))
        except ValidationError as exc:
            options = {
                "address": "--seed-node",
                "port": "--port",
                "user": "--user",
                "jump": "--jump",
                "name": "NAME",
            }
            raise UsageError(
                "; ".join(
                    f"{options.get(str(e['loc'][-1]), e['loc'][-1])}: {e['msg']}"
                    for e in exc.errors()
                )
            ) from None
        if key is not None and not os.access(key, os.R_OK):
            raise UsageError(f"cannot read the SSH key {key}")

    seed = Node(
        cluster=name,
        name=entry.address,
        address=entry.address,
        port=port,
        user=user,
        key_path=key,
        jump=jump,
    )

    async def fetch_jump_key() -> str:
        async with open_database(_url(settings)) as engine:
            if name in await InventoryRepo(engine).names():
                raise UsageError(f"cluster {name!r} is already in the inventory")
        async with SshPool(settings.ssh) as pool:
            return await pool.fetch_jump_host_key(seed)

    if jump is not None:
        # The jump host is contacted first, so its key is trusted first, just as explicitly.
        jump_key = run_async(fetch_jump_key)
        out.print(f"jump host {jump} presents {jump_key.split()[0]} {fingerprint(jump_key)}")
        if not trust_on_add and not typer.confirm("Trust this key for the jump host?"):
            raise typer.Exit(EXIT_CANNOT_RUN)
        seed = seed.model_copy(update={"jump_host_key": jump_key})

    async def fetch_seed_key() -> str:
        async with open_database(_url(settings)) as engine:
            if name in await InventoryRepo(engine).names():
                raise UsageError(f"cluster {name!r} is already in the inventory")
        async with SshPool(settings.ssh) as pool:
            return await pool.fetch_host_key(seed)

    offered = run_async(fetch_seed_key)
    out.print(f"{seed.address} presents {offered.split()[0]} {fingerprint(offered)}")
    if not trust_on_add and not typer.confirm("Trust this key to read the cluster's nodelist?"):
        raise typer.Exit(EXIT_CANNOT_RUN)
    seed = seed.model_copy(update={"host_key": offered})

    async def discover() -> Cluster:
        async with SshPool(settings.ssh) as pool:
            kind = flavor or await discovery.detect_flavor(pool, seed, "cli")
            nodelist = await discovery.read_nodelist(pool, seed, kind, "cli")
            cluster = discovery.cluster_from_nodelist(name, kind, seed, nodelist)
            if trust_on_add:
                cluster = await _trust_all(pool, cluster)
        async with open_database(_url(settings)) as engine:
            await InventoryRepo(engine).add(cluster)
        return cluster

    cluster = run_async(discover)
    for n in cluster.nodes:
        trust = (
            f"trusted {fingerprint(n.host_key)}" if n.host_key else "NOT trusted (inventory trust)"
        )
        out.print(f"  {n.name} nodeid {n.nodeid} ring {' '.join(n.ring_addrs)}: {trust}")
    out.print(f"added {cluster.name} ({cluster.flavor.value}, {len(cluster.nodes)} nodes)")


async def _trust_all(pool: SshPool, cluster: Cluster) -> Cluster:
    """Fetch and record each untrusted node's current key (--trust-on-add), printing each."""
    nodes = []
    for node in cluster.nodes:
        if node.host_key is None:
            try:
                node = node.model_copy(update={"host_key": await pool.fetch_host_key(node)})
            except SshError as exc:
                err.print(f"  {node.name}: not trusted, could not fetch its key ({exc})")
        nodes.append(node)
    return cluster.model_copy(update={"nodes": tuple(nodes)})


@inventory_app.command("refresh")
def inventory_refresh(
    cluster: Annotated[str, typer.Argument(help="Cluster name.")], config: ConfigOption = None
) -> None:
    """Re-read the nodelist from a reachable node; report and apply drift from the inventory."""
    settings = settings_from(config)

    async def work() -> discovery.Drift:
        async with open_database(_url(settings)) as engine:
            repo = InventoryRepo(engine)
            known = await repo.get(cluster)
            async with SshPool(settings.ssh) as pool:
                nodelist, problems = None, []
                for node in (n for n in known.nodes if n.host_key):
                    try:
                        nodelist = await discovery.read_nodelist(pool, node, known.flavor, "cli")
                        seed = node
                        break
                    except SshError as exc:
                        problems.append(str(exc))
                if nodelist is None:
                    raise InventoryError(
                        f"no trusted node of {cluster!r} answered: {'; '.join(problems) or 'none'}"
                    )
            conf = discovery.cluster_from_nodelist(cluster, known.flavor, seed, nodelist)
            found = discovery.drift(known, conf)
            if found.any:
                await repo.replace(discovery.merge_refresh(known, conf))
            return found

    found = run_async(work)
    if not found.any:
        out.print(f"{cluster}: the inventory matches corosync.conf")
        return
    for label, names in (
        ("added", found.added),
        ("removed", found.removed),
        ("changed", found.changed),
    ):
        if names:
            out.print(f"{cluster}: {label} {', '.join(names)}")
