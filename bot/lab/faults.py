"""Faults a lab can suffer, each with a real effect on corosync and each undone by ``heal``.

Faults act through the same means an unlucky admin would: the link, iptables, signals, systemd,
the config file, the interface address. Nothing is simulated.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from bot.lab import network, node
from bot.lab.spec import COROSYNC_PORTS, LabSpec, NodeSpec

FAULT_COMMENT = "quorumbot-lab-fault"  # tags our iptables rules so heal removes only those
PAUSE_UNIT = "quorumbot-lab-pause"
CONF_PATH = "/etc/corosync/corosync.conf"
PORT_RANGE = f"{COROSYNC_PORTS.start}:{COROSYNC_PORTS.stop - 1}"


class FaultKind(StrEnum):
    LINK_DOWN = "link-down"
    PACKET_LOSS = "packet-loss"
    PAUSE = "pause"
    FIREWALL = "firewall"
    COROSYNC_STOP = "corosync-stop"
    CONF_UNPARSABLE = "conf-unparsable"
    CONFIG_VERSION = "config-version"
    TRANSPORT = "transport"
    ADDR_CHANGE = "addr-change"
    NTP_UNREACHABLE = "ntp-unreachable"


DESCRIPTIONS: dict[FaultKind, str] = {
    FaultKind.LINK_DOWN: "take the node's link down (host side of its veth)",
    FaultKind.PACKET_LOSS: "drop --percent of corosync packets at random, both ways (iptables)",
    FaultKind.PAUSE: "SIGSTOP corosync for --ms, --repeat times every --every-ms (0 = until healed)",
    FaultKind.FIREWALL: f"drop incoming UDP {PORT_RANGE} inside the node (iptables)",
    FaultKind.COROSYNC_STOP: "stop the corosync service",
    FaultKind.CONF_UNPARSABLE: "truncate corosync.conf mid-file, then restart corosync",
    FaultKind.CONFIG_VERSION: "raise config_version in this node's corosync.conf only, restart it",
    FaultKind.TRANSPORT: "change this node's transport from knet to udpu, restart corosync",
    FaultKind.ADDR_CHANGE: "move the node's ring0 address to another one, restart corosync",
    FaultKind.NTP_UNREACHABLE: "block the node's NTP server and restart chrony (unsynchronised)",
}


class FaultParams(BaseModel):
    """Knobs of the faults that have any; validated before anything is touched."""

    model_config = ConfigDict(frozen=True)

    percent: int = Field(default=30, ge=1, le=100)
    pause_ms: int = Field(default=5000, ge=100, le=600_000)
    repeat: int = Field(default=1, ge=0, le=10_000)
    every_ms: int = Field(default=10_000, ge=100, le=600_000)


class ActiveFault(BaseModel):
    """A fault applied to a node, with what heal needs to undo it."""

    kind: FaultKind
    params: FaultParams
    saved_conf: str | None = None


@dataclass(frozen=True)
class Target:
    """A running node a fault acts on."""

    spec: LabSpec
    node: NodeSpec
    init: int

    def sh(self, *argv: str, check: bool = True, input_text: str | None = None) -> str:
        return node.exec_in(self.init, list(argv), check=check, input_text=input_text).stdout


def apply(target: Target, kind: FaultKind, params: FaultParams) -> ActiveFault:
    """Inflict ``kind`` on the target node and return the record heal will need."""
    record = ActiveFault(kind=kind, params=params)
    match kind:
        case FaultKind.LINK_DOWN:
            network.set_host_link(target.node, up=False)
        case FaultKind.PACKET_LOSS:
            probability = f"{params.percent / 100:.4f}"
            for chain, port_flag in (("INPUT", "--dport"), ("OUTPUT", "--sport")):
                _add_rule(target, chain, "-p", "udp", port_flag, PORT_RANGE, "-m", "statistic",
                          "--mode", "random", "--probability", probability, "-j", "DROP")  # fmt: skip
        case FaultKind.PAUSE:
            _start_pauser(target, params)
        case FaultKind.FIREWALL:
            _add_rule(target, "INPUT", "-p", "udp", "--dport", PORT_RANGE, "-j", "DROP")
        case FaultKind.COROSYNC_STOP:
            target.sh("systemctl", "stop", "corosync")
        case FaultKind.CONF_UNPARSABLE:
            record = _rewrite_conf(target, record, _truncated)
        case FaultKind.CONFIG_VERSION:
            record = _rewrite_conf(target, record, _raised_version)
        case FaultKind.TRANSPORT:
            record = _rewrite_conf(target, record, _udpu_transport)
        case FaultKind.ADDR_CHANGE:
            network.set_node_address(
                target.node, remove=str(target.node.ring0_addr), add=str(target.node.moved_addr)
            )
            target.sh("systemctl", "restart", "corosync", check=False)
        case FaultKind.NTP_UNREACHABLE:
            _add_rule(target, "OUTPUT", "-p", "udp", "-d", str(target.spec.host_addr),
                      "--dport", "123", "-j", "DROP")  # fmt: skip
            target.sh("systemctl", "restart", "chrony")
    return record


def heal(target: Target, faults: list[ActiveFault]) -> None:
    """Undo every fault on the node: the recorded ones exactly, plus any leftover we can spot."""
    network.set_host_link(target.node, up=True)
    had_rules = _remove_rules(target)
    target.sh("systemctl", "stop", PAUSE_UNIT, check=False)
    target.sh("pkill", "-CONT", "-x", "corosync", check=False)
    moved = network.restore_node_addresses(target.node)
    originals = [f.saved_conf for f in faults if f.saved_conf is not None]
    if originals:
        # The first record holds the file as it was before any fault touched it.
        target.sh("tee", CONF_PATH, input_text=originals[0])
    if originals or moved:
        target.sh("systemctl", "restart", "corosync")
    else:
        target.sh("systemctl", "start", "corosync")
    if had_rules or any(f.kind is FaultKind.NTP_UNREACHABLE for f in faults):
        target.sh("systemctl", "restart", "chrony")


def _add_rule(target: Target, chain: str, *spec: str) -> None:
    target.sh("iptables", "-A", chain, *spec, "-m", "comment", "--comment", FAULT_COMMENT)


def _remove_rules(target: Target) -> bool:
    """Drop the rules our faults added (and only those); True if there were any."""
    saved = target.sh("iptables-save", "-t", "filter")
    kept = [line for line in saved.splitlines() if FAULT_COMMENT not in line]
    if len(kept) == len(saved.splitlines()):
        return False
    target.sh("iptables-restore", "-T", "filter", input_text="\n".join(kept) + "\n")
    return True


def _start_pauser(target: Target, params: FaultParams) -> None:
    # Only integers we validated reach this script; it runs inside the node under systemd so
    # heal can stop it by unit name.
    pause_s = params.pause_ms / 1000
    gap_s = max(params.every_ms - params.pause_ms, 0) / 1000
    loop = "true" if params.repeat == 0 else f'[ "$i" -lt {params.repeat} ]'
    script = (
        f"i=0; while {loop}; do kill -STOP $(pidof corosync); sleep {pause_s:.3f}; "
        f"kill -CONT $(pidof corosync); i=$((i+1)); sleep {gap_s:.3f}; done"
    )
    target.sh("systemctl", "stop", PAUSE_UNIT, check=False)
    target.sh("systemd-run", "--quiet", "--collect", f"--unit={PAUSE_UNIT}", "/bin/sh", "-c",
              script)  # fmt: skip


def _rewrite_conf(target: Target, record: ActiveFault, change: Callable[[str], str]) -> ActiveFault:
    original = target.sh("cat", CONF_PATH)
    target.sh("tee", CONF_PATH, input_text=change(original))
    target.sh("systemctl", "restart", "corosync", check=False)
    return record.model_copy(update={"saved_conf": original})


def _truncated(text: str) -> str:
    """The file cut off mid-line, as a full disk or an interrupted copy leaves it.

    Cutting mid-line inside a section keeps the result unparsable ("Missing closing brace")
    wherever the cut falls; a cut at a line boundary could leave a well-formed prefix.
    """
    cut = len(text) * 3 // 5
    while cut > 1 and (text[cut - 1] in "{}\n" or text[cut - 1].isspace()):
        cut -= 1
    return text[:cut]


def _raised_version(text: str) -> str:
    def bump(match: re.Match[str]) -> str:
        return f"{match.group(1)}{int(match.group(2)) + 10}"

    return re.sub(r"(config_version:\s*)(\d+)", bump, text, count=1)


def _udpu_transport(text: str) -> str:
    return re.sub(r"(transport:\s*)knet", r"\1udpu", text, count=1)
