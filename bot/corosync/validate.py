"""What is wrong with a corosync.conf that parses: findings in plain language, with line numbers.

The rules come from corosync itself: the value checks ``main_config_parser_cb()`` makes while
reading (``exec/coroparse.c``), the checks ``totem_config_read()``/``totem_config_validate()``
make before starting (``exec/totemconfig.c``), and what pmxcfs and pvecm need on Proxmox VE.
A ``critical`` finding means corosync (or pmxcfs) will refuse the file or misbehave with it;
where corosync prints its own error for it, ``corosync_error`` holds that text verbatim. These
texts were checked against corosync 3.1.7's ``corosync -t`` on thousands of generated files.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator

from bot.corosync.conf import ConfDocument, ConfItem
from bot.corosync.conf_findings import CheckContext, ConfFinding, finding, walk_items
from bot.corosync.conf_model import CorosyncConf
from bot.corosync.conf_node_checks import check_addresses, check_links, check_nodes
from bot.corosync.conf_values import NUMERIC_KEYS, CType, c_integer, corosync_number_error
from bot.corosync.timing import consensus_default_ms, effective_timing
from bot.model import Severity

__all__ = ["KNOWN_SECTIONS", "ConfFinding", "validate"]

# man corosync.conf(5) lists these top-level sections; coroparse.c also knows uidgid.
KNOWN_SECTIONS = frozenset(
    ["totem", "logging", "quorum", "nodelist", "system", "resources", "nozzle", "uidgid"]
)
PVE_CLUSTER_NAME_MAX = 15  # pve-cluster API2/ClusterConfig.pm: clustername maxLength 15
_CIPHERS = ("none", "aes256", "aes192", "aes128")
_HASHES = ("none", "md5", "sha1", "sha256", "sha384", "sha512")
_IP_VERSIONS = ("ipv4", "ipv6", "ipv6-4", "ipv4-6")
_LINK_MODES = ("active", "passive", "rr")
MINIMUM_TIMEOUT_MS = 30  # totemconfig.c MINIMUM_TIMEOUT: (1000 / HZ) * 3 with HZ = 100
# icmap.c icmap_check_key_name(): 3..255 bytes of letters, digits and . _ - / :
_ICMAP_KEY_NAME = re.compile(r"[A-Za-z0-9._/:-]{3,255}")
# Items of these sections are stored under other names when the section closes (coroparse.c).
_STORED_ELSEWHERE = (
    "logging.logger_subsys",
    "logging.logging_daemon",
    "uidgid",
    "totem.interface.member",
)


_Check = Callable[[CheckContext], Iterable[ConfFinding]]


def validate(doc: ConfDocument, corosync_version: str = "3.1") -> list[ConfFinding]:
    """Every finding for ``doc``, ordered by line (file-wide findings first)."""
    conf = CorosyncConf.from_document(doc)
    context = CheckContext(doc, conf, effective_timing(conf, corosync_version))
    found = [each for check in _CHECKS for each in check(context)]
    return sorted(found, key=lambda f: (f.line or 0, f.code))


# --- values corosync checks while reading the file ---------------------------------------------


def _cmap_names(c: CheckContext) -> Iterator[tuple[ConfItem, str, str]]:
    """Each item with its dotted path and the cmap key corosync stores it under."""
    node_positions = {
        node.number: position
        for nodelist in c.doc.sections("nodelist")
        for position, node in enumerate(nodelist.sections("node"))
    }
    for section, item in walk_items(c.doc.root):
        path = f"{section.path}.{item.key}" if section.path else item.key
        key_name = path
        if section.path == "nodelist.node":  # cmap numbers nodes: nodelist.node.<position>.*
            key_name = f"nodelist.node.{node_positions[section.number]}.{item.key}"
        yield item, path, key_name


def _key_names(c: CheckContext) -> Iterator[ConfFinding]:
    for item, path, key_name in _cmap_names(c):
        if path.startswith(_STORED_ELSEWHERE) or _ICMAP_KEY_NAME.fullmatch(key_name):
            continue
        # A look-alike blank (a UTF-8 no-break space) glued to a key is the usual cause
        # (corosync issue #723); cmap keys are ASCII only.
        yield finding(
            "invalid-key-name",
            Severity.CRITICAL,
            f"key {item.key!r} cannot be stored by corosync: keys may only hold letters, "
            "digits and . _ - / : (look for an invisible character such as a no-break space)",
            item.number,
            f'Can\'t store key "{key_name}" into icmap, returned error is CS_ERR_NAME_TOO_LONG',
        )


def _numbers(c: CheckContext) -> Iterator[ConfFinding]:
    for item, path, key_name in _cmap_names(c):
        ctype = NUMERIC_KEYS.get(path)
        if ctype is None or c_integer(item.value, ctype) is not None:
            continue
        yield finding(
            "not-a-number",
            Severity.CRITICAL,
            f"{path} is {item.value!r}, but corosync needs a whole number from {ctype.low} "
            f"to {ctype.high} there and refuses to start otherwise",
            item.number,
            corosync_number_error(key_name, item.value, ctype),
        )


def _choices(c: CheckContext) -> Iterator[ConfFinding]:
    rules = {
        "ip_version": (_IP_VERSIONS, "Invalid ip_version type"),
        "crypto_cipher": (
            _CIPHERS,
            "Invalid cipher type. Should be none, aes256, aes192 or aes128",
        ),
        "crypto_hash": (
            _HASHES,
            "Invalid hash type. Should be none, md5, sha1, sha256, sha384 or sha512",
        ),
    }
    for section in c.doc.sections("totem"):
        for item in section.items:
            if item.key in rules and item.value not in rules[item.key][0]:
                allowed, error = rules[item.key]
                yield finding(
                    "invalid-value",
                    Severity.CRITICAL,
                    f"totem.{item.key} is {item.value!r}; corosync only accepts "
                    f"{', '.join(allowed)}",
                    item.number,
                    error,
                )
    totem = c.conf.totem
    if totem.link_mode is not None and totem.link_mode not in _LINK_MODES:
        yield finding(
            "invalid-value",
            Severity.CRITICAL,
            f"totem.link_mode is {totem.link_mode!r}; it must be active, passive or rr",
            totem.lines.get("link_mode"),
            f'parse error in config: The Knet link mode "{totem.link_mode}" specified is '
            "invalid.  It must be active, passive or rr.",
        )
    if totem.transport is not None and totem.transport not in ("knet", "udp", "udpu"):
        # Checked against corosync 3.1.7 itself, which refuses to start (older 3.0 code
        # silently kept knet).
        yield finding(
            "unknown-transport",
            Severity.CRITICAL,
            f"totem.transport {totem.transport!r} is not knet, udpu or udp",
            totem.lines.get("transport"),
            "Invalid transport type. Should be udpu, udp or knet",
        )


def _totem_version(c: CheckContext) -> Iterator[ConfFinding]:
    if c.conf.totem.version == 2:
        return
    where = "is missing" if "version" not in c.conf.totem.raw else "is not 2"
    if not c.doc.sections("totem"):
        where = "is missing, as is the whole totem section"
    yield finding(
        "totem-version",
        Severity.CRITICAL,
        f"totem.version {where}; corosync only starts with 'version: 2' in totem",
        c.conf.totem.lines.get("version"),
        "parse error in config: This totem parser can only parse version 2 configurations.",
    )


# --- transport, crypto, timing, quorum ---------------------------------------------------------


def _crypto(c: CheckContext) -> Iterator[ConfFinding]:
    totem = c.conf.totem
    # totem_get_crypto(): secauth: on means aes256/sha256 unless crypto_* say otherwise.
    cipher, digest = ("aes256", "sha256") if totem.secauth == "on" else ("none", "none")
    if totem.crypto_cipher in _CIPHERS:
        cipher = totem.crypto_cipher
    if totem.crypto_hash in _HASHES:
        digest = totem.crypto_hash
    line = totem.lines.get("crypto_cipher") or totem.lines.get("secauth")
    if cipher != "none" and digest == "none":
        yield finding(
            "cipher-without-hash",
            Severity.CRITICAL,
            f"encryption is on ({cipher}) but crypto_hash is none; set crypto_hash too",
            line,
            "crypto_cipher requires crypto_hash with value other than none",
        )
    if c.transport != "knet" and (cipher, digest) != ("none", "none"):
        yield finding(
            "crypto-needs-knet",
            Severity.CRITICAL,
            f"transport {c.transport} cannot encrypt, but crypto_cipher/crypto_hash (or "
            "secauth: on) ask for it; use knet or turn crypto off",
            line or totem.lines.get("crypto_hash"),
            "parse error in config: crypto_cipher & crypto_hash are only valid for the Knet "
            "transport.",
        )


def _knet_only(c: CheckContext) -> Iterator[ConfFinding]:
    if c.transport == "knet":
        return
    for totem in c.doc.sections("totem"):
        for item in totem.items:
            if item.key.startswith("knet_") or item.key == "link_mode":
                yield finding(
                    "knet-option-ignored",
                    Severity.WARNING,
                    f"totem.{item.key} only applies to knet; with {c.transport} it is ignored",
                    item.number,
                )
        for interface in totem.sections("interface"):
            for item in interface.items:
                if item.key == "knet_link_priority" and item.value != "1":
                    yield finding(
                        "knet-option-ignored",
                        Severity.CRITICAL,
                        f"knet_link_priority only works with knet, not {c.transport}",
                        item.number,
                        "parse error in config: Can only set link priority on knet transport type",
                    )
                elif item.key.startswith("knet_"):
                    yield finding(
                        "knet-option-ignored",
                        Severity.WARNING,
                        f"interface {item.key} only applies to knet; with {c.transport} it is "
                        "ignored",
                        item.number,
                    )


def _token_floor(c: CheckContext) -> ConfFinding | None:
    """totem_volatile_config_validate(): the token, then the retransmit timeout it implies."""
    t, totem = c.timing, c.conf.totem
    line = totem.lines.get("token")
    if t.effective_token_ms < MINIMUM_TIMEOUT_MS:
        return finding(
            "token-too-small",
            Severity.CRITICAL,
            f"the effective token is {t.effective_token_ms} ms; corosync needs at least "
            f"{MINIMUM_TIMEOUT_MS} ms",
            line,
            f"parse error in config: The token timeout parameter ({t.effective_token_ms} ms) "
            f"may not be less than ({MINIMUM_TIMEOUT_MS} ms).",
        )
    losses = c_integer(totem.raw.get("token_retransmits_before_loss_const", ""), CType.UINT32)
    explicit = c_integer(totem.raw.get("token_retransmit", ""), CType.UINT32)
    retransmit = explicit or int(t.effective_token_ms / ((losses or 4) + 0.2))
    if retransmit >= MINIMUM_TIMEOUT_MS:
        return None
    error = (
        f"The token retransmit timeout parameter ({retransmit} ms) may not be less than "
        f"({MINIMUM_TIMEOUT_MS} ms)."
        if explicit
        else "Not appropriate token or token_retransmits_before_loss_const value set"
    )
    return finding(
        "token-too-small",
        Severity.CRITICAL,
        f"the token retransmit timeout works out to {retransmit} ms, under corosync's "
        f"minimum of {MINIMUM_TIMEOUT_MS} ms; raise token",
        line,
        f"parse error in config: {error}",
    )


def _timing(c: CheckContext) -> Iterator[ConfFinding]:
    t, totem = c.timing, c.conf.totem
    too_small = _token_floor(c)
    if too_small is not None:
        yield too_small
    join = totem.join or 50  # JOIN_TIMEOUT; 0 means the default
    if join < MINIMUM_TIMEOUT_MS:
        yield finding(
            "join-too-small",
            Severity.CRITICAL,
            f"join is {join} ms; corosync needs at least {MINIMUM_TIMEOUT_MS} ms",
            totem.lines.get("join"),
            f"parse error in config: The join timeout parameter ({join} ms) may not be less "
            f"than ({MINIMUM_TIMEOUT_MS} ms).",
        )
    line = totem.lines.get("consensus")
    # Checked for a computed consensus too: a short token with a long join fails here.
    if t.consensus_ms < max(join, MINIMUM_TIMEOUT_MS):
        # totemconfig.c checks the absolute minimum first, then the join timeout.
        if t.consensus_ms < MINIMUM_TIMEOUT_MS:
            floor, named = f"({MINIMUM_TIMEOUT_MS} ms)", f"{MINIMUM_TIMEOUT_MS} ms"
        else:
            floor, named = f"join timeout ({join} ms)", f"join ({join} ms)"
        yield finding(
            "consensus-below-minimum",
            Severity.CRITICAL,
            f"consensus ({t.consensus_ms} ms) is shorter than {named}",
            line,
            f"parse error in config: The consensus timeout parameter ({t.consensus_ms} ms) "
            f"may not be less than {floor}.",
        )
    minimum = consensus_default_ms(t.effective_token_ms)
    if not t.consensus_is_default and t.consensus_ms < minimum:
        yield finding(
            "consensus-too-small",
            Severity.WARNING,
            f"consensus is {t.consensus_ms} ms, below 1.2 × the effective token "
            f"({t.effective_token_ms} ms) = {minimum} ms that corosync.conf(5) requires; "
            "remove consensus to let corosync compute it",
            line,
        )


def _quorum(c: CheckContext) -> Iterator[ConfFinding]:
    quorum = c.conf.quorum
    if quorum.two_node and len(c.conf.nodes) > 2:
        yield finding(
            "two-node-with-more-nodes",
            Severity.WARNING,
            f"quorum.two_node is set but the nodelist has {len(c.conf.nodes)} nodes; "
            "two_node is only for clusters of exactly two nodes",
            quorum.lines.get("two_node"),
        )


def _config_version(c: CheckContext) -> Iterator[ConfFinding]:
    totem = c.conf.totem
    if "config_version" not in totem.raw and c.doc.sections("totem"):
        yield finding(
            "config-version-missing",
            Severity.WARNING,
            "totem.config_version is missing; Proxmox VE's pmxcfs will not copy this file "
            "to /etc/corosync ('unable to parse cluster config_version') and corosync "
            "cannot spot nodes with an older file",
        )
    elif totem.config_version == 0:
        yield finding(
            "config-version-zero",
            Severity.WARNING,
            "totem.config_version is 0; pmxcfs treats 0 as missing and will not sync the "
            "file, and corosync skips its version check; use 1 or more",
            totem.lines.get("config_version"),
        )


def _cluster_name(c: CheckContext) -> Iterator[ConfFinding]:
    name = c.conf.totem.cluster_name
    if name is not None and len(name) > PVE_CLUSTER_NAME_MAX:
        yield finding(
            "cluster-name-long",
            Severity.INFO,
            f"cluster_name {name!r} has {len(name)} characters; corosync accepts it, but "
            f"Proxmox VE's tools allow at most {PVE_CLUSTER_NAME_MAX}",
            c.conf.totem.lines.get("cluster_name"),
        )


# --- file shape --------------------------------------------------------------------------------


def _sections(c: CheckContext) -> Iterator[ConfFinding]:
    counts = Counter(s.name for s in c.doc.sections())
    reported: set[str] = set()
    for section in c.doc.sections():
        if section.name not in KNOWN_SECTIONS:
            yield finding(
                "unknown-section",
                Severity.INFO,
                f"top-level section {section.name!r} is not one corosync 3 knows; it is "
                "stored but has no effect on corosync itself",
                section.number,
            )
        elif counts[section.name] > 1 and section.name not in reported:
            reported.add(section.name)
            yield finding(
                "duplicate-section",
                Severity.WARNING,
                f"there are {counts[section.name]} {section.name} sections; corosync merges "
                "them key by key (later ones win), which is easy to misread",
                section.number,
            )


def _duplicate_keys(c: CheckContext) -> Iterator[ConfFinding]:
    by_place: defaultdict[tuple[int, str], list[ConfItem]] = defaultdict(list)
    paths: dict[int, str] = {}
    for section, item in walk_items(c.doc.root):
        by_place[(section.open_index, item.key)].append(item)
        paths[section.open_index] = section.path
    for (section_index, key), items in by_place.items():
        if len(items) > 1:
            path = ".".join(filter(None, (paths[section_index], key)))
            lines = ", ".join(str(i.number) for i in items)
            yield finding(
                "duplicate-key",
                Severity.WARNING,
                f"{path} is set {len(items)} times (lines {lines}); corosync uses the last one",
                items[-1].number,
            )


_CHECKS: tuple[_Check, ...] = (
    _key_names,
    _numbers,
    _choices,
    _totem_version,
    check_nodes,
    check_addresses,
    check_links,
    _crypto,
    _knet_only,
    _timing,
    _quorum,
    _config_version,
    _cluster_name,
    _sections,
    _duplicate_keys,
)
