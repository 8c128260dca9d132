"""The totem timeouts corosync actually runs with, worked out from corosync.conf.

corosync does not use ``token`` as written once the nodelist has three or more nodes
(``exec/totemconfig.c``, ``totem_volatile_config_read``)::

    token_eff = token + (nodes - 2) * token_coefficient      when nodes > 2
    consensus = (int)(float)(1.2 * token_eff)                 unless set (and non-zero)

and the knet ping timers are derived from ``token_eff`` afterwards (``calc_knet_ping_timers``,
"needs to be done last of all")::

    knet_ping_timeout  = token_eff / knet_pong_count          (pong count defaults to 2)
    knet_ping_interval = token_eff / (knet_pong_count * 2)

``nodes`` is the number of members of link 0, i.e. nodes with a ``ring0_addr``. The real value
on a running node is ``corosync-cmapctl -g runtime.config.totem.token``.
"""

from __future__ import annotations

import re
import struct

from pydantic import BaseModel, ConfigDict

from bot.corosync.conf import ConfDocument
from bot.corosync.conf_model import CorosyncConf, InterfaceConfig

# corosync 3.1.0 raised the token default from 1000 to 3000 ms (corosync PR #600).
TOKEN_DEFAULT_MS_3_1 = 3000
TOKEN_DEFAULT_MS_BEFORE_3_1 = 1000
TOKEN_COEFFICIENT_DEFAULT_MS = 650  # TOKEN_COEFFICIENT in totemconfig.c
KNET_PONG_COUNT_DEFAULT = 2  # KNET_PONG_COUNT in totemconfig.c


class EffectiveTiming(BaseModel):
    """Totem timeouts in effect, with the arithmetic spelled out for a human."""

    model_config = ConfigDict(frozen=True)

    token_ms: int
    """``token`` as configured, or corosync's default for the version."""
    token_is_default: bool
    token_coefficient_ms: int
    effective_token_ms: int
    """What totem waits for the token: ``runtime.config.totem.token``."""
    consensus_ms: int
    consensus_is_default: bool
    knet_ping_interval_ms: int | None
    """Link 0's ping interval; None on udp/udpu, which have no knet links."""
    knet_ping_timeout_ms: int | None
    node_count: int
    explanation: tuple[str, ...]


def token_default_ms(corosync_version: str) -> int:
    """corosync's built-in token timeout for a version such as ``"3.1.7"`` or ``"3.0"``."""
    match = re.match(r"(\d+)\.(\d+)", corosync_version)
    if match is None:
        raise ValueError(f"not a corosync version: {corosync_version!r}")
    major, minor = int(match.group(1)), int(match.group(2))
    return TOKEN_DEFAULT_MS_3_1 if (major, minor) >= (3, 1) else TOKEN_DEFAULT_MS_BEFORE_3_1


def effective_timing(
    conf: CorosyncConf | ConfDocument, corosync_version: str = "3.1"
) -> EffectiveTiming:
    """The timeouts corosync ``corosync_version`` derives from this configuration."""
    if isinstance(conf, ConfDocument):
        conf = CorosyncConf.from_document(conf)
    totem = conf.totem
    why: list[str] = []

    # A missing, unreadable or zero token means the default (allow_zero_value is 0 for it).
    token_is_default = not totem.token
    token = token_default_ms(corosync_version) if token_is_default else int(totem.token or 0)
    if token_is_default:
        source = _why_default("token", totem.raw)
        why.append(f"token {token} ms: corosync {corosync_version} default ({source})")
    else:
        why.append(f"token {token} ms: set in corosync.conf")

    coefficient = totem.token_coefficient
    if coefficient is None:  # 0 is a real setting: it switches the scaling off
        coefficient = TOKEN_COEFFICIENT_DEFAULT_MS
        source = _why_default("token_coefficient", totem.raw)
        why.append(f"token_coefficient {coefficient} ms: default ({source})")
    else:
        why.append(f"token_coefficient {coefficient} ms: set in corosync.conf")

    node_count = sum(1 for node in conf.nodes if node.ring_addr(0) is not None)
    effective = token
    if node_count > 2:
        effective = token + (node_count - 2) * coefficient
        why.append(
            f"{node_count} nodes: effective token = {token} + ({node_count} - 2) × "
            f"{coefficient} = {effective} ms"
        )
    else:
        why.append(f"{node_count} nodes: the coefficient applies from 3 nodes, so {effective} ms")

    consensus_is_default = not totem.consensus
    if consensus_is_default:
        consensus = consensus_default_ms(effective)
        source = _why_default("consensus", totem.raw)
        why.append(f"consensus {consensus} ms = 1.2 × {effective} (default; {source})")
    else:
        consensus = int(totem.consensus or 0)
        why.append(f"consensus {consensus} ms: set in corosync.conf")

    interval, timeout = None, None
    if totem.effective_transport == "knet":
        link0 = _link(conf, 0)
        pongs = (link0.knet_pong_count if link0 else None) or KNET_PONG_COUNT_DEFAULT
        timeout = (link0.knet_ping_timeout if link0 else None) or effective // pongs
        interval = (link0.knet_ping_interval if link0 else None) or effective // (pongs * 2)
        why.append(
            f"knet link 0: ping every {interval} ms, link down after {timeout} ms "
            f"(defaults are effective token / {pongs * 2} and / {pongs})"
        )
    return EffectiveTiming(
        token_ms=token,
        token_is_default=token_is_default,
        token_coefficient_ms=coefficient,
        effective_token_ms=effective,
        consensus_ms=consensus,
        consensus_is_default=consensus_is_default,
        knet_ping_interval_ms=interval,
        knet_ping_timeout_ms=timeout,
        node_count=node_count,
        explanation=tuple(why),
    )


def consensus_default_ms(effective_token_ms: int) -> int:
    """``(int)(float)(1.2 * token)``: through a C float, then truncated, as totemconfig.c does."""
    as_float: float = struct.unpack("f", struct.pack("f", 1.2 * effective_token_ms))[0]
    return int(as_float)


def _why_default(key: str, raw: dict[str, str]) -> str:
    """Why corosync falls back to its default for ``key``."""
    if key not in raw:
        return "not set in corosync.conf"
    if raw[key].strip() in ("0", "+0", "-0"):
        return "0 means the default"
    return f"{raw[key]!r} is not a number corosync accepts, so it would refuse the file"


def _link(conf: CorosyncConf, number: int) -> InterfaceConfig | None:
    # An interface section without linknumber is link 0 (coroparse.c starts from 0).
    found = [i for i in conf.totem.interfaces if (i.linknumber or 0) == number]
    return found[-1] if found else None
