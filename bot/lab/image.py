"""The lab's base root filesystem: built once with debootstrap, cached, shared read-only by nodes."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

from bot.lab import host

SUITE = "bookworm"
PACKAGES = (
    "systemd", "systemd-sysv", "dbus", "openssh-server", "corosync", "iproute2",
    "iputils-ping", "netcat-openbsd", "procps", "chrony", "iptables", "ethtool",
)  # fmt: skip
# Bump when customize() changes, so every cache built by an older recipe is rebuilt.
RECIPE_VERSION = 1
READY_MARKER = ".quorumbot-base-ready"

# Debian's chrony unit is skipped without CAP_SYS_TIME, which containers lack; -x lets chronyd
# run and report real sync state without setting the clock.
CHRONY_DROPIN = """[Unit]
ConditionCapability=
[Service]
ExecStart=
ExecStart=!/usr/sbin/chronyd -x
"""
SSHD_DROPIN = """HostKey /etc/ssh/ssh_host_ed25519_key
PasswordAuthentication no
PermitRootLogin prohibit-password
UseDNS no
"""
# Timers that wake up every node for nothing a lab needs; they only cost CPU on 2 cores.
QUIET_UNITS = (
    "apt-daily.timer", "apt-daily-upgrade.timer", "dpkg-db-backup.timer", "e2scrub_all.timer",
    "e2scrub_reap.service", "fstrim.timer", "man-db.timer", "getty@tty1.service",
    "console-getty.service",
)  # fmt: skip


def recipe_key() -> str:
    """A short hash of everything that decides the image's content."""
    recipe = json.dumps({"suite": SUITE, "packages": PACKAGES, "version": RECIPE_VERSION})
    return hashlib.sha256(recipe.encode()).hexdigest()[:12]


def base_rootfs(cache_dir: Path) -> Path:
    return cache_dir / f"base-{recipe_key()}" / "rootfs"


def is_ready(rootfs: Path) -> bool:
    return (rootfs / READY_MARKER).exists()


def ensure_base(cache_dir: Path, mirror: str, report: Callable[[str], None]) -> Path:
    """Return the cached base rootfs, building it first (about a minute) if the recipe changed."""
    rootfs = base_rootfs(cache_dir)
    if is_ready(rootfs):
        return rootfs
    building = rootfs.with_name("rootfs.building")
    shutil.rmtree(building, ignore_errors=True)
    shutil.rmtree(rootfs, ignore_errors=True)
    building.parent.mkdir(parents=True, exist_ok=True)
    report(f"building the node image with debootstrap ({SUITE}; cached in {rootfs.parent})")
    host.run(
        [
            "debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}",
            SUITE, str(building), mirror,
        ],
        timeout_s=1800,
    )  # fmt: skip
    customize(building)
    (building / READY_MARKER).write_text(recipe_key() + "\n")
    building.rename(rootfs)
    return rootfs


def customize(rootfs: Path) -> None:
    """Make the freshly bootstrapped tree a good lab node image."""
    # Each node gets its own host key in its overlay; keys in the base would be shared by all.
    for key in (rootfs / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    dropin = rootfs / "etc/systemd/system/chrony.service.d/quorumbot-lab.conf"
    dropin.parent.mkdir(parents=True, exist_ok=True)
    dropin.write_text(CHRONY_DROPIN)
    (rootfs / "etc/ssh/sshd_config.d/quorumbot-lab.conf").write_text(SSHD_DROPIN)
    masks = rootfs / "etc/systemd/system"
    for unit in QUIET_UNITS:
        link = masks / unit
        link.unlink(missing_ok=True)
        link.symlink_to("/dev/null")
    (rootfs / "etc/machine-id").write_text("")
