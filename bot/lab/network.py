"""The lab's network: one bridge on the host, one veth and one network namespace per node."""

from __future__ import annotations

import json
from ipaddress import IPv4Network
from pathlib import Path

from bot.lab import host
from bot.lab.spec import LabSpec, NodeSpec

NETNS_DIR = Path("/run/netns")


def create_bridge(spec: LabSpec) -> None:
    host.run(["ip", "link", "add", spec.bridge, "type", "bridge"])
    host.run(["ip", "addr", "add", f"{spec.host_addr}/24", "dev", spec.bridge])
    host.run(["ip", "link", "set", spec.bridge, "up"])


def create_node_link(spec: LabSpec, node: NodeSpec) -> None:
    """A namespace for the node, wired to the bridge, with its ring and management addresses."""
    host.run(["ip", "netns", "add", node.netns])
    host.run(
        ["ip", "link", "add", node.host_veth, "type", "veth", "peer", "name", "eth0",
         "netns", node.netns]
    )  # fmt: skip
    host.run(["ip", "link", "set", node.host_veth, "master", spec.bridge, "up"])
    in_ns = ["ip", "-n", node.netns]
    # Linux deletes every secondary address of a subnet with its primary unless told otherwise;
    # the addr-change fault removes the ring address and must leave the management one alone.
    host.run(["ip", "netns", "exec", node.netns, "sysctl", "-q", "-w",
              "net.ipv4.conf.all.promote_secondaries=1"])  # fmt: skip
    host.run(["ip", "netns", "exec", node.netns, "sysctl", "-q", "-w",
              "net.ipv4.conf.default.promote_secondaries=1"])  # fmt: skip
    # Management address first, so it is the primary one that faults never remove.
    host.run([*in_ns, "addr", "add", f"{node.mgmt_addr}/24", "dev", "eth0"])
    host.run([*in_ns, "addr", "add", f"{node.ring0_addr}/24", "dev", "eth0"])
    host.run([*in_ns, "link", "set", "eth0", "up"])
    host.run([*in_ns, "link", "set", "lo", "up"])
    # No default route on purpose: a lab node can reach the bridge's /24 and nothing else.


def set_host_link(node: NodeSpec, *, up: bool) -> None:
    host.run(["ip", "link", "set", node.host_veth, "up" if up else "down"])


def host_link_is_up(node: NodeSpec) -> bool:
    done = host.run(["ip", "-j", "link", "show", node.host_veth], check=False)
    if not done.ok:
        return False
    links = json.loads(done.stdout)
    return bool(links) and "UP" in links[0].get("flags", [])


def node_addresses(node: NodeSpec) -> set[str]:
    done = host.run(["ip", "-n", node.netns, "-j", "addr", "show", "dev", "eth0"], check=False)
    if not done.ok:
        return set()
    return {
        info["local"]
        for link in json.loads(done.stdout)
        for info in link.get("addr_info", [])
        if info.get("family") == "inet"
    }


def set_node_address(node: NodeSpec, *, remove: str | None, add: str | None) -> None:
    in_ns = ["ip", "-n", node.netns, "addr"]
    if add is not None:
        host.run([*in_ns, "replace", f"{add}/24", "dev", "eth0"])
    if remove is not None:
        host.run([*in_ns, "del", f"{remove}/24", "dev", "eth0"], check=False)


def restore_node_addresses(node: NodeSpec) -> bool:
    """Give the node exactly its management and ring addresses again; True if any changed."""
    present = node_addresses(node)
    changed = False
    for wanted in (str(node.mgmt_addr), str(node.ring0_addr)):
        if wanted not in present:
            set_node_address(node, remove=None, add=wanted)
            changed = True
    if str(node.moved_addr) in present:
        set_node_address(node, remove=str(node.moved_addr), add=None)
        changed = True
    return changed


def subnets_in_use() -> set[IPv4Network]:
    """Every IPv4 /24 the host already has an address in (a new lab must not reuse one)."""
    links = json.loads(host.run(["ip", "-j", "addr", "show"]).stdout)
    return {
        IPv4Network(f"{info['local']}/24", strict=False)
        for link in links
        for info in link.get("addr_info", [])
        if info.get("family") == "inet"
    }


def remove_all(spec: LabSpec) -> list[str]:
    """Delete every namespace and interface of this lab, leftovers of a crash included."""
    removed: list[str] = []
    if NETNS_DIR.is_dir():
        for entry in sorted(NETNS_DIR.iterdir()):
            if spec.owns_netns(entry.name):
                host.run(["ip", "netns", "del", entry.name], check=False)
                removed.append(f"netns {entry.name}")
    links = json.loads(host.run(["ip", "-j", "link", "show"]).stdout)
    # Veths first: deleting one end removes its peer; the bridge goes last.
    names = sorted((link["ifname"] for link in links), key=lambda n: n == spec.bridge)
    for name in names:
        if spec.owns_interface(name):
            host.run(["ip", "link", "del", name], check=False)
            removed.append(f"link {name}")
    return removed
