"""Tables. Changes here need a migration in ``migrations/versions``."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

clusters = Table(
    "clusters",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("flavor", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

nodes = Table(
    "nodes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("cluster_id", ForeignKey("clusters.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("nodeid", Integer, nullable=True),
    Column("address", String(255), nullable=False),
    Column("port", Integer, nullable=False),
    Column("user", String(64), nullable=False),
    Column("key_path", Text, nullable=True),
    Column("host_key", Text, nullable=True),
    Column("jump", String(512), nullable=True),
    Column("jump_host_key", Text, nullable=True),
    Column("ring_addrs", JSON, nullable=False),
    UniqueConstraint("cluster_id", "name", name="uq_nodes_cluster_name"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("reason", Text, nullable=False),
    Column("cluster", String(255), nullable=False),
    Column("node", String(255), nullable=False),
    Column("argv", JSON, nullable=False),
    Column("exit_status", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("duration_s", Float, nullable=False),
    Column("stdout_bytes", Integer, nullable=False),
    Column("stderr_bytes", Integer, nullable=False),
    Index("ix_audit_log_at", "at"),
)
