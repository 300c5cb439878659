# syntax=docker/dockerfile:1
#
# One file, two runnable targets (docs/deploy.md has the whole stack):
#
#   cpu  the API server (gunicorn), the fast-queue worker with the job sweeper (beat), and a
#        CPU-only gpu-queue worker for machines without an NVIDIA GPU
#          docker build --target cpu -t isamurai:cpu .
#   gpu  the gpu-queue worker: onnxruntime-gpu on CUDA 12 + cuDNN 9
#          docker build --target gpu -t isamurai:gpu .
#
# Both run Ubuntu 24.04's Python 3.12 at /usr/bin/python3, so the virtual environment built in the
# `venv-*` stages (from one wheelhouse) is copied as it is. ffmpeg comes from Ubuntu's packages.
# Model weights are not in the image: mount a volume at ISAMURAI_MODELS_DIR (/models) and run
# `python manage.py download_models` (the compose `migrate` service does). Media lives on a volume
# at ISAMURAI_MEDIA_ROOT (/data/media). Processes run as the unprivileged user `isamurai` (uid 10001).

ARG UBUNTU_IMAGE=ubuntu:24.04
# ONNX Runtime 1.23 (requirements-gpu.txt) is built for CUDA 12.x and cuDNN 9: any CUDA 12 runtime
# image with cuDNN 9 on Ubuntu 24.04 works (CUDA minor-version compatibility), e.g. 12.6.3 for
# older drivers. CUDA 13 needs a newer onnxruntime-gpu too (docs/deploy.md).
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

# ---- wheels: every wheel both images need, resolved and built once ---------------------------
FROM ${UBUNTU_IMAGE} AS wheels
ENV DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1
# A compiler only in case some dependency has no binary wheel for this platform. Ubuntu's package
# versions are not pinned: the archive drops old versions, the release (24.04) is the pin.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv python3-dev build-essential ca-certificates \
 && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/pip
WORKDIR /src
COPY requirements.txt requirements-gpu.txt ./
RUN --mount=type=cache,target=/root/.cache/pip \
    /opt/pip/bin/pip wheel --wheel-dir /wheels -r requirements.txt -r requirements-gpu.txt

# ---- venv-cpu / venv-gpu: the same venv path, installed from the wheelhouse only -------------
FROM wheels AS venv-cpu
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --no-index --find-links /wheels -r requirements.txt

FROM wheels AS venv-gpu
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --no-index --find-links /wheels -r requirements-gpu.txt

# ---- cpu: API server and CPU workers ----------------------------------------------------------
FROM ${UBUNTU_IMAGE} AS cpu
COPY docker/install-runtime.sh /tmp/install-runtime.sh
RUN sh /tmp/install-runtime.sh && rm /tmp/install-runtime.sh
COPY --from=venv-cpu /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=isamurai_server.settings \
    ISAMURAI_DATA_DIR=/data \
    ISAMURAI_MEDIA_ROOT=/data/media \
    ISAMURAI_MODELS_DIR=/models \
    ISAMURAI_BIND=0.0.0.0:8000 \
    ISAMURAI_ORT_PROVIDERS=cpu
WORKDIR /app
# The code belongs to root: the service user can read it, not change it.
COPY . /app
# Static files are collected at build time (WhiteNoise serves them). The dummy key and broker
# URL only keep settings from writing a secret or broker folders into the image.
RUN python -m compileall -q /app \
 && SECRET_KEY=collectstatic-only REDIS_URL=redis://collectstatic-only \
    python manage.py collectstatic --noinput -v0 \
 && chown -R isamurai:isamurai /data \
 && chmod 0755 /app/docker/entrypoint.sh
USER 10001:10001
VOLUME ["/data/media", "/models"]
EXPOSE 8000
# Web: GET /api/health/ answers 200 when the database and broker answer (docker/healthcheck.py).
# The compose file gives the worker services their own check (celery inspect ping).
HEALTHCHECK --interval=30s --timeout=15s --start-period=30s --retries=3 \
    CMD ["python", "/app/docker/healthcheck.py"]
ENTRYPOINT ["tini", "--", "/app/docker/entrypoint.sh"]
CMD ["web"]

# ---- gpu: the CUDA worker for the gpu queue ---------------------------------------------------
FROM ${CUDA_IMAGE} AS gpu
COPY docker/install-runtime.sh /tmp/install-runtime.sh
RUN sh /tmp/install-runtime.sh && rm /tmp/install-runtime.sh
COPY --from=venv-gpu /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=isamurai_server.settings \
    ISAMURAI_DATA_DIR=/data \
    ISAMURAI_MEDIA_ROOT=/data/media \
    ISAMURAI_MODELS_DIR=/models \
    ISAMURAI_BIND=0.0.0.0:8000 \
    ISAMURAI_ORT_PROVIDERS=cuda,cpu
WORKDIR /app
COPY . /app
RUN python -m compileall -q /app \
 && chown -R isamurai:isamurai /data \
 && chmod 0755 /app/docker/entrypoint.sh
USER 10001:10001
VOLUME ["/data/media", "/models"]
# The worker answers a ping from its main process even while its pool runs a long video job.
HEALTHCHECK --interval=60s --timeout=30s --start-period=60s --retries=3 \
    CMD ["sh", "-c", "celery -A isamurai_server inspect ping -d gpu@$HOSTNAME --timeout 10 >/dev/null"]
ENTRYPOINT ["tini", "--", "/app/docker/entrypoint.sh"]
CMD ["celery", "-A", "isamurai_server", "worker", "-Q", "gpu", "-n", "gpu@%h", "--concurrency", "1", "--loglevel", "INFO"]
