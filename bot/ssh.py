"""The only door to SSH: a pool of verified, reused connections that runs argv lists on nodes.

Every connection verifies the node's host key against the one the inventory trusts (never
``known_hosts=None``); every command is ``shlex.join``ed from an argv list, so no value reaches a
remote shell unquoted; every command is reported to the audit sink, success or not.

A node with a ``jump`` is reached through a pooled connection to that jump host, verified against
the node's ``jump_host_key`` in the same way: a jump host nobody trusted is never contacted.
Known_hosts files such as Proxmox's ``/etc/pve/priv/known_hosts`` can be read for keys to
*offer* for trust (``host_keys_from_pve_known_hosts``); nothing here trusts a key by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import shlex
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
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
    JumpHostKeyUnknown,
    SshError,
    UsageError,
)
from bot.model import AuditRecord, CommandResult, Node

OPEN_ATTEMPTS = 8  # channel opens refused while sshd reaps closed sessions: about 3 s of backoff

AuditSink = Callable[[AuditRecord], Awaitable[None]]


def fingerprint(public_key: str) -> str:
    """OpenSSH's SHA256 fingerprint of ``"ssh-ed25519 AAAA..."``."""
    key = asyncssh.import_public_key(public_key)
    return str(key.get_fingerprint("sha256"))


@dataclass(frozen=True)
class JumpHost:
    """A node's jump host, ``[user@]host[:port]`` taken apart (no user: the node's own)."""

    host: str
    port: int = 22
    user: str | None = None

    @classmethod
    def parse(cls, spec: str) -> JumpHost:
        """Read ``[user@]host[:port]``; IPv6 as ``[::1]:2222`` or bare ``::1``."""
        user, at, hostport = spec.rpartition("@")
        host, port = hostport, "22"
        if hostport.startswith("["):
            host, bracket, rest = hostport[1:].partition("]")
            if not bracket or (rest and not rest.startswith(":")):
                rest = ":not a port"
            port = rest[1:] if rest else "22"
        elif hostport.count(":") == 1:
            host, port = hostport.split(":")
        valid = (
            (not at or _JUMP_USER.fullmatch(user))
            and _JUMP_HOST.fullmatch(host)
            and port.isdigit()
            and 1 <= int(port) <= 65535
        )
        if not valid:
            raise ValueError(f"jump host {spec!r} is not [user@]host[:port]")
        return cls(host=host, port=int(port), user=user or None)


_JUMP_USER = re.compile(r"[A-Za-z0-9_.-]+")
_JUMP_HOST = re.compile(r"[A-Za-z0-9_.:%-]+")


def jump_trust_from_inventory(node: Node, inventory: Iterable[Node]) -> Node:
    """``node`` with its jump host's key set from the inventory node that its jump names.

    Jumping through one of our own nodes needs no separate trust: the key trusted for that node
    (matched by address or name, and SSH port) is the key the hop must present. The node comes
    back unchanged when it has no jump, already has a jump host key, or the jump names no
    single trusted inventory node; connecting then refuses it with JumpHostKeyUnknown.
    """
    if node.jump is None or node.jump_host_key is not None:
        return node
    try:
        jump = JumpHost.parse(node.jump)
    except ValueError:
        return node
    keys = {
        n.host_key
        for n in inventory
        if n.host_key and n.port == jump.port and jump.host in (n.address, n.name)
    }
    if len(keys) != 1:
        return node
    return node.model_copy(update={"jump_host_key": keys.pop()})


# Which of several recorded keys to offer: the strongest kind first.
_KEY_PREFERENCE = (
    "ssh-ed25519",
    "ecdsa-sha2-nistp521",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp256",
    "ssh-rsa",
)


def known_host_keys(text: str, *hosts: str, port: int = 22) -> tuple[str, ...]:
    """Every host key an OpenSSH known_hosts ``text`` records for any of ``hosts`` (names or
    addresses), as ``"ssh-ed25519 AAAA..."``.

    Hashed (``|1|salt|hash``), wildcard and negated patterns match as in OpenSSH, names also
    in lower case (OpenSSH lowers them before looking up). ``@cert-authority`` keys are not host
    keys, and a key marked ``@revoked`` on any line is never returned, whichever host it is
    listed for. Lines that cannot be read are skipped, as OpenSSH skips them.
    """
    return _keys_for(*_read_known_hosts(text), hosts, port)


