"""Capture real tool outputs and journal excerpts from a lab, healthy and under every fault.

Usage (as root, from the repository):
    .venv/bin/python scripts/capture_lab_fixtures.py [OUT [SCENARIO ...]]
It brings up its own 3-node lab named "qbcap", writes OUT/<scenario>/<node>/<name>.out (stdout
exactly as the tool printed it) with <name>.meta.json (argv, exit status, stderr, time, versions),
regenerates OUT/PROVENANCE.md, and takes the lab down again.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.config import LabSettings
from bot.lab import node
from bot.lab.faults import FaultKind, FaultParams
from bot.lab.lab import Lab

LAB = "qbcap"
NODES = (f"{LAB}1", f"{LAB}2", f"{LAB}3")
FAULTED = NODES[2]
BOOT_SETTLE_S = 15.0
SETTLE_S = 8.0  # effective token 1650 ms + consensus 1980 ms, plus the fault's own settling

COMMANDS: dict[str, list[str]] = {
    "cfgtool-s": ["corosync-cfgtool", "-s"],
    "cfgtool-n": ["corosync-cfgtool", "-n"],
    "cfgtool-sb": ["corosync-cfgtool", "-s", "-b"],
    "quorumtool-s": ["corosync-quorumtool", "-s"],
    "quorumtool-siH": ["corosync-quorumtool", "-siH"],
    "quorumtool-l": ["corosync-quorumtool", "-l"],
    "cmapctl": ["corosync-cmapctl"],
    "cmapctl-stats": ["corosync-cmapctl", "-m", "stats"],
    "corosync-v": ["corosync", "-v"],
    "corosync-t": ["corosync", "-t"],
    "chronyc-tracking": ["chronyc", "tracking"],
    "timedatectl-show": ["timedatectl", "show"],
    "clock": ["date", "+%s.%N"],
    "ip-j-addr": ["ip", "-j", "addr"],
    "ip-s-j-link": ["ip", "-s", "-j", "link"],
    "ethtool-S-eth0": ["ethtool", "-S", "eth0"],
    "ss-uanp": ["ss", "-uanp"],
    "iptables-save": ["iptables-save"],
    "corosync-conf": ["cat", "/etc/corosync/corosync.conf"],
    "systemctl-is-active-corosync": ["systemctl", "is-active", "corosync"],
}

# (scenario, fault, params): what each capture shows is described in PROVENANCE.md.
SCENARIOS: list[tuple[str, FaultKind | None, FaultParams]] = [
    ("healthy", None, FaultParams()),
    ("link-down", FaultKind.LINK_DOWN, FaultParams()),
    ("packet-loss", FaultKind.PACKET_LOSS, FaultParams(percent=60)),
    ("pause", FaultKind.PAUSE, FaultParams(pause_ms=4000)),
    ("firewall", FaultKind.FIREWALL, FaultParams()),
    ("corosync-stop", FaultKind.COROSYNC_STOP, FaultParams()),
    ("conf-unparsable", FaultKind.CONF_UNPARSABLE, FaultParams()),
    ("config-version", FaultKind.CONFIG_VERSION, FaultParams()),
    ("transport", FaultKind.TRANSPORT, FaultParams()),
    ("addr-change", FaultKind.ADDR_CHANGE, FaultParams()),
    ("ntp-unreachable", FaultKind.NTP_UNREACHABLE, FaultParams()),
]


def capture(lab: Lab, out: Path, scenario: str, since: str) -> None:
    spec = lab.state().spec
    for index, name in enumerate(NODES):
        # Each node pings the next one, so every node's ping output is captured once.
        peer = spec.nodes[(index + 1) % len(NODES)]
        target = lab.target(name)
        folder = out / scenario / name
        folder.mkdir(parents=True, exist_ok=True)
        commands = dict(COMMANDS)
        commands["ping"] = ["ping", "-c", "10", "-i", "0.2", "-W", "1", str(peer.ring0_addr)]
        commands["journal-json"] = [
            "journalctl",
            "-u",
            "corosync",
            "--since",
            since,
            "-o",
            "json",
            "--no-pager",
        ]
        commands["journal-short-precise"] = [
            "journalctl",
            "-u",
            "corosync",
            "--since",
            since,
            "-o",
            "short-precise",
            "--no-pager",
        ]
        for slug, argv in commands.items():
            done = node.exec_in(target.init, argv, check=False, timeout_s=60)
            (folder / f"{slug}.out").write_text(done.stdout)
            meta = {
                "argv": argv,
                "exit_status": done.exit_status,
                "stderr": done.stderr,
                "captured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "node": name,
                "scenario": scenario,
            }
            (folder / f"{slug}.meta.json").write_text(json.dumps(meta, indent=2) + "\n")


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/lab")
    only = set(sys.argv[2:])
    unknown = only - {name for name, _, _ in SCENARIOS}
    if unknown:
        raise SystemExit(f"unknown scenario: {', '.join(sorted(unknown))}")
    lab = Lab(LabSettings(state_dir=Path("/var/lib/quorumbot/capture-labs")), LAB)
    lab.up(nodes=3, token_ms=1000, report=print)
    # Three nodes booting on two cores can stall corosync past its 1 s token ("Process pause
    # detected"); let boot finish so the healthy capture is healthy.
    time.sleep(BOOT_SETTLE_S)
    try:
        for scenario, kind, params in SCENARIOS:
            if only and scenario not in only:
                continue
            since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            if kind is not None:
                lab.fault(FAULTED, kind, params)
            time.sleep(SETTLE_S)
            shutil.rmtree(out / scenario, ignore_errors=True)
            capture(lab, out, scenario, since)
            print(f"captured {scenario}")
            lab.heal(None, wait=True, report=lambda _: None)
        versions = {
            slug: lab.target(NODES[0]).sh(*argv, check=False).splitlines()[0]
            for slug, argv in {
                "corosync": ["corosync", "-v"],
                "kernel": ["uname", "-r"],
                "libknet": ["dpkg-query", "-W", "-f", "${Version}", "libknet1"],
                "debian": ["cat", "/etc/debian_version"],
            }.items()
        }
        write_provenance(out, versions)
    finally:
        lab.down(report=lambda _: None)


def write_provenance(out: Path, versions: dict[str, str]) -> None:
    lines = [
        "# Lab captures",
        "",
        "Real outputs captured by `scripts/capture_lab_fixtures.py` from a 3-node quorumbot lab",
        (
            f"(systemd-nspawn, Debian {versions['debian']}; {versions['corosync']}; "
            f"libknet1 {versions['libknet']}; host kernel {versions['kernel']}),"
        ),
        "with `token: 1000`, knet, `secauth: on`. Node 3 is the faulted node; every node is captured.",
        "Each scenario starts from a healthy cluster, applies one `quorumbot lab fault` to node 3,",
        f"waits {SETTLE_S:.0f} s, then runs every command on every node through nsenter (so a node",
        "with its link down is captured too). Journals cover the scenario only (`--since`).",
        "`<name>.out` is stdout byte for byte; `<name>.meta.json` holds argv, exit status, stderr.",
        "`ping.out` of node i is node i pinging node i+1 (node 3 pings node 1).",
        "",
        "| scenario | fault on node 3 |",
        "|---|---|",
    ]
    for scenario, kind, params in SCENARIOS:
        what = "none" if kind is None else f"`{kind.value}` {params.model_dump()}"
        lines.append(f"| {scenario} | {what} |")
    (out / "PROVENANCE.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
