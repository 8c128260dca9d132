"""The only door to SSH: a pool of verified, reused connections that runs argv lists on nodes.

Every connection verifies the node's host key against the one the inventory trusts (never
``known_hosts=None``); every command is ``shlex.join``ed from an argv list, so no value reaches a
remote shell unquoted; every command is reported to the audit sink, success or not.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import shlex
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Self

import asyncssh

from bot.batch import BatchItem, build_script, parse_output
from bot.config import SshSettings
from bot.errors import (
    AuthFailed,
    CommandFailed,
    CommandTimeout,
    HostKeyMismatch,
    HostKeyUnknown,
    HostUnreachable,
    SshError,
)
from bot.model import AuditRecord, CommandResult, Node

OPEN_ATTEMPTS = 8  # channel opens refused while sshd reaps closed sessions: about 3 s of backoff

AuditSink = Callable[[AuditRecord], Awaitable[None]]


def fingerprint(public_key: str) -> str:
    """OpenSSH's SHA256 fingerprint of ``"ssh-ed25519 AAAA..."``."""
    key = asyncssh.import_public_key(public_key)
    return str(key.get_fingerprint("sha256"))


def _connection_key(node: Node) -> str:
    """Connections are reused per node *and* per way of reaching it: a re-trusted or moved node
    gets a fresh connection."""
    parts = (
        node.cluster,
        node.name,
        node.address,
        str(node.port),
        node.user,
        str(node.key_path),
        node.host_key or "",
        node.jump or "",
    )
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@dataclass
class _Slot:
    """One node's connection, the lock that serialises (re)connecting, and its channel budget."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    conn: asyncssh.SSHClientConnection | None = None
    channels: asyncio.Semaphore | None = None


class SshPool:
    """Persistent, verified connections to nodes, shared by every check, sweep and runbook."""

    def __init__(
        self, options: SshSettings | None = None, *, audit: AuditSink | None = None
    ) -> None:
        self.options = options or SshSettings()
        self._audit = audit
        self._slots: dict[str, _Slot] = {}
        self._handshakes = asyncio.Semaphore(self.options.max_handshakes)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        conns = [s.conn for s in self._slots.values() if s.conn is not None]
        self._slots.clear()
        for conn in conns:
            conn.close()
        for conn in conns:
            with contextlib.suppress(Exception):
                await conn.wait_closed()

    async def run(
        self,
        node: Node,
        argv: Sequence[str],
        *,
        actor: str,
        reason: str,
        timeout_s: float | None = None,
        check: bool = False,
        input_text: str | None = None,
    ) -> CommandResult:
        """Run ``argv`` on ``node``; connection problems raise SshError subclasses, a non-zero
        exit raises CommandFailed only with ``check``."""
        argv = tuple(argv)
        timeout = timeout_s if timeout_s is not None else self.options.command_timeout_s
        started_at = datetime.now(UTC)
        start = time.perf_counter()
        result: CommandResult | None = None
        error: SshError | None = None
        try:
            result = await self._run(node, argv, timeout, input_text, started_at, start)
        except SshError as exc:
            error = exc
            raise
        finally:
            await self._record(node, argv, actor, reason, started_at, start, result, error)
        if check and not result.ok:
            raise CommandFailed(node.name, argv, result.exit_status, result.stdout, result.stderr)
        return result

    async def run_batch(
        self,
        node: Node,
        items: Sequence[BatchItem],
        *,
        actor: str,
        reason: str,
    ) -> dict[int, CommandResult]:
        """Run every item at once in one channel; results by item index, each audited alone.

        Items that did not report (the batch was cut short) are absent from the result. A
        connection problem raises like ``run`` does.
        """
        started_at = datetime.now(UTC)
        start = time.perf_counter()
        limit_s = max((i.timeout_s for i in items), default=1.0) + 5.0
        try:
            done = await self._run(
                node, ("bash", "-c", build_script(items)), limit_s, None, started_at, start
            )
        except SshError as exc:
            for item in items:
                await self._record(node, item.argv, actor, reason, started_at, start, None, exc)
            raise
        parsed = parse_output(done.stdout, len(items))
        results: dict[int, CommandResult] = {}
        for index, item in enumerate(items):
            one = parsed.get(index)
            result = None
            if one is not None:
                result = CommandResult(
                    node=node.name,
                    argv=item.argv,
                    exit_status=one.exit_status,
                    stdout=one.stdout,
                    stderr=one.stderr,
                    started_at=started_at,
                    duration_s=one.duration_s,
                )
                results[index] = result
            await self._audit_batch_item(node, item, actor, reason, started_at, result, done)
        return results

    async def _audit_batch_item(
        self,
        node: Node,
        item: BatchItem,
        actor: str,
        reason: str,
        started_at: datetime,
        result: CommandResult | None,
        batch: CommandResult,
    ) -> None:
        missing = f"no result in the batch (batch exit {batch.exit_status})"
        duration = result.duration_s if result else batch.duration_s
        await self._emit(
            node,
            item.argv,
            actor,
            reason,
            started_at,
            duration,
            result,
            None if result else missing,
        )

    async def _run(
        self,
        node: Node,
        argv: tuple[str, ...],
        limit_s: float,
        input_text: str | None,
        started_at: datetime,
        start: float,
    ) -> CommandResult:
        command = shlex.join(argv)
        delay_s = 0.05
        problem: Exception | None = None
        for _attempt in range(OPEN_ATTEMPTS):
            conn, channels = await self._connection(node)
            async with channels:
                try:
                    process = await conn.create_process(
                        command, input=input_text, encoding="utf-8", errors="replace"
                    )
                except asyncssh.ChannelOpenError as exc:
                    # sshd frees a session slot a moment after the channel closes, so it may
                    # refuse with "no more sessions" although we keep under MaxSessions. Wait
                    # and retry on the same connection: reconnecting would kill the others.
                    problem = exc
                    if conn.is_closed():
                        await self._drop(node)
                except (asyncssh.ConnectionLost, BrokenPipeError, ConnectionError) as exc:
                    problem = exc  # the command never started, so trying again is safe
                    await self._drop(node)
                else:
                    return await self._finish(process, node, argv, limit_s, started_at, start)
            await asyncio.sleep(delay_s)
            delay_s = min(delay_s * 2, 1.0)
        raise HostUnreachable(node.name, f"could not start a command: {problem}", argv)

    async def _finish(
        self,
        process: asyncssh.SSHClientProcess[str],
        node: Node,
        argv: tuple[str, ...],
        limit_s: float,
        started_at: datetime,
        start: float,
    ) -> CommandResult:
        try:
            done = await process.wait(check=False, timeout=limit_s)
        except asyncssh.TimeoutError as exc:
            raise CommandTimeout(node.name, argv, limit_s, _text(exc.stdout)) from exc
        except (asyncssh.ConnectionLost, BrokenPipeError, ConnectionError) as exc:
            # Never re-run here: the command may have changed something before we lost it.
            await self._drop(node)
            raise HostUnreachable(
                node.name,
                f"connection lost while the command ran; its outcome is unknown: {exc}",
                argv,
            ) from exc
        stderr = _text(done.stderr)
        if done.exit_status is None:
            stderr += f"\n[no exit status: {done.exit_signal or 'channel closed'}]"
        return CommandResult(
            node=node.name,
            argv=argv,
            exit_status=done.exit_status if done.exit_status is not None else -1,
            stdout=_text(done.stdout),
            stderr=stderr,
            started_at=started_at,
            duration_s=time.perf_counter() - start,
        )

    async def _connection(
        self, node: Node
    ) -> tuple[asyncssh.SSHClientConnection, asyncio.Semaphore]:
        slot = self._slots.setdefault(_connection_key(node), _Slot())
        async with slot.lock:
            if slot.conn is None or slot.channels is None or slot.conn.is_closed():
                slot.conn = await self._connect(node)
                slot.channels = asyncio.Semaphore(self.options.channels_per_connection)
            return slot.conn, slot.channels

    async def _drop(self, node: Node) -> None:
        slot = self._slots.get(_connection_key(node))
        if slot is not None and slot.conn is not None:
            slot.conn.close()
            slot.conn = None

    async def _connect(self, node: Node) -> asyncssh.SSHClientConnection:
        if node.host_key is None:
            raise HostKeyUnknown(node.name, None)
        known_hosts = asyncssh.import_known_hosts(f"{_host_pattern(node)} {node.host_key}\n")
        try:
            async with self._handshakes:
                return await asyncssh.connect(
                    node.address,
                    node.port,
                    username=node.user,
                    client_keys=[str(node.key_path)] if node.key_path else (),
                    known_hosts=known_hosts,
                    tunnel=node.jump or (),
                    connect_timeout=self.options.connect_timeout_s,
                    login_timeout=self.options.connect_timeout_s,
                    keepalive_interval=self.options.keepalive_interval_s,
                    keepalive_count_max=self.options.keepalive_count_max,
                    agent_path=None,
                    config=None,
                )
        except asyncssh.HostKeyNotVerifiable as exc:
            offered = await self._offered_fingerprint(node)
            trusted = fingerprint(node.host_key)
            raise HostKeyMismatch(
                node.name,
                f"HOST KEY CHANGED: it presents {offered}, we trust {trusted}; refusing to "
                "connect (re-trust only after checking why the key changed)",
            ) from exc
        except asyncssh.PermissionDenied as exc:
            raise AuthFailed(node.name, f"login as {node.user} refused: {exc.reason}") from exc
        except (OSError, asyncssh.Error, TimeoutError) as exc:
            raise HostUnreachable(node.name, _describe_connect_error(node, exc)) from exc

    async def _offered_fingerprint(self, node: Node) -> str:
        try:
            key = await self.fetch_host_key(node)
        except SshError:
            return "an unknown key"
        return fingerprint(key)

    async def fetch_host_key(self, node: Node) -> str:
        """The host key the node presents, as ``"ssh-ed25519 AAAA..."`` (no login, no command).

        For `inventory trust`: it is shown to a human, and recorded only after they confirm.
        """
        try:
            async with self._handshakes:
                key = await asyncio.wait_for(
                    asyncssh.get_server_host_key(
                        node.address,
                        node.port,
                        tunnel=node.jump or (),
                        config=None,
                        server_host_key_algs=[
                            "ssh-ed25519",
                            "ecdsa-sha2-nistp256",
                            "rsa-sha2-512",
                            "rsa-sha2-256",
                        ],
                    ),
                    self.options.connect_timeout_s,
                )
        except (OSError, asyncssh.Error, TimeoutError) as exc:
            raise HostUnreachable(node.name, _describe_connect_error(node, exc)) from exc
        if key is None:
            raise HostUnreachable(node.name, "presented no host key")
        return str(key.export_public_key("openssh").decode().strip())

    async def _record(
        self,
        node: Node,
        argv: tuple[str, ...],
        actor: str,
        reason: str,
        started_at: datetime,
        start: float,
        result: CommandResult | None,
        error: SshError | None,
    ) -> None:
        duration = time.perf_counter() - start
        await self._emit(
            node, argv, actor, reason, started_at, duration, result, str(error) if error else None
        )

    async def _emit(
        self,
        node: Node,
        argv: tuple[str, ...],
        actor: str,
        reason: str,
        started_at: datetime,
        duration_s: float,
        result: CommandResult | None,
        error: str | None,
    ) -> None:
        """Hand one audit record to the sink: every command, whether it ran, failed or not."""
        if self._audit is None:
            return
        await self._audit(
            AuditRecord(
                at=started_at,
                actor=actor,
                reason=reason,
                cluster=node.cluster,
                node=node.name,
                argv=argv,
                exit_status=result.exit_status if result else None,
                error=error,
                duration_s=duration_s,
                stdout_bytes=len(result.stdout.encode()) if result else 0,
                stderr_bytes=len(result.stderr.encode()) if result else 0,
            )
        )


def _host_pattern(node: Node) -> str:
    host = node.address if node.port == 22 else f"[{node.address}]:{node.port}"
    return host


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _describe_connect_error(node: Node, exc: BaseException) -> str:
    where = f"{node.user}@{node.address}:{node.port}"
    if isinstance(exc, TimeoutError):
        return f"no answer from {where} (timed out)"
    if isinstance(exc, ConnectionRefusedError):
        return f"{where} refused the connection (is sshd running?)"
    if isinstance(exc, OSError):
        return f"cannot reach {where}: {exc.strerror or exc}"
    return f"SSH to {where} failed: {exc}"
