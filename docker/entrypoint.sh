#!/bin/sh
# Container entrypoint (under tini). Two roles by name, anything else runs as given:
#   web    gunicorn on ISAMURAI_BIND (0.0.0.0:8000) with ISAMURAI_WEB_WORKERS processes of
#          ISAMURAI_WEB_THREADS threads, as
#          scripts/serve.sh starts it
#   init   one-shot: apply migrations, then fetch missing model weights into ISAMURAI_MODELS_DIR;
#          a failed download only warns (endpoints that need a missing model answer 503 until
#          `python manage.py download_models` succeeds), a failed migration fails the container
#   ...    e.g. `celery -A isamurai_server worker -Q gpu -n gpu@%h`, `python manage.py shell`
set -eu
cd "$(dirname "$0")/.."

case "${1:-web}" in
  web)
    [ "$#" -gt 0 ] && shift
    exec gunicorn isamurai_server.wsgi:application \
      --bind "${ISAMURAI_BIND:-0.0.0.0:8000}" --workers "${ISAMURAI_WEB_WORKERS:-2}" \
      --worker-class gthread --threads "${ISAMURAI_WEB_THREADS:-32}" --timeout 300 --access-logfile - "$@"
    ;;
  init)
    python manage.py migrate --noinput
    python manage.py download_models \
      || echo "WARNING: some model weights are missing; endpoints that need them answer 503 until 'python manage.py download_models' succeeds." >&2
    python manage.py download_models --list
    ;;
  *)
    exec "$@"
    ;;
esac
