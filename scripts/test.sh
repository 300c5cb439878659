#!/usr/bin/env bash
# Sets up and runs the whole test suite (lint first). Uses DATABASE_URL / REDIS_URL when set
# (CI sets PostgreSQL and Redis), else the embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements-dev.txt
.venv/bin/ruff check .
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null \
  || { echo "models changed without a migration: run manage.py makemigrations" >&2; exit 1; }
exec .venv/bin/python -m pytest "$@"
