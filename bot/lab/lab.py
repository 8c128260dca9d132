"""A whole lab: bring it up, report its health, fault and heal its nodes, tear it down."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from bot.config import LabSettings
from bot.corosync.tools.quorumtool import QuorumStatus, parse_quorumtool_status
from bot.errors import LabError, UsageError
from bot.lab import faults, host, image, network, node
from bot.lab.faults import ActiveFault
from bot.lab.spec import (
    MAX_LABS,
    LabSpec,
    NodeSpec,
    check_lab_name,
    check_node_count,
    chrony_server_conf,
    ssh_fingerprint,
)
from bot.model import Cluster, Flavor, Node

Report = Callable[[str], None]
POLL_S = 0.25


class LabState(BaseModel):
    """What `lab up` decided, kept in the lab's folder so later commands act on the same lab."""

    spec: LabSpec
    base: Path
    faults: dict[str, list[ActiveFault]] = {}


class NodeHealth(BaseModel):
    """One node as corosync itself reports it from inside the node."""

    model_config = ConfigDict(frozen=True)

    name: str
    running: bool
    link_up: bool
    corosync: str
    quorate: bool | None
    members: tuple[int, ...]
    faults: tuple[str, ...]


class InventoryNode(BaseModel):
    """A node as an inventory needs it: how to reach it over SSH and how to trust its host key."""

    model_config = ConfigDict(frozen=True)

    name: str
    nodeid: int
    address: str
    ring0_addr: str
    ssh_user: str
    ssh_port: int
    ssh_key: str
    host_key: str
    host_key_fingerprint: str
    known_hosts: str


class LabStatus(BaseModel):
    """`lab status --json`: the lab as an inventory plus its health."""

    model_config = ConfigDict(frozen=True)

    cluster: str
    flavor: str
    network: str
    host_addr: str
    state_dir: str
    known_hosts_file: str
    nodes: tuple[InventoryNode, ...]
    health: tuple[NodeHealth, ...]

    def to_cluster(self) -> Cluster:
        """The lab as quorumbot's inventory holds a cluster, host keys trusted (the lab made them)."""
        return Cluster(
            name=self.cluster,
            flavor=Flavor(self.flavor),
            nodes=tuple(
                Node(
                    cluster=self.cluster,
                    name=n.name,
                    nodeid=n.nodeid,
                    address=n.address,
                    ring_addrs=(n.ring0_addr,),
                    port=n.ssh_port,
                    user=n.ssh_user,
                    key_path=Path(n.ssh_key),
                    host_key=n.host_key,
                )
                for n in self.nodes
            ),
        )

    @property
    def healthy(self) -> bool:
        want = tuple(n.nodeid for n in self.nodes)
        return all(
            h.running and h.corosync == "active" and h.quorate and h.members == want
            for h in self.health
        )


