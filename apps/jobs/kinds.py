"""The registry of job kinds. The engine knows no product: each product app describes its kind
once (a spec) and registers it from its AppConfig.ready(); the engine, the project URLconf, the
console, the admin, the webhooks, provenance and the retention sweep find everything about a
kind here.

A new kind = one app (a Job subclass with its ``KIND``, its pipeline, its spec) added to
``INSTALLED_APPS``; see docs/adding-a-job-kind.md.

Two shapes: a :class:`JobKindSpec` is a queued kind (a ``Job`` row, charged when it starts, run
by a pipeline on a GPU worker); an :class:`InstantKindSpec` is answered within its request (on
the fast queue) and keeps a record of its own instead of a ``Job`` (restore-image).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib import admin
from django.db import models
from rest_framework import serializers

from apps.core.provenance import OutputProvenance
from workers.options import Price  # the one price type (a kind's list and its options' values)

from .models import Job


@dataclass(frozen=True)
class JobVariant:
    """A named flavour of a kind that clients and pages tell apart (e.g. a multi-person swap)."""

    name: str
    label: str


@dataclass(frozen=True)
class ConsolePage:
    """A page of the web console that a kind brings: mounted at /<path> in the console's URL
    namespace under ``name``, listed in the navigation; with a ``button``, also a button on the
    jobs list (a page that creates jobs)."""

    name: str  # URL name in the "console" namespace: "faceswap-new"
    label: str  # the navigation entry: "Face swap"
    path: str  # under the console's root: "new/faceswap/"
    view: Callable[..., Any]
    button: str = ""  # the jobs list's button: "New face swap"
    nav: bool = True  # False: an action's URL (a form's target), not a page to list


@dataclass(frozen=True)
class DetailRow:
    """One fact the console's job page shows about a job of this kind."""

    label: str
    value: str


@dataclass(frozen=True)
class UserFiles:
    """Rows of a kind, besides its jobs, that belong to a user and hold a file (``file_field``):
    what "download my data" exports (under ``folder`` of the zip) and "delete my account" deletes."""

    model: type[models.Model]
    file_field: str
    folder: str


@dataclass(frozen=True, kw_only=True)
class KindParts:
    """What both shapes of kind register."""

    label: str  # what people read: "Face swap"
    provenance: OutputProvenance  # what its outputs are, for their C2PA manifest
    prices: Mapping[Any, Price] = field(default_factory=dict)  # its price list, as data
    options: Any = None  # the options schema of the kind (its typed options; see apps/<app>/options.py)
    urls: str | None = None  # the module whose urlpatterns the project mounts under /api/
    console: tuple[ConsolePage, ...] = ()  # its pages in the web console
    admin: type[admin.ModelAdmin] | None = None  # registered for ``model`` in the admin
    # Rows other than its jobs whose id an output's watermark may carry (a swap's previews).
    marked_outputs: tuple[type[models.Model], ...] = ()
    # Files it keeps besides its jobs', each with what deletes the due ones (called by the retention
    # sweep, answers how many it deleted): (("previews", previews_expire_due),).
    retention: tuple[tuple[str, Callable[[], int]], ...] = ()
    user_files: tuple[UserFiles, ...] = ()  # a user's rows with files, for their export and deletion


@dataclass(frozen=True, kw_only=True)
class JobKindSpec(KindParts):
    model: type[Job]  # the kind's Job subclass; its KIND is the kind's one spelling
    pipeline: str  # "package.module:function" run on a GPU worker (see workers.pipelines.context)
    price: Callable[[Any], int]  # credits to start a Draft job of this kind (reads ``prices``)
    output_serializer: type[serializers.Serializer]  # the job object of API answers and webhooks
    variant: JobVariant | None = None  # what a job whose is_multi() is true is called
    detail_rows: Callable[[Any], list[DetailRow]] | None = None  # the console's facts about one job

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

    def details(self, job: Job) -> list[DetailRow]:
        return self.detail_rows(job) if self.detail_rows else []

    def outputs(self) -> tuple[type[models.Model], ...]:
        return self.marked_outputs


@dataclass(frozen=True, kw_only=True)
class InstantKindSpec(KindParts):
    """A kind answered within its request; ``model`` holds one record per call (its output, its
    charge), which carries the output's watermark id."""

    name: str  # the kind's one spelling: "restore"
    model: type[models.Model]

    @property
    def kind(self) -> str:
        return self.name

    def outputs(self) -> tuple[type[models.Model], ...]:
        return (self.model, *self.marked_outputs)


AnyKindSpec = JobKindSpec | InstantKindSpec

_SPECS: dict[str, AnyKindSpec] = {}


def job_kind_register(spec: AnyKindSpec) -> AnyKindSpec:
    """Called once per kind from its app's ready(); registering a kind twice is a bug. Also
    registers the kind's admin (the admin has discovered admin.py modules by then)."""
    if not spec.kind:
        raise ValueError(f"{spec.model.__name__} has no KIND")
    registered = _SPECS.get(spec.kind)
    if registered is not None and registered != spec:
        raise ValueError(f"job kind {spec.kind!r} is already registered by {registered.model.__name__}")
    _SPECS[spec.kind] = spec
    if spec.admin is not None and not admin.site.is_registered(spec.model):
        admin.site.register(spec.model, spec.admin)
    return spec


def job_kind_get(kind: str) -> JobKindSpec:
    """The queued kind ``kind`` (what a Job row's ``kind`` names)."""
    spec = _SPECS.get(kind)
    if not isinstance(spec, JobKindSpec):
        raise LookupError(f"no job kind {kind!r} is registered (is its app in INSTALLED_APPS?)")
    return spec


def job_kinds() -> list[JobKindSpec]:
    """The queued kinds: those with Job rows."""
    return [spec for spec in _SPECS.values() if isinstance(spec, JobKindSpec)]


def all_kinds() -> list[AnyKindSpec]:
    """Every registered kind, queued and instant, in registration (INSTALLED_APPS) order."""
    return list(_SPECS.values())


def job_kind_for_name(name: str) -> JobKindSpec | None:
    """The queued kind that ``name`` (a kind or a variant's name) names, if any."""
    return next((spec for spec in job_kinds() if name in spec.names()), None)
