"""The NIC counter repository on a real SQLite file and a real PostgreSQL, migrated for real."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.store.counters import CounterRepo, SavedCounters
from bot.store.database import current_revision, open_database
from tests.store.conftest import fresh_postgres_database

AT = datetime(2026, 11, 25, 7, 15, 30, tzinfo=UTC)
ETH0 = {"rx_errors": 0, "rx_dropped": 3, "tx_dropped": 33, "rx_packets": 1200}


@pytest.fixture(params=["sqlite", "postgresql"])
async def repo(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[CounterRepo]:
    """A CounterRepo on a fresh, migrated database: a SQLite file, or a new PostgreSQL one."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/state.db"
    else:
        url = await fresh_postgres_database(request.getfixturevalue("postgres_url"))
    async with open_database(url) as engine:
        yield CounterRepo(engine)


async def test_a_new_database_has_the_nic_counters_table(tmp_path: Path) -> None:
    """Migrating a new database creates the nic_counters table (revision 0002 or later)."""
    async with open_database(f"sqlite+aiosqlite:///{tmp_path}/state.db") as engine:
        assert (await current_revision(engine) or "") >= "0002"
        assert await CounterRepo(engine).previous("c", "n1") == {}


async def test_nothing_saved_reads_as_empty(repo: CounterRepo) -> None:
    """A node never swept has no previous counters."""
    assert await repo.previous("pve", "n1") == {}


async def test_saved_counters_round_trip_in_utc(repo: CounterRepo) -> None:
    """What a sweep saves is what the next one reads, with an aware UTC time."""
    await repo.save("pve", "n1", AT, {"eth0": ETH0, "bond0": {"rx_errors": 7}})
    assert await repo.previous("pve", "n1") == {
        "eth0": SavedCounters(AT, ETH0),
        "bond0": SavedCounters(AT, {"rx_errors": 7}),
    }


async def test_a_time_in_another_zone_reads_back_as_the_same_instant(repo: CounterRepo) -> None:
    """09:15:30+02:00 is saved and read back as 07:15:30 UTC."""
    await repo.save("pve", "n1", AT.astimezone(timezone(timedelta(hours=2))), {"eth0": ETH0})
    saved = (await repo.previous("pve", "n1"))["eth0"]
    assert (saved.at, saved.at.utcoffset()) == (AT, timedelta(0))


async def test_a_later_sweep_replaces_an_interface_and_leaves_the_others(repo: CounterRepo) -> None:
    """Saving eth0 again overwrites only eth0's reading; bond0 keeps the older one."""
    later = AT + timedelta(minutes=5)
    await repo.save("pve", "n1", AT, {"eth0": ETH0, "bond0": {"rx_errors": 7}})
    await repo.save("pve", "n1", later, {"eth0": ETH0 | {"rx_errors": 4}})
    saved = await repo.previous("pve", "n1")
    assert saved["eth0"] == SavedCounters(later, ETH0 | {"rx_errors": 4})
    assert saved["bond0"] == SavedCounters(AT, {"rx_errors": 7})


async def test_readings_are_kept_apart_by_cluster_and_node(repo: CounterRepo) -> None:
    """Another node, or the same node name in another cluster, has its own readings."""
    await repo.save("pve", "n1", AT, {"eth0": ETH0})
    await repo.save("pve", "n2", AT, {"eth0": {"rx_errors": 1}})
    await repo.save("lab", "n1", AT, {"eth0": {"rx_errors": 2}})
    assert (await repo.previous("pve", "n1"))["eth0"].counters == ETH0
    assert (await repo.previous("pve", "n2"))["eth0"].counters == {"rx_errors": 1}
    assert (await repo.previous("lab", "n1"))["eth0"].counters == {"rx_errors": 2}


async def test_two_sweeps_saving_at_once_do_not_collide(repo: CounterRepo) -> None:
    """Concurrent saves of the same interface both succeed; one of them is what remains."""
    readings = [{"eth0": {"rx_errors": i}} for i in range(5)]
    await asyncio.gather(*(repo.save("pve", "n1", AT, r) for r in readings))
    assert (await repo.previous("pve", "n1"))["eth0"].counters in [r["eth0"] for r in readings]


async def test_saving_no_interfaces_changes_nothing(repo: CounterRepo) -> None:
    """An empty save keeps what was there."""
    await repo.save("pve", "n1", AT, {"eth0": ETH0})
    await repo.save("pve", "n1", AT + timedelta(minutes=1), {})
    assert (await repo.previous("pve", "n1"))["eth0"] == SavedCounters(AT, ETH0)
