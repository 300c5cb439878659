"""The one error taxonomy: every failure a user is told about is a :class:`UserFacingError` with a
category. The category alone decides the HTTP status and the job outcome (the table is
``apps.core.errors.ERROR_RULES``); ``workers/`` raises these without knowing about HTTP.
"""
from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import ClassVar


class ErrorCategory(StrEnum):
    BAD_INPUT = "bad_input"  # the caller's input can't be used; they can fix it
    NOT_FOUND = "not_found"  # no such object (or not theirs)
    FORBIDDEN = "forbidden"  # not allowed now, e.g. not enough credits
    CONFLICT = "conflict"  # the object's state or a concurrent request is in the way
    MISMATCH = "mismatch"  # well-formed, but contradicts what the same request said before (Idempotency-Key)
    UNAVAILABLE = "unavailable"  # a model, the GPU or a worker is missing on the server; retry later
    CANCELLED = "cancelled"  # the user stopped the work
    INTERNAL = "internal"  # the server's own failure
    # What only the HTTP edge raises (no worker does); listed so that every status the server
    # answers comes from the one table in apps.core.errors.
    UNAUTHENTICATED = "unauthenticated"  # no or a bad API key
    NOT_ALLOWED = "not_allowed"  # this HTTP method isn't served here
    TOO_LARGE = "too_large"  # the request body is over the server's limit
    UNSUPPORTED_MEDIA = "unsupported_media"  # a body type (or file type) the endpoint doesn't read
    THROTTLED = "throttled"  # too many requests for this key; retry after Retry-After


class UserFacingError(Exception):
    """A failure with one sentence for the user.

    ``user_message`` says what is wrong and how to fix it, safe to show to the API caller;
    ``detail`` carries tool output for the logs only.
    """

    category: ClassVar[ErrorCategory] = ErrorCategory.INTERNAL

    def __init__(self, user_message: str, *, detail: str = "") -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.detail = detail


class WorkerError(UserFacingError):
    """Base class for every error raised under ``workers/``."""


class MediaError(WorkerError):
    """An input or output file that can't be used."""

    category = ErrorCategory.BAD_INPUT


class PipelineError(WorkerError):
    """A pipeline can't do what the job asks (no face in the source, a bad option)."""

    category = ErrorCategory.BAD_INPUT


class InvalidOption(PipelineError, ValueError):
    """An option value a pipeline or processor can't take (a ValueError too, for callers that
    check values the Python way); its sentence names the option and the allowed values."""


class JobCancelled(WorkerError):
    """Raised by a pipeline's ``check_cancelled`` when the user stopped the job; the engine cleans up."""

    category = ErrorCategory.CANCELLED


class ModelUnavailable(WorkerError):
    """A model's weight file isn't installed (or can't be loaded) on this worker."""

    category = ErrorCategory.UNAVAILABLE

    def __init__(self, model_name: str, *, reason: str = "is not installed") -> None:
        self.model_name = model_name
        self.install_command = f"python manage.py download_models --only {model_name}"
        super().__init__(
            f"The model '{model_name}' {reason} on this server; "
            f"an administrator can install it with `{self.install_command}`."
        )


class ModelNotLicensed(ModelUnavailable):
    """Commercial mode is on and a model's licence doesn't allow commercial use: the registry
    refuses to load it, so whatever needs it answers 503 naming it (before any charge)."""

    def __init__(self, model_name: str, *, licence: str) -> None:
        self.model_name = model_name
        self.licence = licence
        self.install_command = ""  # installing it would not help
        WorkerError.__init__(  # its own sentence: ModelUnavailable's says "install it"
            self,
            f"The model '{model_name}' can't be used on this server: its licence ('{licence}') does not allow "
            "commercial use and the server runs in commercial mode (ISAMURAI_COMMERCIAL=true). An administrator "
            "can replace it with a commercially usable model or, holding a commercial licence for it, list it "
            "in ISAMURAI_COMMERCIAL_LICENSED_MODELS.",
        )


class ProviderUnavailable(WorkerError):
    """The configured accelerator (TensorRT/CUDA) can't be used, and CPU fallback isn't allowed."""

    category = ErrorCategory.UNAVAILABLE

    def __init__(self, providers: Sequence[str], *, detail: str = "") -> None:
        self.providers = tuple(providers)
        names = ", ".join(self.providers) or "the configured GPU provider"
        super().__init__(
            f"The server's GPU is not available right now: this worker is configured for {names}, "
            "which it cannot use; try again later (an administrator can install onnxruntime-gpu with "
            "a matching CUDA, or set ISAMURAI_ORT_PROVIDERS=cpu).",
            detail=detail,
        )


class ModelDownloadError(WorkerError):
    """A weight file could not be fetched or failed its checksum."""

    category = ErrorCategory.UNAVAILABLE
