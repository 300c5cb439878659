#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks (ffmpeg, python venv) and the project's venv.
# Idempotent: fast when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_packages=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || apt_packages+=(ffmpeg)
command -v python3 >/dev/null 2>&1 || apt_packages+=(python3)
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then apt_packages+=(python3-venv); fi
if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "setup: installing ${apt_packages[*]} with apt-get"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

requirements="${1:-requirements.txt}"
stamp=".venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-$(basename "$requirements")"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r "$requirements"
  if [ "$requirements" != requirements.txt ]; then
    # The test-only reference implementation, without its own dependency pins (see the file).
    .venv/bin/python -m pip install -q --no-deps -r requirements-oracle.txt
  fi
  touch "$stamp"
fi