def host_keys_from_pve_known_hosts(text: str, nodes: Iterable[Node]) -> dict[str, str]:
    """The host key ``/etc/pve/priv/known_hosts`` records for each node, to *offer* for trust.

    Proxmox writes every cluster node's key there under the node's name (and sometimes its
    address). A node is absent when nothing matches it, or when its name and address entries
    disagree on the key of its strongest kind (a stale entry: which one is right cannot be
    told from the file). The caller shows the fingerprints and records only what a person
    confirms; nothing here trusts a key.
    """
    known, revoked = _read_known_hosts(text)
    offered: dict[str, str] = {}
    for node in nodes:
        best = _strongest(_keys_for(known, revoked, (node.name, node.address), node.port))
        if best is not None:
            offered[node.name] = best
    return offered


def _read_known_hosts(text: str) -> tuple[asyncssh.SSHKnownHosts, frozenset[bytes]]:
    """The readable lines of ``text``, and the public data of every revoked key in it."""
    readable: list[str] = []
    revoked: set[bytes] = set()
    for line in text.splitlines():
        try:
            asyncssh.import_known_hosts(line)
        except ValueError:  # a bad marker or hash: asyncssh would refuse the whole file
            continue
        readable.append(line)
        fields = line.split(None, 2)
        if len(fields) == 3 and fields[0] == "@revoked":
            with contextlib.suppress(asyncssh.KeyImportError):
                revoked.add(asyncssh.import_public_key(fields[2]).public_data)
    return asyncssh.import_known_hosts("\n".join(readable)), frozenset(revoked)


def _keys_for(
    known: asyncssh.SSHKnownHosts, revoked: frozenset[bytes], hosts: Sequence[str], port: int
) -> tuple[str, ...]:
    found: dict[bytes, str] = {}
    for host in dict.fromkeys(h for name in hosts for h in (name, name.lower())):
        for key in known.match(host, "", port if port != 22 else None)[0]:
            if key.public_data not in revoked:
                found.setdefault(key.public_data, _openssh(key))
    return tuple(found.values())


