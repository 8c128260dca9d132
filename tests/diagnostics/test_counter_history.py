"""NIC counters carried from one sweep to the next through the store (a real SQLite file)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.diagnostics.checks import nic
from bot.diagnostics.commands import Probe
from bot.diagnostics.counter_history import load_previous, save_current
from bot.model import Severity
from bot.store.counters import CounterRepo
from bot.store.database import open_database
from tests.diagnostics.lab_facts import lab_facts


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[CounterRepo]:
    async with open_database(f"sqlite+aiosqlite:///{tmp_path}/state.db") as engine:
        yield CounterRepo(engine)


async def test_a_sweep_saves_what_the_next_one_reads(repo: CounterRepo) -> None:
    """Each node's eth0 counters are saved with the time `ip -s -j link` ran, and read back."""
    first = lab_facts("healthy")
    await save_current(repo, first)
    previous = await load_previous(repo, "qbcap", ["qbcap1", "qbcap2", "qbcap3", "qbcap9"])
    assert sorted(previous) == ["qbcap1", "qbcap2", "qbcap3"]
    reading = previous["qbcap3"]["eth0"]
    assert reading.at == first.nodes["qbcap3"].results[Probe.IP_LINK_STATS].started_at
    assert reading.counters["tx_dropped"] == 0


async def test_unreachable_nodes_keep_their_older_reading(repo: CounterRepo) -> None:
    """Node 3 down in the second sweep: its first reading stays, the others are replaced."""
    await save_current(repo, lab_facts("healthy"))
    second = lab_facts("link-down", unreachable=("qbcap3",))
    await save_current(repo, second)
    previous = await load_previous(repo, "qbcap", ["qbcap1", "qbcap3"])
    healthy_at = lab_facts("healthy").nodes["qbcap3"].results[Probe.IP_LINK_STATS].started_at
    assert previous["qbcap3"]["eth0"].at == healthy_at
    assert (
        previous["qbcap1"]["eth0"].at
        == second.nodes["qbcap1"].results[Probe.IP_LINK_STATS].started_at
    )


async def test_the_nic_check_reads_growth_from_the_saved_sweep(repo: CounterRepo) -> None:
    """healthy saved, link-down read: node 3's drops are new since the healthy sweep (a reset)."""
    await save_current(repo, lab_facts("healthy"))
    facts = lab_facts("link-down")
    facts.previous_counters = await load_previous(repo, "qbcap", list(facts.nodes))
    (found,) = [f for f in nic.check(facts) if f.nodes == ("qbcap3",)]
    assert found.severity is Severity.INFO
    assert "33 new tx dropped since 2026-11-25 08:30:08 UTC" in found.summary
    assert "reset in between" in found.summary
