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

# Workers next to the web server: one for video jobs (gpu queue), one for synchronous work
# (fast queue: previews, analysis, restore; webhooks queue: deliveries, each with a deadline) with the
# periodic sweeper (-B), so a preview never
# waits behind a long video. The embedded filesystem broker is polled promptly only by the solo
# pool (prefork adds ~2 s per task there).
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; }
trap cleanup EXIT INT TERM
if [ "${ISAMURAI_START_WORKER:-1}" = 1 ]; then
  if [ -n "${REDIS_URL:-}" ]; then pool=(-P prefork --concurrency "${ISAMURAI_WORKER_CONCURRENCY:-1}"); else pool=(-P solo); fi
  .venv/bin/celery -A isamurai_server worker -Q gpu -n gpu@%h "${pool[@]}" --loglevel INFO &
  pids+=($!)
  .venv/bin/celery -A isamurai_server worker -Q fast,webhooks -n fast@%h -P solo -B \
    --schedule "${ISAMURAI_DATA_DIR:-data}/celerybeat-schedule" --loglevel INFO &
  pids+=($!)
fi

cat <<TXT
iSamurai-compatible server starting on http://${ISAMURAI_BIND:-127.0.0.1:8000}/
Create a user and API key:  .venv/bin/python manage.py create_api_user alice --credits 1000
TXT
# Threaded workers: a client trickling a slow upload holds one thread, not a whole process, so
# slow clients can't starve the others (bench/bench_slow_uploads.py).
.venv/bin/gunicorn isamurai_server.wsgi:application \
  --bind "${ISAMURAI_BIND:-127.0.0.1:8000}" --workers "${ISAMURAI_WEB_WORKERS:-2}" \
  --worker-class gthread --threads "${ISAMURAI_WEB_THREADS:-32}" --timeout 300 &
pids+=($!)
wait "${pids[-1]}"
