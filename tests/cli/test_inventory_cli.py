"""`quorumbot inventory` end to end: the real script, a real SQLite file, the lab's real nodes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.common import EXIT_CANNOT_RUN
from bot.lab.lab import Lab


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment of a user whose database is a fresh SQLite file."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("QUORUMBOT_")}
    return {**clean, "QUORUMBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/state.db"}


def quorumbot(
    env: dict[str, str], *argv: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


INVENTORY = """clusters:
- name: pve
  flavor: proxmox
  nodes:
  - {name: pve1, nodeid: 1, address: 198.18.200.1}
  - {name: pve2, nodeid: 2, address: 198.18.200.2}
"""


def test_import_list_export_remove(env: dict[str, str]) -> None:
    """A YAML import is listed, exported identically, and removed on request."""
    assert quorumbot(env, "inventory", "import", "-", stdin=INVENTORY).returncode == 0
    listed = quorumbot(env, "inventory", "list").stdout
    assert "pve" in listed
    assert "0/2" in listed
    exported = quorumbot(env, "inventory", "export").stdout
    assert "name: pve1" in exported
    assert "address: 198.18.200.2" in exported
    assert quorumbot(env, "inventory", "remove", "pve", "--yes").returncode == 0
    assert "empty" in quorumbot(env, "inventory", "list").stdout


def test_a_bad_import_changes_nothing(env: dict[str, str]) -> None:
    """A file with one bad node imports nothing at all and exits 3 with a one-line error."""
    bad = INVENTORY + "- name: other\n  nodes:\n  - {name: x, address: 'a b'}\n"
    done = quorumbot(env, "inventory", "import", "-", stdin=bad)
    assert done.returncode == EXIT_CANNOT_RUN
    assert "clusters[1].nodes[0].address" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "empty" in quorumbot(env, "inventory", "list").stdout


def test_importing_an_existing_cluster_needs_replace(env: dict[str, str]) -> None:
    """Importing a cluster that exists is refused unless --replace is given."""
    quorumbot(env, "inventory", "import", "-", stdin=INVENTORY)
    smaller = INVENTORY.rsplit("  - {name: pve2", 1)[0]
    refused = quorumbot(env, "inventory", "import", "-", stdin=smaller)
    assert refused.returncode == EXIT_CANNOT_RUN
    assert "use --replace" in refused.stderr
    assert quorumbot(env, "inventory", "import", "--replace", "-", stdin=smaller).returncode == 0
    assert "pve2" not in quorumbot(env, "inventory", "export").stdout


@pytest.mark.parametrize(
    "argv",
    [
        ("inventory", "show", "nope"),
        ("inventory", "remove", "nope", "--yes"),
        ("inventory", "trust", "nope", "--yes"),
        ("inventory", "import", "/nonexistent/file.yaml"),
    ],
)
def test_unknown_names_and_files_exit_3(env: dict[str, str], argv: tuple[str, ...]) -> None:
    """Unknown clusters, nodes and files give one error line and exit 3."""
    done = quorumbot(env, *argv)
    assert done.returncode == EXIT_CANNOT_RUN
    assert done.stderr.startswith("error: ")
    assert "Traceback" not in done.stderr


@pytest.mark.lab
def test_lab_import_and_trust_against_real_nodes(
    env: dict[str, str], lab: Lab, tmp_path: Path
) -> None:
    """The lab imports with trusted keys; trust refuses a wrong fingerprint and records a right one."""
    status = tmp_path / "lab.json"
    status.write_text(json.dumps(lab.status().model_dump(mode="json")))
    assert quorumbot(env, "inventory", "import", "--lab", str(status)).returncode == 0
    assert "3/3" in quorumbot(env, "inventory", "list").stdout

    # Forget qbt2's key the way a fresh add would leave it, then trust it again.
    export = quorumbot(env, "inventory", "export").stdout
    qbt2_key = next(n.host_key for n in lab.status().nodes if n.name == "qbt2")
    untrusted = export.replace(f"host_key: {qbt2_key}", "host_key: null")
    assert quorumbot(env, "inventory", "import", "--replace", "-", stdin=untrusted).returncode == 0
    assert "2/3" in quorumbot(env, "inventory", "list").stdout

    wrong = quorumbot(env, "inventory", "trust", "qbt2", "--fingerprint", "SHA256:not-it")
    assert wrong.returncode == EXIT_CANNOT_RUN
    assert "nothing recorded" in wrong.stderr
    assert "2/3" in quorumbot(env, "inventory", "list").stdout

    real = next(n.host_key_fingerprint for n in lab.status().nodes if n.name == "qbt2")
    right = quorumbot(env, "inventory", "trust", "qbt2", "--fingerprint", real)
    assert right.returncode == 0, right.stderr
    assert "3/3" in quorumbot(env, "inventory", "list").stdout


@pytest.mark.lab
def test_add_cluster_discovers_every_node_and_refresh_repairs_drift(
    env: dict[str, str], lab: Lab
) -> None:
    """add-cluster reads the nodelist from one node; refresh puts back a node we dropped."""
    status = lab.status()
    seed = status.nodes[0]
    added = quorumbot(
        env,
        "inventory",
        "add-cluster",
        "qbt",
        "--seed-node",
        seed.address,
        "--key",
        seed.ssh_key,
        "--trust-on-add",
    )
    assert added.returncode == 0, added.stderr
    exported = quorumbot(env, "inventory", "export").stdout
    for n in status.nodes:
        assert n.host_key in exported  # every node trusted with its real key
        assert n.ring0_addr in exported
    assert "flavor: corosync" in exported

    dropped = exported.split("  - name: qbt3")[0]
    assert quorumbot(env, "inventory", "import", "--replace", "-", stdin=dropped).returncode == 0
    refreshed = quorumbot(env, "inventory", "refresh", "qbt")
    assert refreshed.returncode == 0, refreshed.stderr
    assert "added qbt3" in refreshed.stdout
    assert "matches corosync.conf" in quorumbot(env, "inventory", "refresh", "qbt").stdout


def test_add_cluster_through_a_jump_host_trusts_the_jump_first(
    env: dict[str, str], lab: Lab
) -> None:
    """With --jump, the jump host's key is shown and trusted first; every node keeps the jump."""
    status = lab.status()
    jump, seed = status.nodes[0], status.nodes[1]
    added = quorumbot(
        env,
        "inventory",
        "add-cluster",
        "qbt",
        "--seed-node",
        seed.address,
        "--jump",
        f"root@{jump.address}",
        "--key",
        seed.ssh_key,
        "--trust-on-add",
    )
    assert added.returncode == 0, added.stderr
    assert f"jump host root@{jump.address} presents" in added.stdout
    exported = quorumbot(env, "inventory", "export").stdout
    assert exported.count(f"jump: root@{jump.address}") == len(status.nodes)
    assert exported.count(f"jump_host_key: {jump.host_key}") == len(status.nodes)
    assert all(n.host_key in exported for n in status.nodes)


def test_add_cluster_refuses_bad_options_before_connecting(env: dict[str, str]) -> None:
    """Bad address, port or key file are one-line errors with exit 3, and nothing is added."""
    for argv, message in (
        (("--seed-node", "a b"), "--seed-node"),
        (("--seed-node", "198.18.0.1", "--port", "0"), "--port"),
        (("--seed-node", "198.18.0.1", "--key", "/nonexistent/key"), "cannot read the SSH key"),
    ):
        done = quorumbot(env, "inventory", "add-cluster", "c1", *argv)
        assert done.returncode == EXIT_CANNOT_RUN
        assert message in done.stderr
    assert "empty" in quorumbot(env, "inventory", "list").stdout
