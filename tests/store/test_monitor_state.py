"""The monitor's incidents and journal cursors survive restarts, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.monitor_state import MonitorStateRepo


async def test_an_incident_is_saved_replaced_and_found_while_unresolved(
    engine: AsyncEngine,
) -> None:
    """Saving the same id again replaces it; resolved incidents are no longer listed as open."""
    repo = MonitorStateRepo(engine)
    await repo.save_incident("lab/membership/1", "lab", "open", {"id": "lab/membership/1", "n": 1})
    await repo.save_incident(
        "lab/membership/1", "lab", "resolving", {"id": "lab/membership/1", "n": 2}
    )
    await repo.save_incident("other/quorum/1", "other", "open", {"id": "other/quorum/1"})
    assert await repo.unresolved("lab") == [{"id": "lab/membership/1", "n": 2}]
    await repo.save_incident(
        "lab/membership/1", "lab", "resolved", {"id": "lab/membership/1", "n": 3}
    )
    assert await repo.unresolved("lab") == []
    assert await repo.incident("lab/membership/1") == {"id": "lab/membership/1", "n": 3}
    assert await repo.incident("nope") is None


async def test_cursors_are_kept_per_node_and_replaced(engine: AsyncEngine) -> None:
    """The latest cursor per node is what a restarted stream resumes from."""
    repo = MonitorStateRepo(engine)
    await repo.save_cursor("lab", "lab1", "s=1;i=1")
    await repo.save_cursor("lab", "lab2", "s=1;i=9")
    await repo.save_cursor("lab", "lab1", "s=1;i=2")
    await repo.save_cursor("other", "lab1", "s=2;i=5")
    assert await repo.cursors("lab") == {"lab1": "s=1;i=2", "lab2": "s=1;i=9"}
