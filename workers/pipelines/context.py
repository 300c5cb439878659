"""The contract between the job engine and a media pipeline.

A pipeline is a plain function `run(ctx: PipelineContext) -> PipelineResult`: it reads
`ctx.inputs` and its typed `ctx.options` (one dataclass per pipeline, workers.pipelines.options,
checked when made), writes its output under `ctx.output_dir`, calls `ctx.report_progress(fraction)`
as it goes and `ctx.check_cancelled()` between frames (which raises JobCancelled once the job is
stopped), and returns the output's path with a report dataclass of what it did. The engine owns
everything else: status, credits, retries, cleanup, and storing the report with the job.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

# Defined with the rest of the error taxonomy; importable from here, where pipelines look.
from workers.errors import JobCancelled, PipelineError

__all__ = ["JobCancelled", "Pipeline", "PipelineContext", "PipelineError", "pipeline_load", "pipeline_part"]


OptionsT = TypeVar("OptionsT")
ReportT = TypeVar("ReportT")


@dataclass
class PipelineContext(Generic[OptionsT]):
    inputs: Mapping[str, Path]
    # The pipeline's options dataclass (workers.pipelines.options); a pipeline also accepts a
    # mapping of the same field names and coerces it, once, on entry.
    options: OptionsT
    output_dir: Path
    report_progress: Callable[[float], None] = field(default=lambda fraction: None)
    check_cancelled: Callable[[], None] = field(default=lambda: None)
    # The process's ModelRegistry (workers.model_zoo.registry), built from the server's settings.
    models: Any = None
    # Limits from settings: max_video_seconds, max_image_pixels, max_output_fps, ...
    limits: Mapping[str, Any] = field(default_factory=dict)
    # The job's OutputMarker (workers.provenance.marking): label and watermark on every output
    # frame (`frame_marker`, also given to the video writer), then the engine signs the file.
    marker: Any = None
    # One part of a split job (workers.video.segments.SegmentRange): the pipeline makes only the
    # output of the frames it keeps; None = the whole input, as always.
    segment: Any = None

    @property
    def marker_period(self) -> int:
        """Every how many frames the marker works its watermark out afresh (1: every frame, or
        no watermark): a split job's parts start on a multiple of it."""
        if self.marker is None or getattr(self.marker, "watermark", None) is None:
            return 1
        return max(1, int(getattr(self.marker, "watermark_refresh", 1)))

    @property
    def frame_marker(self) -> Callable[[Any], Any] | None:
        return self.marker.mark_frame if self.marker is not None else None


@dataclass(frozen=True)
class PipelineResult(Generic[ReportT]):
    """What a pipeline made: the output file and, optionally, a report dataclass about the run."""

    output: Path
    report: ReportT | None = None

    def report_fields(self) -> dict[str, Any]:
        """The report as plain JSON-ready fields, for the job row ({} without a report)."""
        if self.report is None:
            return {}
        if not is_dataclass(self.report):
            raise TypeError(f"a pipeline report must be a dataclass, got {type(self.report).__name__}")
        return asdict(self.report)


Pipeline = Callable[[PipelineContext], PipelineResult]


def pipeline_part(dotted: str, name: str) -> Callable[..., Any] | None:
    """Another entry point of the module of pipeline 'package.module:function' (``segment_plan``,
    ``segments_join``: a pipeline that can split a long job), or None when it has none."""
    module_name, _, _ = dotted.partition(":")
    part = getattr(importlib.import_module(module_name), name, None)
    return part if callable(part) else None


def pipeline_load(dotted: str) -> Pipeline:
    """Resolve 'package.module:function' to the pipeline function."""
    module_name, _, attr = dotted.partition(":")
    if not module_name or not attr:
        raise ValueError(f"pipeline path must look like 'package.module:function', got {dotted!r}")
    function = getattr(importlib.import_module(module_name), attr)
    if not callable(function):
        raise TypeError(f"{dotted} is not callable")
    return function
