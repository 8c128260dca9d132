"""The inventory's file formats: YAML import/export and the lab's status JSON.

Files are read whole and validated before anything is stored, so a bad file changes nothing;
errors name the file, the path inside it (``clusters[0].nodes[1].address``) and the problem.
"""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.errors import InventoryError
from bot.model import Cluster, Flavor, Node

# RFC 1123 host names, or IP addresses (checked separately).
_HOSTNAME = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
_JUMP = re.compile(r"(?:[A-Za-z0-9_.-]+@)?[A-Za-z0-9_.:\[\]-]+(?::\d{1,5})?")
_HOST_KEY = re.compile(r"(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+=*")


def check_address(value: str) -> str:
    """An IP address or a DNS name; anything else (spaces, shell syntax, URLs) is refused."""
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        if _HOSTNAME.fullmatch(value):
            return value
    raise ValueError(f"{value!r} is neither an IP address nor a host name")


def _check_name(value: str) -> str:
    """Cluster and node names: what corosync, Slack and file paths all take unquoted."""
    if not _NAME.fullmatch(value):
        raise ValueError("use letters, digits, '.', '_' or '-' (at most 63)")
    return value


class NodeEntry(BaseModel):
    """A node in an inventory file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    nodeid: int | None = Field(default=None, ge=1, le=2**32 - 1)
    address: str
    ring_addrs: tuple[str, ...] = ()
    port: int = Field(default=22, ge=1, le=65535)
    user: str = Field(default="root", pattern=r"^[a-z_][a-z0-9_-]{0,31}$")
    key: Path | None = None
    host_key: str | None = None
    jump: str | None = None
    jump_host_key: str | None = None

    _name = field_validator("name")(_check_name)

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        return check_address(value)

    @field_validator("ring_addrs")
    @classmethod
    def _rings(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(check_address(v) for v in value)

    @field_validator("host_key", "jump_host_key")
    @classmethod
    def _host_key(cls, value: str | None) -> str | None:
        if value is not None and not _HOST_KEY.fullmatch(value.strip()):
            raise ValueError("expected an OpenSSH public key like 'ssh-ed25519 AAAA...'")
        return value.strip() if value else None

    @field_validator("jump")
    @classmethod
    def _jump(cls, value: str | None) -> str | None:
        if value is not None and not _JUMP.fullmatch(value):
            raise ValueError("expected [user@]host[:port]")
        return value


class ClusterEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    flavor: Flavor = Flavor.COROSYNC
    nodes: tuple[NodeEntry, ...] = Field(min_length=1)

    _name = field_validator("name")(_check_name)

    @field_validator("nodes")
    @classmethod
    def _unique(cls, nodes: tuple[NodeEntry, ...]) -> tuple[NodeEntry, ...]:
        for attribute in ("name", "nodeid"):
            seen = [getattr(n, attribute) for n in nodes if getattr(n, attribute) is not None]
            duplicates = sorted({str(v) for v in seen if seen.count(v) > 1})
            if duplicates:
                raise ValueError(f"duplicate node {attribute}: {', '.join(duplicates)}")
        return nodes


class InventoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    clusters: tuple[ClusterEntry, ...]

    @field_validator("clusters")
    @classmethod
    def _unique(cls, clusters: tuple[ClusterEntry, ...]) -> tuple[ClusterEntry, ...]:
        names = [c.name for c in clusters]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate cluster name: {', '.join(duplicates)}")
        return clusters


def to_clusters(data: InventoryFile) -> list[Cluster]:
    return [
        Cluster(
            name=c.name,
            flavor=c.flavor,
            nodes=tuple(
                Node(cluster=c.name, key_path=n.key, **n.model_dump(exclude={"key"}))
                for n in c.nodes
            ),
        )
        for c in data.clusters
    ]


def from_clusters(clusters: list[Cluster]) -> InventoryFile:
    return InventoryFile(
        clusters=tuple(
            ClusterEntry(
                name=c.name,
                flavor=c.flavor,
                nodes=tuple(
                    NodeEntry(key=n.key_path, **n.model_dump(exclude={"cluster", "key_path"}))
                    for n in c.nodes
                ),
            )
            for c in clusters
        )
    )


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys instead of silently keeping the last one."""


def _mapping_without_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


def parse_inventory_yaml(text: str, source: str) -> list[Cluster]:
    """Parse an inventory YAML document; InventoryError names source, path and problem."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 -- a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise InventoryError(f"{source}: not valid YAML: {exc}") from None
    return _validated(data, source)


def _validated(data: object, source: str) -> list[Cluster]:
    try:
        return to_clusters(InventoryFile.model_validate(data))
    except ValidationError as exc:
        problems = "; ".join(f"{_path(e['loc'])}: {e['msg']}" for e in exc.errors())
        raise InventoryError(f"{source}: {problems}") from None


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def dump_inventory_yaml(clusters: list[Cluster]) -> str:
    data = from_clusters(clusters).model_dump(mode="json", exclude_defaults=False)
    return yaml.safe_dump(data, sort_keys=False, width=200)


def parse_lab_status(text: str, source: str) -> list[Cluster]:
    """Read `quorumbot lab status --json` as one cluster with trusted host keys."""
    try:
        data = json.loads(text)
        nodes = [
            {
                "name": n["name"],
                "nodeid": n["nodeid"],
                "address": n["address"],
                "ring_addrs": [n["ring0_addr"]],
                "port": n["ssh_port"],
                "user": n["ssh_user"],
                "key": n["ssh_key"],
                # The lab wrote these keys itself, so they are known, not learned on first use.
                "host_key": n["host_key"],
            }
            for n in data["nodes"]
        ]
        document = {
            "clusters": [{"name": data["cluster"], "flavor": data["flavor"], "nodes": nodes}]
        }
    except (ValueError, KeyError, TypeError) as exc:
        raise InventoryError(
            f"{source}: not the output of `quorumbot lab status --json` ({exc})"
        ) from None
    return _validated(document, source)