def _strongest(keys: Sequence[str]) -> str | None:
    """The one key of the strongest kind among ``keys``; None if there are two of that kind."""
    for kind in _KEY_PREFERENCE:
        of_kind = [k for k in keys if k.split()[0] == kind]
        if of_kind:
            return of_kind[0] if len(of_kind) == 1 else None
    return None


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
        node.jump_host_key or "",
    )
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _jump_key(node: Node, jump: JumpHost) -> str:
    """Nodes behind the same jump host, reached as the same user with the same key, share it."""
    parts = (
        jump.host,
        str(jump.port),
        jump.user or node.user,
        str(node.key_path),
        node.jump_host_key or "",
    )
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@dataclass
class _Slot:
    """One connection, the lock that serialises (re)connecting, and its channel budget.

    A jump host's slot has no channel budget: the tunnels through it are not sessions, so
    sshd's MaxSessions does not count them.
    """

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
        self._jump_slots: dict[str, _Slot] = {}
        self._handshakes = asyncio.Semaphore(self.options.max_handshakes)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        # Nodes first: closing a jump host first would cut the tunnels under their connections.
        for slots in (self._slots, self._jump_slots):
            conns = [s.conn for s in slots.values() if s.conn is not None]
            slots.clear()
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

    @asynccontextmanager
    async def stream(
        self, node: Node, argv: Sequence[str], *, actor: str, reason: str
    ) -> AsyncIterator[AsyncIterator[str]]:
        """A long-running command's stdout, line by line, until the block ends or it exits.

        For followers such as ``journalctl -f``: it holds one channel of the node's connection
        for as long as it runs, and is audited once, when it ends, with what it received.
        Leaving the block closes the channel, which ends the remote command.
        """
        argv = tuple(argv)
        started_at, start = datetime.now(UTC), time.perf_counter()
        received = 0
        error: SshError | None = None
        try:
            conn, channels = await self._connection(node)
        except SshError as exc:
            await self._record(node, argv, actor, reason, started_at, start, None, exc)
            raise
        async with channels:
            try:
                # Unread stderr would fill the channel window and stall stdout: discard it.
                process = await conn.create_process(
                    shlex.join(argv), encoding="utf-8", errors="replace", stderr=asyncssh.DEVNULL
                )
            except (asyncssh.Error, OSError) as exc:
                error = HostUnreachable(node.name, f"could not start a command: {exc}", argv)
                await self._record(node, argv, actor, reason, started_at, start, None, error)
                raise error from exc

            async def lines() -> AsyncIterator[str]:
                nonlocal received, error
                try:
                    async for line in process.stdout:
                        received += len(line.encode())
                        yield line
                except (asyncssh.Error, OSError) as exc:
                    error = HostUnreachable(node.name, f"stream lost: {exc}", argv)
                    await self._drop(node)
                    raise error from exc

            try:
                yield lines()
            finally:
                process.close()
                status = process.exit_status
                result = None
                if status is not None:
                    result = CommandResult(
                        node=node.name,
                        argv=argv,
                        exit_status=status,
                        stdout="",
                        stderr="",
                        started_at=started_at,
                        duration_s=time.perf_counter() - start,
                    )
                why = str(error) if error else None if result else "stopped by quorumbot"
                duration = time.perf_counter() - start
                await self._emit(
                    node, argv, actor, reason, started_at, duration, result, why, received
                )

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
        tunnel = await self._jump_connection(node)
        try:
            return await self._open(
                node.address, node.port, node.user, node.key_path, node.name, node.host_key, tunnel
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
            where = f"{node.user}@{node.address}:{node.port}"
            raise HostUnreachable(
                node.name, _describe_connect_error(where, exc, node.jump)
            ) from exc

    async def _jump_connection(self, node: Node) -> asyncssh.SSHClientConnection | None:
        """The verified, pooled connection to ``node``'s jump host; None without a jump."""
        if node.jump is None:
            return None
        jump = _jump_of(node)
        if node.jump_host_key is None:
            raise JumpHostKeyUnknown(node.name, node.jump)
        slot = self._jump_slots.setdefault(_jump_key(node, jump), _Slot())
        async with slot.lock:
            if slot.conn is None or slot.conn.is_closed():
                slot.conn = await self._connect_jump(node, jump, node.jump_host_key)
            return slot.conn

    async def _connect_jump(
        self, node: Node, jump: JumpHost, trusted_key: str
    ) -> asyncssh.SSHClientConnection:
        user = jump.user or node.user
        try:
            return await self._open(
                jump.host, jump.port, user, node.key_path, jump.host, trusted_key, None
            )
        except asyncssh.HostKeyNotVerifiable as exc:
            try:
                offered = fingerprint(await self.fetch_jump_host_key(node))
            except SshError:
                offered = "an unknown key"
            raise HostKeyMismatch(
                node.name,
                f"jump host {node.jump}: HOST KEY CHANGED: it presents {offered}, we trust "
                f"{fingerprint(trusted_key)}; refusing to connect through it (re-trust only "
                "after checking why the key changed)",
            ) from exc
        except asyncssh.PermissionDenied as exc:
            raise AuthFailed(
                node.name, f"jump host {node.jump} refused login as {user}: {exc.reason}"
            ) from exc
        except (OSError, asyncssh.Error, TimeoutError) as exc:
            where = f"jump host {user}@{jump.host}:{jump.port}"
            raise HostUnreachable(node.name, _describe_connect_error(where, exc)) from exc

    async def _open(
        self,
        host: str,
        port: int,
        user: str,
        key_path: Path | None,
        name: str,
        trusted_key: str,
        tunnel: asyncssh.SSHClientConnection | None,
    ) -> asyncssh.SSHClientConnection:
        """One SSH connection that accepts only ``trusted_key``, whatever address it reached.

        The key is recorded under ``name`` and matched through ``host_key_alias``, as OpenSSH
        does with HostKeyAlias: a key known by the node's name (how Proxmox records them)
        verifies a connection made to its address. The timeout covers each hop on its own,
        like OpenSSH's ConnectTimeout with ProxyJump.
        """
        alias = name if _ALIAS.fullmatch(name) else "trusted-host"
        async with self._handshakes:
            return await asyncssh.connect(
                host,
                port,
                username=user,
                client_keys=[str(key_path)] if key_path else (),
                known_hosts=asyncssh.import_known_hosts(f"{alias} {trusted_key}\n"),
                host_key_alias=alias,
                tunnel=tunnel or (),
                connect_timeout=self.options.connect_timeout_s,
                login_timeout=self.options.connect_timeout_s,
                keepalive_interval=self.options.keepalive_interval_s,
                keepalive_count_max=self.options.keepalive_count_max,
                agent_path=None,
                config=None,
            )

    async def _offered_fingerprint(self, node: Node) -> str:
        try:
            key = await self.fetch_host_key(node)
        except SshError:
            return "an unknown key"
        return fingerprint(key)

    async def fetch_host_key(self, node: Node) -> str:
        """The host key the node presents, as ``"ssh-ed25519 AAAA..."`` (no login, no command).

        For `inventory trust`: it is shown to a human, and recorded only after they confirm.
        Through a jump host only once the jump host's own key is trusted.
        """
        tunnel = await self._jump_connection(node)
        where = f"{node.address}:{node.port}"
        return await self._fetch_key(node, node.address, node.port, tunnel, where)

    async def fetch_jump_host_key(self, node: Node) -> str:
        """The host key ``node``'s jump host presents (no login), to show before trusting it."""
        if node.jump is None:
            raise UsageError(f"{node.name} has no jump host")
        jump = _jump_of(node)
        return await self._fetch_key(
            node, jump.host, jump.port, None, f"jump host {jump.host}:{jump.port}"
        )

    async def _fetch_key(
        self,
        node: Node,
        host: str,
        port: int,
        tunnel: asyncssh.SSHClientConnection | None,
        where: str,
    ) -> str:
        try:
            async with self._handshakes:
                key = await asyncio.wait_for(
                    asyncssh.get_server_host_key(
                        host,
                        port,
                        tunnel=tunnel or (),
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
            via = node.jump if tunnel is not None else None
            raise HostUnreachable(node.name, _describe_connect_error(where, exc, via)) from exc
        if key is None:
            raise HostUnreachable(node.name, f"{where} presented no host key")
        return _openssh(key)

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
        stdout_bytes: int | None = None,
    ) -> None:
        """Hand one audit record to the sink: every command, whether it ran, failed or not.

        ``stdout_bytes`` counts output the result does not hold (a stream's lines).
        """
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
                stdout_bytes=_output_bytes(result, stdout_bytes),
                stderr_bytes=len(result.stderr.encode()) if result else 0,
            )
        )


