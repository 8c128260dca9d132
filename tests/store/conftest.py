"""Databases for the store's tests: a fresh SQLite file, or a new database on the PostgreSQL server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.store.database import open_database


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A fresh, migrated database: a SQLite file, or a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/state.db"
    else:
        url = await fresh_postgres_database(request.getfixturevalue("postgres_url"))
    async with open_database(url) as engine:
        yield engine


async def fresh_postgres_database(server_url: str) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"
