#!/usr/bin/env bash
# Installs what quorumbot needs on a Debian 12 machine, as root, idempotently:
# Debian packages for the lab and the tests, then a virtualenv with the project and its dev tools.
# Sourced by scripts/demo.sh and scripts/test.sh; safe to run again (it only does what is missing).
set -euo pipefail

QB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QB_VENV="${QUORUMBOT_VENV:-$QB_ROOT/.venv}"

APT_PACKAGES=(
    python3 python3-venv python3-pip   # the bot runs on Debian's own Python (3.11 on bookworm)
    debootstrap systemd-container      # the lab: node root filesystem and systemd-nspawn
    iproute2 iptables chrony           # the lab: bridge/veth/netns, faults, NTP server for the nodes
    openssh-client                     # lab ssh and host-key tooling
    postgresql                         # the store is tested on PostgreSQL as well as SQLite
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Re-install the Python side only when the project's dependency list changed.
stamp="$QB_VENV/.quorumbot-deps"
want=$(sha256sum "$QB_ROOT/pyproject.toml" | cut -d' ' -f1)
if [[ ! -x "$QB_VENV/bin/python" ]]; then
    /usr/bin/python3 -m venv "$QB_VENV"
fi
if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    echo "bootstrap: installing Python dependencies into $QB_VENV" >&2
    "$QB_VENV/bin/python" -m pip install -q --upgrade pip
    "$QB_VENV/bin/python" -m pip install -q -e "$QB_ROOT[dev]"
    echo "$want" >"$stamp"
fi
export PATH="$QB_VENV/bin:$PATH"