def _output_bytes(result: CommandResult | None, counted: int | None) -> int:
    """Bytes of stdout: counted while streaming, else what the result holds."""
    if counted is not None:
        return counted
    return len(result.stdout.encode()) if result else 0


_ALIAS = re.compile(r"[A-Za-z0-9_.:-]+")  # a known_hosts pattern that is only itself


def _jump_of(node: Node) -> JumpHost:
    try:
        return JumpHost.parse(node.jump or "")
    except ValueError as exc:
        raise HostUnreachable(node.name, str(exc)) from None


def _openssh(key: asyncssh.SSHKey) -> str:
    """``"ssh-ed25519 AAAA..."``: algorithm and key, without the comment a file may carry."""
    return " ".join(key.export_public_key("openssh").decode().split()[:2])


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _describe_connect_error(where: str, exc: BaseException, via: str | None = None) -> str:
    if via is not None and isinstance(exc, asyncssh.ChannelOpenError):
        return f"jump host {via} could not reach {where}: {exc.reason}"
    where = f"{where} via jump host {via}" if via else where
    if isinstance(exc, TimeoutError):
        return f"no answer from {where} (timed out)"
    if isinstance(exc, ConnectionRefusedError):
        return f"{where} refused the connection (is sshd running?)"
    if isinstance(exc, OSError):
        return f"cannot reach {where}: {exc.strerror or exc}"
    return f"SSH to {where} failed: {exc}"
