"""What an output is, for its C2PA manifest (light: each job kind states its own, in its app; the
marks themselves are built on a worker by ``apps.core.marking``)."""
from dataclasses import dataclass


@dataclass(frozen=True)
class OutputProvenance:
    """What an output is, for its C2PA manifest. Each job kind states its own, in its app
    (``provenance`` of its spec in apps.jobs.kinds)."""

    digital_source_type: str
    description: str
