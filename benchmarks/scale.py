"""How sweep time and the bot's memory grow with the number of SSH endpoints (up to 100+).

Run as root: .venv/bin/python benchmarks/scale.py [--endpoints 100]
Endpoints are real sshd processes (one per port) inside one lab node, so every endpoint runs the
real sweep commands against a real corosync. Caveat: all endpoints share this machine's cores
with the bot, so node-side work (which on a real cluster runs on each node's own CPU) is part
of the wall time here; the controller CPU column is the bot's own cost.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil

from benchmarks.common import bench_lab, summary, timed
from bot.diagnostics.collect import collect
from bot.lab.lab import Lab
from bot.model import Cluster, Flavor, Node
from bot.ssh import SshPool

FIRST_PORT = 2201


def start_endpoints(lab: Lab, count: int) -> None:
    target = lab.target(lab.state().spec.nodes[0].name)
    for port in range(FIRST_PORT, FIRST_PORT + count):
        target.sh(
            "/usr/sbin/sshd",
            "-p",
            str(port),
            "-o",
            f"PidFile=/run/sshd-{port}.pid",
            "-o",
            "MaxStartups=200",
        )


def endpoints(lab: Lab, count: int) -> Cluster:
    status = lab.status()
    first = status.nodes[0]
    nodes = tuple(
        Node(
            cluster="scale",
            name=f"ep{port}",
            nodeid=i + 1,
            address=first.address,
            port=port,
            ring_addrs=(first.ring0_addr,),
            key_path=Path(first.ssh_key),
            host_key=first.host_key,
        )
        for i, port in enumerate(range(FIRST_PORT, FIRST_PORT + count))
    )
    return Cluster(name="scale", flavor=Flavor.COROSYNC, nodes=nodes)


async def measure(cluster: Cluster, repeat: int) -> dict[str, list[float]]:
    process = psutil.Process()
    gc.collect()
    rss_before = process.memory_info().rss
    results: dict[str, list[float]] = {"cold": [], "warm": [], "cpu": [], "rss": []}
    async with SshPool() as pool:
        results["cold"].append(
            await timed(
                lambda: collect(pool, cluster, actor="bench", reason="scale", network=False)
            )
        )
        for _ in range(repeat):
            results["warm"].append(
                await timed(
                    lambda: collect(pool, cluster, actor="bench", reason="scale", network=False),
                    results["cpu"],
                )
            )
        gc.collect()
        results["rss"].append((process.memory_info().rss - rss_before) / len(cluster.nodes))
        # Transport only: one trivial command per endpoint over the same warm connections,
        # i.e. the sweep's cost without the node-side work that shares this machine's cores.
        results["transport"] = []
        for _ in range(repeat):
            results["transport"].append(
                await timed(
                    lambda: asyncio.gather(
                        *(
                            pool.run(n, ("true",), actor="bench", reason="scale")
                            for n in cluster.nodes
                        )
                    )
                )
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoints", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    lab = bench_lab("qbscale", 2)
    try:
        start_endpoints(lab, args.endpoints)
        sizes = sorted({n for n in (10, 25, 50, args.endpoints) if n <= args.endpoints})
        print(
            "| endpoints | cold sweep | warm sweep | controller CPU per warm sweep "
            "| warm transport only | controller memory per endpoint |"
        )
        print("|---|---|---|---|---|---|")
        for size in sizes:
            res = asyncio.run(measure(endpoints(lab, size), args.repeat))
            print(
                f"| {size} | {summary(res['cold'])} | {summary(res['warm'])} "
                f"| {summary(res['cpu'])} | {summary(res['transport'])} "
                f"| {res['rss'][0] / 1024:.0f} KiB |"
            )
    finally:
        lab.down(report=lambda _: None)


if __name__ == "__main__":
    main()
