#!/usr/bin/env bash
# `manage.py check --deploy` with the documented production environment (docs/production.env),
# placeholders filled with random values: it must report no warning (--fail-level WARNING).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
declare -a assignments=()
while IFS= read -r line; do
  [[ -z "$line" || "$line" == \#* ]] && continue
  name="${line%%=*}"
  value="${line#*=}"
  if [[ "$value" == \<* ]]; then
    value="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(48))')"
    [[ "$name" == ISAMURAI_ADMIN_PATH ]] && value="ops-${value:0:8}/"
  fi
  assignments+=("$name=$value")
done < docs/production.env
exec env "${assignments[@]}" "$PYTHON" manage.py check --deploy --fail-level WARNING "$@"
