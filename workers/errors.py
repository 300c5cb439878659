"""Exceptions the HTTP layer and the Celery tasks translate into answers for users."""
from __future__ import annotations


class WorkerError(Exception):
    """Base class for every error raised under ``workers/``."""


class MediaError(WorkerError):
    """An input or output file that can't be used.

    ``user_message`` is one sentence saying what is wrong and how to fix it, safe to show to
    the API caller; ``detail`` carries tool output for the logs only.
    """

    def __init__(self, user_message: str, *, detail: str = "") -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.detail = detail


class ModelUnavailable(WorkerError):
    """A model's weight file isn't installed (the HTTP layer answers 503)."""

    def __init__(self, model_name: str, *, reason: str = "is not installed") -> None:
        self.model_name = model_name
        self.install_command = f"python manage.py download_models --only {model_name}"
        self.user_message = (
            f"The model '{model_name}' {reason} on this server; "
            f"an administrator can install it with `{self.install_command}`."
        )
        super().__init__(self.user_message)


class ProviderUnavailable(WorkerError):
    """The configured accelerator (TensorRT/CUDA) can't be used, and CPU fallback isn't allowed."""


class ModelDownloadError(WorkerError):
    """A weight file could not be fetched or failed its checksum."""
