"""Typed, read-only views of a parsed corosync.conf: totem, nodelist, quorum, logging.

Values are read the way corosync's cmap ends up holding them: a key given twice keeps its last
value, and several top-level sections of the same name add up. A value that corosync would not
convert (``token: abc``) never raises here: the typed field is None, the text stays in ``raw``,
and ``bot.corosync.validate`` reports it.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from bot.corosync.conf import ConfDocument, ConfSection
from bot.corosync.conf_values import CType, c_integer

MAX_LINKS = 8  # INTERFACE_MAX: ring0_addr … ring7_addr
_RING_ADDR = re.compile(r"ring([0-7])_addr")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class InterfaceConfig(_Frozen):
    """One ``totem.interface`` section (a knet link, or the single udp/udpu ring)."""

    linknumber: int | None = None
    """None when not given or not a number; corosync then uses link 0."""
    knet_link_priority: int | None = None
    knet_ping_interval: int | None = None
    knet_ping_timeout: int | None = None
    knet_ping_precision: int | None = None
    knet_pong_count: int | None = None
    knet_transport: str | None = None
    mcastport: int | None = None
    bindnetaddr: str | None = None
    mcastaddr: str | None = None
    ttl: int | None = None
    raw: dict[str, str] = {}
    line: int = 0


class TotemConfig(_Frozen):
    version: int | None = None
    cluster_name: str | None = None
    transport: str | None = None
    """As written; corosync uses knet when it is missing or unknown."""
    crypto_cipher: str | None = None
    crypto_hash: str | None = None
    secauth: str | None = None
    token: int | None = None
    token_coefficient: int | None = None
    consensus: int | None = None
    join: int | None = None
    config_version: int | None = None
    link_mode: str | None = None
    ip_version: str | None = None
    interfaces: tuple[InterfaceConfig, ...] = ()
    raw: dict[str, str] = {}
    """Every totem key as written (last value wins), including the typed ones."""
    lines: dict[str, int] = {}
    """Line number of the effective occurrence of each key."""

    @property
    def effective_transport(self) -> str:
        """What corosync runs: totemconfig.c keeps knet unless the value is udp or udpu."""
        return self.transport if self.transport in ("udp", "udpu") else "knet"


class NodeConfig(_Frozen):
    """One ``nodelist.node`` section."""

    name: str | None = None
    nodeid: int | None = None
    quorum_votes: int | None = None
    ring_addrs: dict[int, str] = {}
    """Link number -> address, from ``ring0_addr`` … ``ring7_addr``."""
    raw: dict[str, str] = {}
    lines: dict[str, int] = {}
    line: int = 0
    """Line number of the ``node {`` line."""
    position: int = 0
    """Index within its nodelist section, as in cmap's ``nodelist.node.<position>.*``."""

    def ring_addr(self, link: int) -> str | None:
        return self.ring_addrs.get(link)

    @property
    def label(self) -> str:
        """How to name the node to a human: its name, else nodeid, else ring0_addr."""
        if self.name:
            return self.name
        if self.nodeid is not None:
            return f"nodeid {self.nodeid}"
        return self.ring_addrs.get(0) or f"node #{self.position + 1}"


class QuorumConfig(_Frozen):
    provider: str | None = None
    expected_votes: int | None = None
    two_node: int | None = None
    wait_for_all: int | None = None
    last_man_standing: int | None = None
    auto_tie_breaker: int | None = None
    has_device: bool = False
    """Whether a ``quorum.device`` section (QDevice) is configured."""
    raw: dict[str, str] = {}
    lines: dict[str, int] = {}


class LoggingConfig(_Frozen):
    to_syslog: bool | None = None
    """True for ``yes``, False for ``no``, None when absent or anything else."""
    to_logfile: bool | None = None
    logfile: str | None = None
    debug: str | None = None
    timestamp: str | None = None
    raw: dict[str, str] = {}


class CorosyncConf(_Frozen):
    """The typed view of a whole corosync.conf."""

    totem: TotemConfig = TotemConfig()
    nodes: tuple[NodeConfig, ...] = ()
    quorum: QuorumConfig = QuorumConfig()
    logging: LoggingConfig = LoggingConfig()
    sections: tuple[str, ...] = ()
    """Top-level section names in file order (repeats kept)."""

    @classmethod
    def from_document(cls, doc: ConfDocument) -> CorosyncConf:
        totem_raw, totem_lines = _merged(doc, "totem")
        quorum_raw, quorum_lines = _merged(doc, "quorum")
        logging_raw, _ = _merged(doc, "logging")
        interfaces = tuple(
            _interface(section)
            for totem in doc.sections("totem")
            for section in totem.sections("interface")
        )
        nodes = tuple(
            _node(section, position)
            for nodelist in doc.sections("nodelist")
            for position, section in enumerate(nodelist.sections("node"))
        )
        return cls(
            totem=TotemConfig(
                version=_number(totem_raw, "version", CType.UINT32),
                cluster_name=totem_raw.get("cluster_name"),
                transport=totem_raw.get("transport"),
                crypto_cipher=totem_raw.get("crypto_cipher"),
                crypto_hash=totem_raw.get("crypto_hash"),
                secauth=totem_raw.get("secauth"),
                token=_number(totem_raw, "token", CType.UINT32),
                token_coefficient=_number(totem_raw, "token_coefficient", CType.UINT32),
                consensus=_number(totem_raw, "consensus", CType.UINT32),
                join=_number(totem_raw, "join", CType.UINT32),
                config_version=_number(totem_raw, "config_version", CType.UINT64),
                link_mode=totem_raw.get("link_mode"),
                ip_version=totem_raw.get("ip_version"),
                interfaces=interfaces,
                raw=totem_raw,
                lines=totem_lines,
            ),
            nodes=nodes,
            quorum=QuorumConfig(
                provider=quorum_raw.get("provider"),
                expected_votes=_number(quorum_raw, "expected_votes", CType.UINT32),
                two_node=_number(quorum_raw, "two_node", CType.UINT8),
                wait_for_all=_number(quorum_raw, "wait_for_all", CType.UINT8),
                last_man_standing=_number(quorum_raw, "last_man_standing", CType.UINT8),
                auto_tie_breaker=_number(quorum_raw, "auto_tie_breaker", CType.UINT8),
                has_device=any(q.sections("device") for q in doc.sections("quorum")),
                raw=quorum_raw,
                lines=quorum_lines,
            ),
            logging=LoggingConfig(
                to_syslog=_yes_no(logging_raw.get("to_syslog")),
                to_logfile=_yes_no(logging_raw.get("to_logfile")),
                logfile=logging_raw.get("logfile"),
                debug=logging_raw.get("debug"),
                timestamp=logging_raw.get("timestamp"),
                raw=logging_raw,
            ),
            sections=tuple(s.name for s in doc.sections()),
        )


def _merged(doc: ConfDocument, name: str) -> tuple[dict[str, str], dict[str, int]]:
    """Direct keys of every top-level ``name`` section, later ones overwriting earlier ones."""
    raw: dict[str, str] = {}
    lines: dict[str, int] = {}
    for section in doc.sections(name):
        for item in section.items:
            raw[item.key] = item.value
            lines[item.key] = item.number
    return raw, lines


def _section_values(section: ConfSection) -> tuple[dict[str, str], dict[str, int]]:
    raw = {item.key: item.value for item in section.items}
    lines = {item.key: item.number for item in section.items}
    return raw, lines


def _number(raw: dict[str, str], key: str, ctype: CType) -> int | None:
    value = raw.get(key)
    return None if value is None else c_integer(value, ctype)


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _interface(section: ConfSection) -> InterfaceConfig:
    raw, _ = _section_values(section)
    return InterfaceConfig(
        linknumber=_number(raw, "linknumber", CType.UINT8),
        knet_link_priority=_number(raw, "knet_link_priority", CType.UINT8),
        knet_ping_interval=_number(raw, "knet_ping_interval", CType.UINT32),
        knet_ping_timeout=_number(raw, "knet_ping_timeout", CType.UINT32),
        knet_ping_precision=_number(raw, "knet_ping_precision", CType.UINT32),
        knet_pong_count=_number(raw, "knet_pong_count", CType.UINT32),
        knet_transport=raw.get("knet_transport"),
        mcastport=_number(raw, "mcastport", CType.UINT16),
        bindnetaddr=raw.get("bindnetaddr"),
        mcastaddr=raw.get("mcastaddr"),
        ttl=_number(raw, "ttl", CType.UINT8),
        raw=raw,
        line=section.number,
    )


def _node(section: ConfSection, position: int) -> NodeConfig:
    raw, lines = _section_values(section)
    ring_addrs = {
        int(match.group(1)): value
        for key, value in raw.items()
        if (match := _RING_ADDR.fullmatch(key)) is not None
    }
    return NodeConfig(
        name=raw.get("name"),
        nodeid=_number(raw, "nodeid", CType.UINT32),
        quorum_votes=_number(raw, "quorum_votes", CType.UINT32),
        ring_addrs=dict(sorted(ring_addrs.items())),
        raw=raw,
        lines=lines,
        line=section.number,
        position=position,
    )
