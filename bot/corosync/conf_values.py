"""How corosync turns the strings in corosync.conf into numbers, and which keys are numbers.

corosync stores every value as a string unless ``main_config_parser_cb()`` in
``exec/coroparse.c`` knows the key; known keys go through ``safe_atoq()`` (``strtoll`` plus a
range check) or ``str_to_ull()`` (``strtoull``), and a value that does not convert stops corosync
with ``Value of key "…" is expected to be integer in range (…), but "…" was given``.
"""

from __future__ import annotations

import re
from enum import Enum

# strtoll/strtoull in the C locale: leading isspace(), an optional sign, decimal digits, and
# (for corosync) nothing after them.
_C_INTEGER = re.compile(r"[ \t\n\v\f\r]*([+-]?)([0-9]+)", re.ASCII)
_INT64_MAX = 2**63 - 1
U64_MAX = 2**64 - 1


class CType(Enum):
    """The icmap types corosync converts numeric keys into, with their ranges."""

    UINT8 = (0, 2**8 - 1)
    UINT16 = (0, 2**16 - 1)
    INT32 = (-(2**31), 2**31 - 1)
    UINT32 = (0, 2**32 - 1)
    UINT64 = (0, U64_MAX)

    @property
    def low(self) -> int:
        return self.value[0]

    @property
    def high(self) -> int:
        return self.value[1]


def c_integer(value: str, ctype: CType) -> int | None:
    """``value`` as corosync converts it into ``ctype``, or None where corosync refuses it."""
    match = _C_INTEGER.fullmatch(value)
    if match is None:
        return None
    sign, digits = match.groups()
    magnitude = int(digits)
    if ctype is CType.UINT64:
        # strtoull() negates "-N" modulo 2**64 instead of failing (only overflow is ERANGE).
        if magnitude > U64_MAX:
            return None
        return (-magnitude) % 2**64 if sign == "-" else magnitude
    number = -magnitude if sign == "-" else magnitude
    if not -_INT64_MAX - 1 <= number <= _INT64_MAX:
        return None  # strtoll() ERANGE
    return number if ctype.low <= number <= ctype.high else None


def corosync_number_error(key_name: str, value: str, ctype: CType) -> str:
    """The message corosync stops with when ``value`` does not convert (coroparse.c)."""
    if ctype is CType.UINT64:
        return (
            f'Value of key "{key_name}" is expected to be unsigned integer, but "{value}" was given'
        )
    return (
        f'Value of key "{key_name}" is expected to be integer in range '
        f'({ctype.low}..{ctype.high}), but "{value}" was given'
    )


# Keys main_config_parser_cb() converts, by dotted path (sections have no index in the path).
NUMERIC_KEYS: dict[str, CType] = {
    **{
        f"totem.{key}": CType.UINT32
        for key in [
            "version",
            "nodeid",
            "threads",
            "token",
            "token_coefficient",
            "token_retransmit",
            "token_warning",
            "hold",
            "token_retransmits_before_loss_const",
            "join",
            "send_join",
            "consensus",
            "merge",
            "downcheck",
            "fail_recv_const",
            "seqno_unchanged_const",
            "rrp_token_expired_timeout",
            "rrp_problem_count_timeout",
            "rrp_problem_count_threshold",
            "rrp_problem_count_mcast_threshold",
            "rrp_autorecovery_check_timeout",
            "heartbeat_failures_allowed",
            "max_network_delay",
            "window_size",
            "max_messages",
            "miss_count_const",
            "knet_pmtud_interval",
            "knet_mtu",
            "knet_compression_threshold",
            "netmtu",
        ]
    },
    "totem.knet_compression_level": CType.INT32,
    "totem.config_version": CType.UINT64,
    "totem.interface.linknumber": CType.UINT8,
    "totem.interface.mcastport": CType.UINT16,
    "totem.interface.ttl": CType.UINT8,
    "totem.interface.knet_link_priority": CType.UINT8,
    "totem.interface.knet_ping_interval": CType.UINT32,
    "totem.interface.knet_ping_timeout": CType.UINT32,
    "totem.interface.knet_ping_precision": CType.UINT32,
    "totem.interface.knet_pong_count": CType.UINT32,
    **{
        f"quorum.{key}": CType.UINT32
        for key in ("expected_votes", "votes", "last_man_standing_window", "leaving_timeout")
    },
    **{
        f"quorum.{key}": CType.UINT8
        for key in [
            "two_node",
            "expected_votes_tracking",
            "allow_downscale",
            "wait_for_all",
            "auto_tie_breaker",
            "last_man_standing",
        ]
    },
    "quorum.device.timeout": CType.UINT32,
    "quorum.device.sync_timeout": CType.UINT32,
    "quorum.device.votes": CType.UINT32,
    "quorum.device.master_wins": CType.UINT8,
    "nodelist.node.nodeid": CType.UINT32,
    "nodelist.node.quorum_votes": CType.UINT32,
    "resources.watchdog_timeout": CType.UINT32,
    "resources.system.poll_period": CType.UINT64,
    "resources.system.memory_used.poll_period": CType.UINT64,
    "resources.process.poll_period": CType.UINT64,
    "resources.process.memory_used.poll_period": CType.UINT64,
    "pload.count": CType.UINT32,
    "pload.size": CType.UINT32,
}
