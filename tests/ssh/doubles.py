"""Test doubles for the SSH door: an audit sink, and in-process SSH servers on 127.0.0.1.

The servers are real asyncssh servers, for tests that need no lab. Each answers every command with its own name, counts the connections it accepts, and, as a
jump host, forwards direct-tcpip channels to 127.0.0.1 only (never anywhere else).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from bot.model import AuditRecord, Node


class Audit:
    """An audit sink that keeps what it is given."""

    def __init__(self) -> None:
        self.records: list[AuditRecord] = []

    async def __call__(self, record: AuditRecord) -> None:
        self.records.append(record)


@dataclass
class Sshd:
    """A running test server: where it listens and what it saw."""

    name: str
    port: int
    host_key: str
    """Its host public key, as the inventory would record it."""
    connections: int = 0
    commands: list[str] = field(default_factory=list)
    forwarded: list[tuple[str, int]] = field(default_factory=list)

    def node(self, key_path: Path, **changes: object) -> Node:
        """This server as an inventory node with its host key trusted."""
        node = Node(
            cluster="test",
            name=self.name,
            address="127.0.0.1",
            port=self.port,
            key_path=key_path,
            host_key=self.host_key,
        )
        return node.model_copy(update=changes)

    @property
    def jump(self) -> str:
        """This server as a jump host spec."""
        return f"root@127.0.0.1:{self.port}"


def public(key: asyncssh.SSHKey) -> str:
    """``"ssh-ed25519 AAAA..."`` of a key, as the inventory records host keys."""
    return key.export_public_key("openssh").decode().strip()


@asynccontextmanager
async def sshd(
    name: str,
    client_key: asyncssh.SSHKey,
    *,
    host_keys: tuple[asyncssh.SSHKey, ...] | None = None,
    forwarding: bool = False,
) -> AsyncIterator[Sshd]:
    """A server that lets ``client_key`` in; the first of ``host_keys`` is the one recorded."""
    keys = host_keys or (asyncssh.generate_private_key("ssh-ed25519"),)
    state = Sshd(name=name, port=0, host_key=public(keys[0]))

    class Server(asyncssh.SSHServer):
        def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
            state.connections += 1

        def connection_requested(
            self, dest_host: str, dest_port: int, orig_host: str, orig_port: int
        ) -> bool:
            if not forwarding or dest_host != "127.0.0.1":
                raise asyncssh.ChannelOpenError(
                    asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED, "forwarding is not allowed"
                )
            state.forwarded.append((dest_host, dest_port))
            return True

    def handle(process: asyncssh.SSHServerProcess[str]) -> None:
        state.commands.append(str(process.command))
        process.stdout.write(f"{name}\n")
        process.exit(0)

    server = await asyncssh.create_server(
        Server,
        "127.0.0.1",
        0,
        server_host_keys=list(keys),
        authorized_client_keys=asyncssh.import_authorized_keys(public(client_key) + "\n"),
        process_factory=handle,
    )
    state.port = server.get_port()
    try:
        yield state
    finally:
        server.close()
        await server.wait_closed()
