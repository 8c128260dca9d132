#!/usr/bin/env bash
# The README's test command: sets up everything, then runs lint, types, layering and all tests
# (unit and lab). Run as root on Debian 12. Extra arguments go to pytest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$QB_ROOT"

echo "== ruff" && ruff check bot tests benchmarks scripts && ruff format --check bot tests benchmarks scripts
echo "== mypy --strict" && mypy
echo "== import-linter" && lint-imports
echo "== pytest" && pytest "$@"