class Lab:
    """One named lab under ``settings.state_dir``."""

    def __init__(self, settings: LabSettings, name: str) -> None:
        self.settings = settings
        self.name = check_lab_name(name)
        self.dir = settings.state_dir / self.name
        self.client_key = self.dir / "client_ed25519"
        self.known_hosts = self.dir / "known_hosts"

    # -- state ---------------------------------------------------------------------------

    @property
    def state_file(self) -> Path:
        return self.dir / "state.json"

    def exists(self) -> bool:
        return self.state_file.exists()

    def state(self) -> LabState:
        if not self.exists():
            raise UsageError(
                f"no lab named {self.name!r} is up (start one with `quorumbot lab up "
                f"--name {self.name}`)"
            )
        return LabState.model_validate_json(self.state_file.read_text())

    def _save(self, state: LabState) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(state.model_dump_json(indent=2))
        tmp.replace(self.state_file)

    # -- up / down -----------------------------------------------------------------------

    def up(self, *, nodes: int, token_ms: int, report: Report) -> LabStatus:
        """Build (or reuse) the image, then boot a quorate cluster of ``nodes`` nodes."""
        check_node_count(nodes)
        if not 200 <= token_ms <= 60_000:
            raise UsageError(f"invalid token {token_ms} ms: use 200 to 60000")
        _require_root()
        self.down(report=lambda _: None)
        base = image.ensure_base(self.settings.cache_dir, self.settings.debian_mirror, report)
        spec = LabSpec(
            name=self.name, node_count=nodes, subnet_index=self._free_subnet(), token_ms=token_ms
        )
        self.dir.mkdir(parents=True)
        # Saved before anything else exists, so `lab down` can clean up after a crash mid-way.
        self._save(LabState(spec=spec, base=base))
        try:
            self._build(spec, base, report)
            report(f"waiting for {nodes} nodes to boot and form a quorate cluster")
            return self.wait_healthy(timeout_s=self.settings.boot_timeout_s)
        except BaseException:
            self.down(report=lambda _: None)
            raise

    def _build(self, spec: LabSpec, base: Path, report: Report) -> None:
        host.run(
            [
                "ssh-keygen",
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                f"quorumbot-lab-{spec.name}",
                "-f",
                str(self.client_key),
            ]
        )
        client_pubkey = self.client_key.with_suffix(".pub").read_text()
        authkey = os.urandom(256)  # what corosync-keygen writes: 2048 random bits
        self._start_ntp_server(spec)
        report(f"network {spec.network} on bridge {spec.bridge}")
        network.create_bridge(spec)
        known_hosts: list[str] = []
        for n in spec.nodes:
            files = node.NodeFiles(self.dir, n)
            node.write_overlay(spec, n, files, client_pubkey=client_pubkey, authkey=authkey)
            network.create_node_link(spec, n)
            node.start(base, n, files)
            known_hosts.append(f"{_host_patterns(n)} {node.host_public_key(files)}")
            report(f"booting {n.name} ({n.ring0_addr})")
        self.known_hosts.write_text("\n".join(known_hosts) + "\n")

    def _start_ntp_server(self, spec: LabSpec) -> None:
        conf = self.dir / "chrony.conf"
        conf.write_text(
            chrony_server_conf(
                spec, pidfile=str(self.dir / "chronyd.pid"), driftfile=str(self.dir / "drift")
            )
        )
        host.spawn(["chronyd", "-n", "-x", "-f", str(conf)], log_path=str(self.dir / "chronyd.log"))

    def _free_subnet(self) -> int:
        """The lowest lab network no other lab (of any state folder) uses on this host."""
        taken = network.subnets_in_use()
        if self.settings.state_dir.is_dir():
            for other in self.settings.state_dir.glob("*/state.json"):
                try:
                    taken.add(LabState.model_validate_json(other.read_text()).spec.network)
                except ValueError:
                    continue
        for index in range(MAX_LABS):
            candidate = LabSpec(name=self.name, node_count=2, subnet_index=index).network
            if candidate not in taken:
                return index
        raise LabError(f"all {MAX_LABS} lab networks are in use; take a lab down first")

    def down(self, *, report: Report) -> list[str]:
        """Remove everything of this lab, also what a crashed earlier run left behind."""
        _require_root()
        removed: list[str] = []
        for machine, pid in sorted(node.nspawn_pids(self.dir).items()):
            node.kill(pid)
            removed.append(f"node {machine}")
        conf = str(self.dir / "chrony.conf")
        for pid, argv in host.processes():
            if argv[0].endswith("chronyd") and conf in argv:
                _kill(pid)
                removed.append(f"ntp server {pid}")
        removed += network.remove_all(LabSpec(name=self.name, node_count=2, subnet_index=0))
        if self.dir.exists():
            shutil.rmtree(self.dir)
            removed.append(f"folder {self.dir}")
        for item in removed:
            report(f"removed {item}")
        return removed

    # -- health --------------------------------------------------------------------------

    def status(self) -> LabStatus:
        state = self.state()
        spec = state.spec
        pids = node.nspawn_pids(self.dir)
        nodes = tuple(self._inventory_node(n) for n in spec.nodes)
        health = tuple(self._health(n, pids.get(n.name), state) for n in spec.nodes)
        return LabStatus(
            cluster=spec.name,
            flavor="corosync",
            network=str(spec.network),
            host_addr=str(spec.host_addr),
            state_dir=str(self.dir),
            known_hosts_file=str(self.known_hosts),
            nodes=nodes,
            health=health,
        )

    def _inventory_node(self, n: NodeSpec) -> InventoryNode:
        key = node.host_public_key(node.NodeFiles(self.dir, n))
        return InventoryNode(
            name=n.name,
            nodeid=n.nodeid,
            address=str(n.mgmt_addr),
            ring0_addr=str(n.ring0_addr),
            ssh_user="root",
            ssh_port=22,
            ssh_key=str(self.client_key),
            host_key=key,
            host_key_fingerprint=ssh_fingerprint(key),
            known_hosts=f"{_host_patterns(n)} {key}",
        )

    def _health(self, n: NodeSpec, nspawn_pid: int | None, state: LabState) -> NodeHealth:
        active = tuple(f.kind.value for f in state.faults.get(n.name, []))
        init = node.init_pid(nspawn_pid) if nspawn_pid else None
        if init is None:
            return NodeHealth(
                name=n.name,
                running=False,
                link_up=network.host_link_is_up(n),
                corosync="unknown",
                quorate=None,
                members=(),
                faults=active,
            )
        service = node.exec_in(init, ["systemctl", "is-active", "corosync"], check=False)
        quorum = node.exec_in(init, ["corosync-quorumtool", "-s"], check=False)
        quorate, members = quorum_summary(quorum.stdout, quorum.exit_status)
        return NodeHealth(
            name=n.name,
            running=True,
            link_up=network.host_link_is_up(n),
            corosync=service.stdout.strip() or "unknown",
            quorate=quorate,
            members=members,
            faults=active,
        )

    def wait_healthy(self, *, timeout_s: float) -> LabStatus:
        """Poll until every node runs corosync in one quorate membership of all nodes."""
        deadline = time.monotonic() + timeout_s
        while True:
            status = self.status()
            if status.healthy:
                return status
            if time.monotonic() > deadline:
                raise LabError(
                    f"lab {self.name!r} is not healthy after {timeout_s:.0f}s: "
                    + "; ".join(_describe(h) for h in status.health)
                    + f" (consoles: {self.dir}/nodes/*/console.log)"
                )
            time.sleep(POLL_S)

    # -- faults --------------------------------------------------------------------------

    def target(self, node_name: str) -> faults.Target:
        state = self.state()
        n = state.spec.node(node_name)
        pid = node.nspawn_pids(self.dir).get(n.name)
        init = node.init_pid(pid) if pid else None
        if init is None:
            raise LabError(
                f"node {n.name} is not running (see {self.dir}/nodes/{n.name}/console.log)"
            )
        return faults.Target(spec=state.spec, node=n, init=init)

    def fault(self, node_name: str, kind: faults.FaultKind, params: faults.FaultParams) -> None:
        _require_root()
        target = self.target(node_name)
        record = faults.apply(target, kind, params)
        state = self.state()
        state.faults.setdefault(target.node.name, []).append(record)
        self._save(state)

    def heal(self, node_name: str | None, *, wait: bool, report: Report) -> LabStatus:
        """Undo faults on one node or all nodes; with ``wait``, until the cluster is whole again."""
        _require_root()
        state = self.state()
        names = (
            [state.spec.node(node_name).name] if node_name else [n.name for n in state.spec.nodes]
        )
        for name in names:
            faults.heal(self.target(name), state.faults.get(name, []))
            state.faults.pop(name, None)
            self._save(state)
            report(f"healed {name}")
        if wait:
            return self.wait_healthy(timeout_s=self.settings.boot_timeout_s)
        return self.status()

    def ssh_argv(self, node_name: str, command: list[str]) -> list[str]:
        """An OpenSSH command line to the node that verifies its host key against the lab's file."""
        n = self.state().spec.node(node_name)
        argv = [
            "ssh",
            "-i",
            str(self.client_key),
            "-o",
            f"UserKnownHostsFile={self.known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            "-o",
            "ConnectTimeout=5",
            f"root@{n.mgmt_addr}",
        ]
        if command:
            # ssh hands the remote side one string for its shell; quote each argument ourselves.
            argv += ["--", shlex.join(command)]
        return argv


def _host_patterns(n: NodeSpec) -> str:
    return f"{n.name},{n.mgmt_addr},{n.ring0_addr}"


def quorum_summary(text: str, exit_status: int = 0) -> tuple[bool | None, tuple[int, ...]]:
    """(quorate, member node ids) from `corosync-quorumtool -s`; (None, ()) if unreadable."""
    status = parse_quorumtool_status(text, "", exit_status)
    if not isinstance(status, QuorumStatus):
        return None, ()
    members = status.membership.members if status.membership else ()
    return status.is_quorate, tuple(sorted(m.nodeid for m in members))


def _describe(h: NodeHealth) -> str:
    if not h.running:
        return f"{h.name} not running"
    quorate = {True: "quorate", False: "NOT quorate", None: "quorum unknown"}[h.quorate]
    return f"{h.name} corosync {h.corosync}, {quorate}, members {list(h.members)}"


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)


def _require_root() -> None:
    if os.geteuid() != 0:
        raise LabError("the lab needs root (network namespaces, bridges, systemd-nspawn)")


def status_json(status: LabStatus) -> str:
    return json.dumps(status.model_dump(mode="json"), indent=2)
