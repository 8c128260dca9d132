"""Shared by the benchmarks: a lab to measure against, and small statistics."""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.config import LabSettings
from bot.lab.lab import Lab
from bot.model import Cluster

BENCH_STATE = Path("/var/lib/quorumbot/bench-labs")


def bench_lab(name: str, nodes: int) -> Lab:
    lab = Lab(LabSettings(state_dir=BENCH_STATE), name)
    lab.up(nodes=nodes, token_ms=1000, report=lambda step: print(f"  lab: {step}"))
    return lab


def lab_cluster(lab: Lab) -> Cluster:
    return lab.status().to_cluster()


async def timed(work: Callable[[], Awaitable[object]], cpu: list[float] | None = None) -> float:
    """Wall time of ``work``; with ``cpu``, also append this process's CPU time for it."""
    start, cpu_start = time.perf_counter(), time.process_time()
    await work()
    if cpu is not None:
        cpu.append(time.process_time() - cpu_start)
    return time.perf_counter() - start


def children_cpu() -> float:
    """CPU time used so far by finished child processes (for tools we run as commands)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def summary(samples: list[float]) -> str:
    """median (min-max) in ms."""
    ms = [s * 1000 for s in samples]
    return f"{statistics.median(ms):.0f} ms ({min(ms):.0f}-{max(ms):.0f})"
