"""Learn a cluster from one of its nodes: flavor, and every node of its corosync.conf nodelist.

The nodelist is read with the same parser corosync's grammar is checked with; host keys are
never learned silently: the caller decides what to trust (see `inventory add-cluster`).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.corosync.conf import ConfParseError, parse_conf
from bot.corosync.conf_model import CorosyncConf, NodeConfig
from bot.diagnostics.commands import LOCAL_CONF, PVE_CONF
from bot.errors import InventoryError
from bot.inventory import check_address
from bot.model import Cluster, Flavor, Node
from bot.ssh import SshPool

ACTOR_REASON = "discover the cluster's nodelist"


@dataclass(frozen=True)
class Drift:
    """How corosync.conf's nodelist differs from the inventory."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.changed)


async def detect_flavor(pool: SshPool, seed: Node, actor: str) -> Flavor:
    """Proxmox when /etc/pve/corosync.conf exists (pmxcfs mounted), plain corosync otherwise."""
    probe = await pool.run(seed, ("test", "-e", PVE_CONF), actor=actor, reason=ACTOR_REASON)
    return Flavor.PROXMOX if probe.ok else Flavor.COROSYNC


async def read_nodelist(
    pool: SshPool, seed: Node, flavor: Flavor, actor: str
) -> tuple[NodeConfig, ...]:
    """The nodelist of the authoritative corosync.conf on ``seed``; unparsable files explain why."""
    path = PVE_CONF if flavor is Flavor.PROXMOX else LOCAL_CONF
    done = await pool.run(seed, ("cat", path), actor=actor, reason=ACTOR_REASON)
    if not done.ok:
        raise InventoryError(f"{seed.name}: cannot read {path}: {done.stderr.strip()}")
    parsed = parse_conf(done.stdout)
    if isinstance(parsed, ConfParseError):
        raise InventoryError(f"{seed.name}: {parsed.corosync_style(path)}")
    nodes = CorosyncConf.from_document(parsed).nodes
    if not nodes:
        raise InventoryError(f"{seed.name}: {path} has no nodelist (is this a cluster node?)")
    return nodes


def cluster_from_nodelist(
    name: str, flavor: Flavor, seed: Node, nodelist: tuple[NodeConfig, ...]
) -> Cluster:
    """Inventory nodes for a nodelist: reached on ring0, with the seed's user, key, port, jump.

    Only the seed keeps its (already trusted) host key; the others start untrusted.
    """
    nodes: list[Node] = []
    for entry in nodelist:
        rings = tuple(addr for _, addr in sorted(entry.ring_addrs.items()))
        if not rings:
            raise InventoryError(f"node {entry.label} has no ring0_addr in corosync.conf")
        try:
            address = check_address(rings[0])
        except ValueError as exc:
            raise InventoryError(f"node {entry.label}: {exc}") from None
        is_seed = seed.address in rings or seed.name == entry.name
        nodes.append(
            Node(
                cluster=name,
                name=entry.name or entry.label.replace(" ", "-"),
                nodeid=entry.nodeid,
                address=seed.address if is_seed else address,
                ring_addrs=rings,
                port=seed.port,
                user=seed.user,
                key_path=seed.key_path,
                host_key=seed.host_key if is_seed else None,
                jump=seed.jump,
                jump_host_key=seed.jump_host_key,
            )
        )
    return Cluster(name=name, flavor=flavor, nodes=tuple(nodes))


def drift(inventory: Cluster, conf: Cluster) -> Drift:
    have = {n.name: n for n in inventory.nodes}
    want = {n.name: n for n in conf.nodes}
    changed = tuple(
        sorted(
            name
            for name in have.keys() & want.keys()
            if (have[name].nodeid, have[name].ring_addrs)
            != (want[name].nodeid, want[name].ring_addrs)
        )
    )
    return Drift(
        added=tuple(sorted(want.keys() - have.keys())),
        removed=tuple(sorted(have.keys() - want.keys())),
        changed=changed,
    )


def merge_refresh(inventory: Cluster, conf: Cluster) -> Cluster:
    """The nodelist's nodes, keeping how we reach and trust the nodes we already knew."""
    have = {n.name: n for n in inventory.nodes}
    merged = []
    for node in conf.nodes:
        old = have.get(node.name)
        if old is None:
            merged.append(node)
        else:
            merged.append(
                old.model_copy(update={"nodeid": node.nodeid, "ring_addrs": node.ring_addrs})
            )
    return Cluster(name=inventory.name, flavor=conf.flavor, nodes=tuple(merged))
