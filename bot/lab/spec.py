"""What a lab is made of: names, addresses and the files its nodes boot with. Pure."""

from __future__ import annotations

import base64
import hashlib
import re
from ipaddress import IPv4Address, IPv4Network

from pydantic import BaseModel, ConfigDict

from bot.errors import UsageError

# RFC 2544 benchmarking range: never routed, so a lab can never reach a real network.
LAB_SUPERNET = IPv4Network("198.18.0.0/15")
MAX_LABS = 256  # one /24 per lab inside 198.18.0.0/16
MIN_NODES = 2
MAX_NODES = 32
NAME_RE = re.compile(r"[a-z][a-z0-9]{0,7}")
# Interface names are limited to 15 bytes (IFNAMSIZ - 1): "qb-" + 8 + "-" + 2 digits = 14.
RESOURCE_PREFIX = "qb-"

COROSYNC_PORTS = range(5405, 5413)  # knet binds 5405 + linknumber, links 0-7
RING_HOST_OFFSET = 10  # node i has ring0 address .(10+i): .11, .12, ...
MGMT_HOST_OFFSET = 100  # and a management address .(100+i) that faults never touch
MOVED_HOST_OFFSET = 200  # where the addr-change fault moves the ring address to


def check_lab_name(name: str) -> str:
    """Return ``name`` if it can prefix every lab resource, else raise a UsageError saying why."""
    if not NAME_RE.fullmatch(name):
        raise UsageError(
            f"invalid lab name {name!r}: use 1-8 characters, a lowercase letter first, "
            "then lowercase letters or digits (it prefixes interface names, which are short)"
        )
    return name


def check_node_count(nodes: int) -> int:
    """Return ``nodes`` if a lab can have that many, else raise a UsageError saying why."""
    if not MIN_NODES <= nodes <= MAX_NODES:
        raise UsageError(f"invalid node count {nodes}: a lab has {MIN_NODES} to {MAX_NODES} nodes")
    return nodes


class NodeSpec(BaseModel):
    """One lab node: its names on the host and its addresses on the lab bridge."""

    model_config = ConfigDict(frozen=True)

    name: str
    index: int
    nodeid: int
    ring0_addr: IPv4Address
    mgmt_addr: IPv4Address
    moved_addr: IPv4Address
    netns: str
    host_veth: str


class LabSpec(BaseModel):
    """A lab's shape; everything else about it (names, addresses, files) is derived from this."""

    model_config = ConfigDict(frozen=True)

    name: str
    node_count: int
    subnet_index: int
    token_ms: int = 1000

    @property
    def network(self) -> IPv4Network:
        base = int(LAB_SUPERNET.network_address) + (self.subnet_index << 8)
        return IPv4Network((base, 24))

    @property
    def host_addr(self) -> IPv4Address:
        return self.network.network_address + 1

    @property
    def bridge(self) -> str:
        return f"{RESOURCE_PREFIX}{self.name}"

    @property
    def nodes(self) -> tuple[NodeSpec, ...]:
        net = self.network.network_address
        return tuple(
            NodeSpec(
                name=f"{self.name}{i}",
                index=i,
                nodeid=i,
                ring0_addr=net + RING_HOST_OFFSET + i,
                mgmt_addr=net + MGMT_HOST_OFFSET + i,
                moved_addr=net + MOVED_HOST_OFFSET + i,
                netns=f"{RESOURCE_PREFIX}{self.name}-{self.name}{i}",
                host_veth=f"{RESOURCE_PREFIX}{self.name}-{i}",
            )
            for i in range(1, self.node_count + 1)
        )

    def node(self, name: str) -> NodeSpec:
        """The node called ``name``; a UsageError lists the lab's nodes when there is none."""
        for node in self.nodes:
            if node.name == name:
                return node
        known = ", ".join(n.name for n in self.nodes)
        raise UsageError(f"lab {self.name!r} has no node {name!r} (its nodes: {known})")

    def owns_interface(self, ifname: str) -> bool:
        """Whether a host interface name belongs to this lab (bridge or one of its veths)."""
        return re.fullmatch(re.escape(self.bridge) + r"(-\d+)?", ifname) is not None

    def owns_netns(self, netns: str) -> bool:
        """Whether a network namespace name belongs to one of this lab's nodes."""
        pattern = re.escape(f"{RESOURCE_PREFIX}{self.name}-{self.name}") + r"\d+"
        return re.fullmatch(pattern, netns) is not None


def corosync_conf(spec: LabSpec, *, config_version: int = 1, transport: str = "knet") -> str:
    """The lab's corosync.conf, written the way Proxmox's pve-cluster writes it.

    pve-cluster (src/PVE/Corosync.pm write_conf) puts every ``{`` at the end of its own line,
    which corosync's parser requires, indents by two spaces and sorts keys; copying that style
    makes the lab's file look like the ones quorumbot meets in the field.
    """
    nodes = "".join(
        "  node {\n"
        f"    name: {n.name}\n"
        f"    nodeid: {n.nodeid}\n"
        "    quorum_votes: 1\n"
        f"    ring0_addr: {n.ring0_addr}\n"
        "  }\n"
        for n in spec.nodes
    )
    return (
        "logging {\n"
        "  debug: off\n"
        "  to_syslog: yes\n"
        "}\n"
        "\n"
        "nodelist {\n"
        f"{nodes}"
        "}\n"
        "\n"
        "quorum {\n"
        "  provider: corosync_votequorum\n"
        "}\n"
        "\n"
        "totem {\n"
        f"  cluster_name: {spec.name}\n"
        f"  config_version: {config_version}\n"
        "  interface {\n"
        "    linknumber: 0\n"
        "  }\n"
        "  ip_version: ipv4\n"
        "  link_mode: passive\n"
        "  secauth: on\n"
        f"  token: {spec.token_ms}\n"
        f"  transport: {transport}\n"
        "  version: 2\n"
        "}\n"
    )


def chrony_client_conf(spec: LabSpec) -> str:
    """chrony.conf for a node: follow the host's NTP server, polling fast so faults show quickly."""
    return (
        f"server {spec.host_addr} iburst minpoll -1 maxpoll 1\n"
        "driftfile /var/lib/chrony/chrony.drift\n"
        "makestep 1 3\n"
    )


def chrony_server_conf(spec: LabSpec, *, pidfile: str, driftfile: str) -> str:
    """chrony.conf for the host's NTP server: serve the lab bridge only, from the local clock.

    The server runs with ``-x`` so it never touches the host clock.
    """
    return (
        f"bindaddress {spec.host_addr}\n"
        f"allow {spec.network}\n"
        "local stratum 8\n"
        "cmdport 0\n"
        f"pidfile {pidfile}\n"
        f"driftfile {driftfile}\n"
    )


def etc_hosts(spec: LabSpec) -> str:
    lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"]
    lines += [f"{n.ring0_addr}\t{n.name}" for n in spec.nodes]
    return "\n".join(lines) + "\n"


def ssh_fingerprint(public_key: str) -> str:
    """OpenSSH's SHA256 fingerprint of ``"ssh-ed25519 AAAA... [comment]"``, as ssh-keygen -l shows."""
    blob = base64.b64decode(public_key.split()[1])
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"
