#!/usr/bin/env bash
# First run on one machine: embedded defaults (SQLite, a broker that needs no server) unless
# DATABASE_URL / REDIS_URL say otherwise. Starts the API server on ISAMURAI_BIND (127.0.0.1:8000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements.txt
py=.venv/bin/python

$py manage.py migrate --noinput -v0
$py manage.py collectstatic --noinput -v0
if $py manage.py help download_models >/dev/null 2>&1; then
  $py manage.py download_models || echo "WARNING: some model weights are missing; endpoints that need them answer 503 until 'python manage.py download_models' succeeds." >&2
fi

cat <<TXT
iSamurai-compatible server starting on http://${ISAMURAI_BIND:-127.0.0.1:8000}/
Create a user and API key:  .venv/bin/python manage.py create_api_user alice --credits 1000
TXT
exec .venv/bin/gunicorn isamurai_server.wsgi:application \
  --bind "${ISAMURAI_BIND:-127.0.0.1:8000}" --workers "${ISAMURAI_WEB_WORKERS:-2}" --timeout 300
