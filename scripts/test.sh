#!/usr/bin/env bash
# The whole test suite, as CI runs it: setup, format/lint/type/layer checks, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
V=.venv/bin
# One command per line: under `set -e`, a failure before the last command of an `a && b` list
# does not stop the script, which once let an unformatted file through.
echo "== ruff"
$V/ruff format --check threatmodel tests scripts bench
$V/ruff check threatmodel tests scripts bench
echo "== mypy"
$V/mypy
echo "== import-linter"
$V/lint-imports
echo "== pytest"
$V/python -m pytest -n "${PYTEST_WORKERS:-2}" --dist loadgroup "$@"
