"""The registry of job kinds. The engine knows no product: each product app describes its kind
once (a JobKindSpec) and registers it from its AppConfig.ready(); the engine, the webhooks and
the console find the model, pipeline, price, output shape and label of a job here.

A new kind = one app with a Job subclass (its ``KIND``), its pipeline under ``workers/pipelines``
and one ``job_kind_register`` call.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rest_framework import serializers

from apps.core.provenance import OutputProvenance

from .models import Job


@dataclass(frozen=True)
class JobVariant:
    """A named flavour of a kind that clients and pages tell apart (e.g. a multi-person swap)."""

    name: str
    label: str


@dataclass(frozen=True)
class JobKindSpec:
    model: type[Job]  # the kind's Job subclass; its KIND is the kind's one spelling
    label: str  # what people read: "Face swap"
    pipeline: str  # "package.module:function" run on a GPU worker (see workers.pipelines.context)
    price: Callable[[Any], int]  # credits to start a Draft job of this kind
    output_serializer: type[serializers.Serializer]  # the job object of API answers and webhooks
    provenance: OutputProvenance  # what its outputs are, for their C2PA manifest
    variant: JobVariant | None = None  # what a job whose is_multi() is true is called

    @property
    def kind(self) -> str:
        return self.model.KIND

    def names(self) -> tuple[str, ...]:
        """The kind and its variant's name: what stop-job's ``type`` accepts for this kind."""
        return (self.kind, self.variant.name) if self.variant else (self.kind,)

    def display(self, job: Job) -> tuple[str, str]:
        """(name, label) of one job, its variant's when it is one."""
        if self.variant is not None and job.is_multi():
            return self.variant.name, self.variant.label
        return self.kind, self.label

    def job_object(self, job: Job) -> dict[str, Any]:
        """The job as API answers and webhooks carry it."""
        return dict(self.output_serializer(job).data)

    def webhook_payload(self, job: Job, *, event: str) -> dict[str, Any]:
        """What a webhook sends when a job of this kind finishes: the answer's envelope, keyed by kind."""
        return {"event": event, "type": self.kind, self.kind: self.job_object(job)}


_SPECS: dict[str, JobKindSpec] = {}


def job_kind_register(spec: JobKindSpec) -> JobKindSpec:
    """Called once per kind from the product app's ready(); registering a kind twice is a bug."""
    if not spec.model.KIND:
        raise ValueError(f"{spec.model.__name__} has no KIND")
    registered = _SPECS.get(spec.kind)
    if registered is not None and registered != spec:
        raise ValueError(f"job kind {spec.kind!r} is already registered by {registered.model.__name__}")
    _SPECS[spec.kind] = spec
    return spec


def job_kind_get(kind: str) -> JobKindSpec:
    try:
        return _SPECS[kind]
    except KeyError:
        raise LookupError(f"no job kind {kind!r} is registered (is its app in INSTALLED_APPS?)") from None


def job_kinds() -> list[JobKindSpec]:
    return list(_SPECS.values())


def job_kind_for_name(name: str) -> JobKindSpec | None:
    """The kind that ``name`` (a kind or a variant's name) names, if any."""
    return next((spec for spec in _SPECS.values() if name in spec.names()), None)
