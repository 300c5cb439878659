"""The contract between the job engine and a media pipeline.

A pipeline is a plain function `run(ctx: PipelineContext) -> Path`: it reads `ctx.inputs`,
writes its result under `ctx.output_dir`, calls `ctx.report_progress(fraction)` as it goes and
`ctx.check_cancelled()` between frames (which raises JobCancelled once the job is stopped).
The engine owns everything else: status, credits, retries, cleanup.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Defined with the rest of the error taxonomy; importable from here, where pipelines look.
from workers.errors import JobCancelled, PipelineError

__all__ = ["JobCancelled", "Pipeline", "PipelineContext", "PipelineError", "pipeline_load"]


@dataclass
class PipelineContext:
    inputs: Mapping[str, Path]
    options: Mapping[str, Any]
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

    @property
    def frame_marker(self) -> Callable[[Any], Any] | None:
        return self.marker.mark_frame if self.marker is not None else None


Pipeline = Callable[[PipelineContext], Path]


def pipeline_load(dotted: str) -> Pipeline:
    """Resolve 'package.module:function' to the pipeline function."""
    module_name, _, attr = dotted.partition(":")
    if not module_name or not attr:
        raise ValueError(f"pipeline path must look like 'package.module:function', got {dotted!r}")
    function = getattr(importlib.import_module(module_name), attr)
    if not callable(function):
        raise TypeError(f"{dotted} is not callable")
    return function
