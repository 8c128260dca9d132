"""One lab node: its overlay files, its systemd-nspawn process, and commands run inside it."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

from bot.errors import LabError
from bot.lab import host
from bot.lab.spec import LabSpec, NodeSpec, chrony_client_conf, corosync_conf, etc_hosts

PROC = Path("/proc")


class NodeFiles:
    """Where one node's files live on the host."""

    def __init__(self, state_dir: Path, node: NodeSpec) -> None:
        self.root = state_dir / "nodes" / node.name
        self.upper = self.root / "upper"
        self.console = self.root / "console.log"

    def etc(self, relative: str) -> Path:
        return self.upper / "etc" / relative


def write_overlay(
    spec: LabSpec, node: NodeSpec, files: NodeFiles, *, client_pubkey: str, authkey: bytes
) -> None:
    """Everything that makes a node itself on top of the shared base image."""
    files.upper.mkdir(parents=True, exist_ok=True)
    (files.etc("hostname")).parent.mkdir(parents=True, exist_ok=True)
    files.etc("hostname").write_text(node.name + "\n")
    # Empty machine-id: systemd generates a fresh one per boot instead of sharing the base's.
    files.etc("machine-id").write_text("")
    files.etc("hosts").write_text(etc_hosts(spec))
    ssh_dir = files.etc("ssh")
    ssh_dir.mkdir(parents=True, exist_ok=True)
    key = ssh_dir / "ssh_host_ed25519_key"
    if not key.exists():
        host.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"root@{node.name}",
                  "-f", str(key)])  # fmt: skip
    root_ssh = files.upper / "root/.ssh"
    root_ssh.mkdir(parents=True, exist_ok=True)
    root_ssh.chmod(0o700)
    (root_ssh / "authorized_keys").write_text(client_pubkey)
    (root_ssh / "authorized_keys").chmod(0o600)
    write_corosync_files(spec, files, authkey=authkey)
    files.etc("chrony").mkdir(parents=True, exist_ok=True)
    files.etc("chrony/chrony.conf").write_text(chrony_client_conf(spec))


def write_corosync_files(spec: LabSpec, files: NodeFiles, *, authkey: bytes) -> None:
    files.etc("corosync").mkdir(parents=True, exist_ok=True)
    files.etc("corosync/corosync.conf").write_text(corosync_conf(spec))
    keyfile = files.etc("corosync/authkey")
    keyfile.write_bytes(authkey)
    keyfile.chmod(0o400)


def host_public_key(files: NodeFiles) -> str:
    """The node's host key as ``"ssh-ed25519 AAAA..."`` (without the comment)."""
    algorithm, blob, *_ = files.etc("ssh/ssh_host_ed25519_key.pub").read_text().split()
    return f"{algorithm} {blob}"


def start(base: Path, node: NodeSpec, files: NodeFiles) -> int:
    """Boot the node; returns the systemd-nspawn pid. Its console goes to ``files.console``."""
    # --register=no --keep-unit: the host has no systemd/machined to register with; without
    # them nspawn fails with "Failed to open system bus".
    argv = [
        "systemd-nspawn", "--quiet", "--boot",
        f"--directory={base}", f"--overlay={base}:{files.upper}:/",
        f"--network-namespace-path=/run/netns/{node.netns}",
        "--register=no", "--keep-unit", f"--machine={node.name}",
        # Root on a real node can read its firewall (iptables-save); the network namespace is
        # the node's own, so this reaches nothing else. Never CAP_SYS_TIME: chronyd would then
        # set the clock shared with the host.
        "--capability=CAP_NET_ADMIN",
    ]  # fmt: skip
    return host.spawn(argv, log_path=str(files.console))


def nspawn_pids(state_dir: Path) -> dict[str, int]:
    """Running systemd-nspawn processes of this lab, by machine name (found even after a crash)."""
    marker = f":{state_dir}/nodes/"
    found: dict[str, int] = {}
    for pid, argv in host.processes():
        if not argv[0].endswith("systemd-nspawn"):
            continue
        if not any(a.startswith("--overlay=") and marker in a for a in argv):
            continue
        machine = next((a.split("=", 1)[1] for a in argv if a.startswith("--machine=")), None)
        if machine:
            found[machine] = pid
    return found


def init_pid(nspawn_pid: int) -> int | None:
    """The node's PID 1 as seen from the host: the nspawn process's only child."""
    try:
        children = (PROC / str(nspawn_pid) / "task" / str(nspawn_pid) / "children").read_text()
    except OSError:
        return None
    pids = [int(p) for p in children.split()]
    return pids[0] if pids else None


def exec_in(
    init: int,
    argv: list[str],
    *,
    check: bool = True,
    input_text: str | None = None,
    timeout_s: float = 60.0,
) -> host.Completed:
    """Run ``argv`` inside the node through its namespaces; works even when its network is down."""
    return host.run(
        ["nsenter", f"--target={init}", "--all", "--", *argv],
        check=check,
        input_text=input_text,
        timeout_s=timeout_s,
    )


def kill(nspawn_pid: int) -> None:
    """Stop a node at once: killing its PID 1 ends every process in its PID namespace."""
    init = init_pid(nspawn_pid)
    for pid in (init, nspawn_pid):
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while is_alive(nspawn_pid):
        if time.monotonic() > deadline:
            raise LabError(f"systemd-nspawn {nspawn_pid} did not exit after SIGKILL")
        time.sleep(0.05)


def is_alive(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie counts as gone (our reaper may not be the one to collect it)."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return False
    # The state letter follows the command name, which is in parentheses and may hold spaces.
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
