"""A full diagnostic sweep of a 3-node lab: quorumbot vs Ansible ad-hoc vs parallel-ssh.

Run as root after `scripts/bootstrap.sh` with the bench extra:
    .venv/bin/pip install -e '.[bench]' && .venv/bin/python benchmarks/sweep.py [--repeat N]
All three run exactly the read-only commands of quorumbot's state sweep on every node; results
go to standard output as a Markdown table (copied into docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import bench_lab, children_cpu, lab_cluster, summary, timed
from bot.diagnostics.collect import collect
from bot.diagnostics.commands import state_commands
from bot.lab.lab import Lab
from bot.model import Cluster
from bot.ssh import SshPool


def sweep_argvs(cluster: Cluster) -> list[tuple[str, ...]]:
    return [c.argv for c in state_commands(cluster.flavor, cluster.nodes[0].name, 600)]


async def quorumbot_runs(cluster: Cluster, repeat: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {
        "cold state": [],
        "warm state": [],
        "warm network": [],
        "warm cpu": [],
    }
    for _ in range(repeat):
        async with SshPool() as pool:
            results["cold state"].append(
                await timed(
                    lambda pool=pool: collect(
                        pool, cluster, actor="bench", reason="bench", network=False
                    )
                )
            )
    async with SshPool() as pool:
        await collect(pool, cluster, actor="bench", reason="warm-up", network=False)
        for _ in range(repeat):
            results["warm state"].append(
                await timed(
                    lambda: collect(pool, cluster, actor="bench", reason="bench", network=False),
                    results["warm cpu"],
                )
            )
            results["warm network"].append(
                await timed(
                    lambda: collect(
                        pool, cluster, actor="bench", reason="bench", state=False, ping_count=10
                    )
                )
            )
    return results


def ansible_runs(
    lab: Lab, cluster: Cluster, repeat: int, *, per_command: bool
) -> dict[str, list[float]]:
    """`ansible -m raw` (the targets have no Python), either one ad-hoc run per command, as an
    admin would type them, or every command in one script (Ansible's best case)."""
    # `; true`: like ours, a missing tool (nft) is a result, not a failed sweep.
    if per_command:
        scripts = [shlex.join(a) + "; true" for a in sweep_argvs(cluster)]
    else:
        scripts = ["; ".join(shlex.join(a) for a in sweep_argvs(cluster)) + "; true"]
    status = lab.status()
    results: dict[str, list[float]] = {"cold state": [], "warm state": [], "warm cpu": []}
    with tempfile.TemporaryDirectory() as tmp:
        inventory = Path(tmp) / "hosts"
        inventory.write_text(
            "[lab]\n"
            + "".join(
                f"{n.name} ansible_host={n.address} ansible_user=root "
                f"ansible_ssh_private_key_file={n.ssh_key}\n"
                for n in status.nodes
            )
        )
        common = f"-o UserKnownHostsFile={status.known_hosts_file} -o StrictHostKeyChecking=yes"

        def argv(script: str) -> list[str]:
            ansible = str(Path(sys.executable).parent / "ansible")
            return [ansible, "lab", "-i", str(inventory), "-m", "raw", "-a", script, "-f", "10"]

        for label, ssh_args in (
            ("cold state", f"{common} -o ControlMaster=no"),
            (
                "warm state",
                f"{common} -o ControlMaster=auto -o ControlPersist=120s -o ControlPath={tmp}/cm-%C",
            ),
        ):
            env = {
                **os.environ,
                "ANSIBLE_SSH_ARGS": ssh_args,
                "ANSIBLE_HOST_KEY_CHECKING": "True",
                "ANSIBLE_LOCAL_TEMP": tmp,
            }
            if label.startswith("warm"):
                subprocess.run(argv("true"), env=env, capture_output=True, check=True)
            for _ in range(repeat):
                start, cpu = time.perf_counter(), children_cpu()
                for script in scripts:
                    subprocess.run(argv(script), env=env, capture_output=True, check=True)
                results[label].append(time.perf_counter() - start)
                if label.startswith("warm"):
                    results["warm cpu"].append(children_cpu() - cpu)
    return results


def pssh_runs(lab: Lab, cluster: Cluster, repeat: int) -> dict[str, list[float]]:
    """parallel-ssh (libssh2): each command on every host at once, then the next."""
    from pssh.clients import ParallelSSHClient

    status = lab.status()
    hosts = [n.address for n in status.nodes]
    key = status.nodes[0].ssh_key
    commands = [shlex.join(a) for a in sweep_argvs(cluster)]
    results: dict[str, list[float]] = {"cold state": [], "warm state": [], "warm cpu": []}

    def sweep(client: ParallelSSHClient) -> None:
        # One command at a time across all hosts, the library's documented pattern: issuing
        # several at once on one connection trips sshd's session limit (SessionError) because
        # pssh, unlike our pool, does not retry a refused channel.
        for command in commands:
            output = client.run_command(command)
            client.join(output)
            for host_out in output:
                list(host_out.stdout or [])

    for _ in range(repeat):
        start = time.perf_counter()
        client = ParallelSSHClient(hosts, user="root", pkey=key, num_retries=0)
        sweep(client)
        results["cold state"].append(time.perf_counter() - start)
        del client
    client = ParallelSSHClient(hosts, user="root", pkey=key, num_retries=0)
    sweep(client)
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        sweep(client)
        results["warm state"].append(time.perf_counter() - start)
        results["warm cpu"].append(time.process_time() - cpu)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    lab = bench_lab("qbbench", 3)
    try:
        cluster = lab_cluster(lab)
        print(
            f"{len(sweep_argvs(cluster))} commands per node, {len(cluster.nodes)} nodes, "
            f"{args.repeat} runs each (median, min-max)\n"
        )
        ours = asyncio.run(quorumbot_runs(cluster, args.repeat))
        ansible_each = ansible_runs(lab, cluster, max(args.repeat // 2, 2), per_command=True)
        ansible_one = ansible_runs(lab, cluster, args.repeat, per_command=False)
        pssh = pssh_runs(lab, cluster, args.repeat)
        print("| tool | cold state sweep | warm state sweep | controller CPU per warm sweep |")
        print("|---|---|---|---|")
        for name, res in (
            ("quorumbot (asyncssh, one batched channel per node)", ours),
            ("Ansible `-m raw`, one ad-hoc run per command", ansible_each),
            ("Ansible `-m raw`, all commands in one script", ansible_one),
            ("parallel-ssh, one command at a time on all hosts", pssh),
        ):
            print(
                f"| {name} | {summary(res['cold state'])} | {summary(res['warm state'])} "
                f"| {summary(res['warm cpu'])} |"
            )
        print(
            f"\nquorumbot network probes (10 pings x 0.2 s per pair, all pairs at once): "
            f"{summary(ours['warm network'])}"
        )
    finally:
        lab.down(report=lambda _: None)


if __name__ == "__main__":
    main()
