#!/usr/bin/env bash
# The README's main command: sets up everything, then runs the quorumbot demo on embedded defaults.
# Run as root on Debian 12. Extra arguments go to `quorumbot demo`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$QB_ROOT"
exec quorumbot demo "$@"
