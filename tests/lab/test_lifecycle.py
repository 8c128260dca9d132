"""Labs come up quorate, are reachable with verified host keys, and leave nothing behind."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bot.config import LabSettings
from bot.lab import host, node
from bot.lab.lab import Lab
from bot.lab.spec import LabSpec
from tests.lab.observe import quorum_seen_by

pytestmark = pytest.mark.lab


def leftovers(lab: Lab) -> list[str]:
    """Anything of the lab still on the host: processes, namespaces, interfaces, files."""
    spec = LabSpec(name=lab.name, node_count=2, subnet_index=0)
    found = [f"process {pid}" for pid in node.nspawn_pids(lab.dir).values()]
    found += [f"process {pid}" for pid, argv in host.processes() if str(lab.dir) in " ".join(argv)]
    netns = Path("/run/netns")
    if netns.is_dir():
        found += [f"netns {e.name}" for e in netns.iterdir() if spec.owns_netns(e.name)]
    links = json.loads(host.run(["ip", "-j", "link"]).stdout)
    found += [f"link {li['ifname']}" for li in links if spec.owns_interface(li["ifname"])]
    if lab.dir.exists():
        found.append(f"folder {lab.dir}")
    mounts = Path("/proc/self/mountinfo").read_text()
    if str(lab.dir) in mounts:
        found.append("mount")
    return found


def test_every_node_sees_the_whole_quorate_cluster(lab: Lab) -> None:
    """All three nodes report a quorate membership of nodes 1, 2 and 3."""
    for n in lab.state().spec.nodes:
        assert quorum_seen_by(lab, n.name) == (True, (1, 2, 3))


def test_ssh_verifies_the_node_host_key(lab: Lab) -> None:
    """`lab ssh` reaches the node and its host key matches the one the lab recorded."""
    argv = lab.ssh_argv("qbt2", ["hostname"])
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    assert done.stdout.strip() == "qbt2"


def test_ssh_refuses_a_node_whose_key_is_not_the_recorded_one(lab: Lab, tmp_path: Path) -> None:
    """With another node's key recorded for qbt2, OpenSSH refuses to connect."""
    status = lab.status()
    wrong = next(n for n in status.nodes if n.name == "qbt1")
    target = next(n for n in status.nodes if n.name == "qbt2")
    known = tmp_path / "known_hosts"
    known.write_text(f"{target.address} {wrong.host_key}\n")
    argv = [a.replace(str(lab.known_hosts), str(known)) for a in lab.ssh_argv("qbt2", ["true"])]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode != 0
    assert "verification failed" in done.stderr.lower() or "host key" in done.stderr.lower()


def test_status_json_is_an_inventory_with_real_fingerprints(lab: Lab) -> None:
    """Each node's listed fingerprint is what `ssh-keygen -lf` computes from its served key."""
    status = lab.status()
    assert status.cluster == "qbt"
    for n in status.nodes:
        scanned = subprocess.run(
            ["ssh-keyscan", "-t", "ed25519", "-T", "5", n.address],
            capture_output=True, text=True, timeout=30, check=True,
        ).stdout  # fmt: skip
        line = next(li for li in scanned.splitlines() if not li.startswith("#"))
        assert line.split()[1:3] == n.host_key.split()
        printed = subprocess.run(
            ["ssh-keygen", "-lf", "-"], input=line, capture_output=True, text=True, check=True
        ).stdout
        assert n.host_key_fingerprint in printed


def test_a_second_five_node_lab_runs_beside_and_goes_away_cleanly(
    lab: Lab, lab_settings: LabSettings
) -> None:
    """A 5-node lab with another name gets its own network, is quorate, and `down` clears it."""
    five = Lab(lab_settings, "qbfive")
    try:
        status = five.up(nodes=5, token_ms=1000, report=lambda _: None)
        assert status.healthy
        assert status.network != lab.status().network
        assert quorum_seen_by(five, "qbfive5") == (True, (1, 2, 3, 4, 5))
        assert lab.status().healthy
    finally:
        five.down(report=lambda _: None)
    assert leftovers(five) == []
    assert lab.status().healthy


def test_down_cleans_up_after_a_crashed_run(lab_settings: LabSettings) -> None:
    """With its state file gone (as after a crash), `down` still removes the whole lab."""
    crashed = Lab(lab_settings, "qbcrash")
    crashed.up(nodes=2, token_ms=1000, report=lambda _: None)
    crashed.state_file.unlink()
    crashed.down(report=lambda _: None)
    assert leftovers(crashed) == []
