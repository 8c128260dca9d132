"""Every exception quorumbot raises on purpose.

Where failure is normal (a line a parser cannot read, a node that does not answer) the code
returns a value instead; exceptions are for callers that must stop.

    BotError
    ├── ConfigError        a setting or settings file is wrong (key, problem, what is expected)
    ├── UsageError         a command was called with bad arguments (message + usage)
    ├── LabError           the lab could not be built, started, faulted or torn down
    ├── ConfEditError      a corosync.conf edit was refused (bot.corosync.conf_edit)
    ├── InventoryError     the inventory cannot do that (duplicate cluster, bad file, …)
    │   ├── UnknownCluster     name, the names we know
    │   └── UnknownNode        cluster, name, the names we know
    └── SshError           node, argv: something between us and a node went wrong
        ├── HostUnreachable    no TCP connection or SSH handshake within the timeout
        ├── HostKeyUnknown     no trusted key recorded yet: fingerprint offered for `trust`
        │   └── JumpHostKeyUnknown   the node's jump host has no trusted key: jump
        ├── HostKeyMismatch    the node presented another key than the trusted one
        ├── AuthFailed         the node refused our key
        ├── CommandTimeout     the command outlived its timeout (partial output kept)
        └── CommandFailed      non-zero exit where success was required
"""

from __future__ import annotations


class BotError(Exception):
    """Base of every error quorumbot raises on purpose; its message is for humans."""


class ConfigError(BotError):
    """Configuration is invalid; ``problems`` holds one line per wrong key."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid configuration in {source}:\n{lines}")


class UsageError(BotError):
    """A command got arguments it cannot use; nothing was changed."""


class LabError(BotError):
    """The lab could not do what was asked; the message says which step failed and why."""


class InventoryError(BotError):
    """The inventory cannot do what was asked; nothing was changed."""


class UnknownCluster(InventoryError):
    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = known
        hint = f"known clusters: {', '.join(known)}" if known else "the inventory is empty"
        super().__init__(f"no cluster named {name!r} ({hint})")


class UnknownNode(InventoryError):
    def __init__(self, cluster: str, name: str, known: list[str]) -> None:
        self.cluster = cluster
        self.name = name
        hint = f"its nodes: {', '.join(known)}" if known else "it has no such node"
        super().__init__(f"cluster {cluster!r} has no node {name!r} ({hint})")


class SshError(BotError):
    """Base of SSH failures; ``node`` and ``argv`` say where and what."""

    def __init__(self, node: str, message: str, argv: tuple[str, ...] = ()) -> None:
        self.node = node
        self.argv = argv
        super().__init__(f"{node}: {message}")


class HostUnreachable(SshError):
    """The node did not answer (TCP connect, handshake or login) within the timeout."""


class HostKeyUnknown(SshError):
    """We hold no trusted host key for the node; ``fingerprint`` is what it offered."""

    def __init__(self, node: str, fingerprint: str | None) -> None:
        self.fingerprint = fingerprint
        offered = f" (it offers {fingerprint})" if fingerprint else ""
        super().__init__(
            node,
            f"host key not trusted yet{offered}; check it, then `quorumbot inventory trust {node}`",
        )


class JumpHostKeyUnknown(HostKeyUnknown):
    """The node is reached through a jump host whose key nobody trusted: neither is contacted."""

    def __init__(self, node: str, jump: str) -> None:
        self.fingerprint = None
        self.jump = jump
        SshError.__init__(
            self,
            node,
            f"its jump host {jump} has no trusted host key, so nothing is sent through it; "
            "check the jump host's fingerprint, then record it as the node's jump host key",
        )


class HostKeyMismatch(SshError):
    """The node presented a different host key than the trusted one: refused, never learned."""


class AuthFailed(SshError):
    """The node refused our credentials."""


class CommandTimeout(SshError):
    """A command ran past its timeout; partial output is kept."""

    def __init__(self, node: str, argv: tuple[str, ...], timeout_s: float, stdout: str) -> None:
        self.timeout_s = timeout_s
        self.stdout = stdout
        super().__init__(node, f"timed out after {timeout_s:g}s: {' '.join(argv)}", argv)


class CommandFailed(SshError):
    """A command that had to succeed exited non-zero."""

    def __init__(
        self, node: str, argv: tuple[str, ...], exit_status: int, stdout: str, stderr: str
    ) -> None:
        self.exit_status = exit_status
        self.stdout = stdout
        self.stderr = stderr
        last = (stderr or stdout).strip().splitlines()
        super().__init__(
            node, f"exit {exit_status}: {' '.join(argv)}: {last[-1] if last else 'no output'}", argv
        )
