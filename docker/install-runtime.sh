#!/bin/sh
# Runtime layer shared by the cpu and gpu images (both Ubuntu 24.04): Python 3.12 for the copied
# venv, ffmpeg/ffprobe from Ubuntu's packages, tini as PID 1, and the unprivileged service user
# that owns the data, media and models folders (named volumes mounted there start out owned by it).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 ffmpeg tini ca-certificates
rm -rf /var/lib/apt/lists/*
useradd --uid 10001 --user-group --create-home --home-dir /home/isamurai --shell /usr/sbin/nologin isamurai
install -d -o isamurai -g isamurai -m 0755 /data /data/media /models
