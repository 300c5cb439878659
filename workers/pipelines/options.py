"""The typed options of each pipeline, checked once when they are made.

The job engine builds these from a job row (``Job.pipeline_options``) and hands them to the
pipeline in :class:`~workers.pipelines.context.PipelineContext`; a pipeline never reads a loose
mapping. A bad value raises :class:`~workers.pipelines.context.PipelineError`, the workers'
user-facing error, with one sentence naming the option and what it takes.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from workers.choices import (
    FACE_SELECTIONS,
    INTERPOLATORS,
    MEDIA_TYPES,
    QUALITIES,
    RESTORE_MODES,
    SLOWDOWN_FACTORS,
    SLOWMOTION_MODES,
)
from workers.pipelines.context import PipelineError
from workers.pipelines.sources import SwapSources
from workers.processors.chain import QUALITY_OPTION_NAMES, FrameProcessing

OptionsT = TypeVar("OptionsT", bound="PipelineOptions")


def _word(value: object) -> str:
    return str(value).strip().lower()


class PipelineOptions:
    """Base of the option dataclasses: ``coerce`` accepts the dataclass itself or a mapping of
    its field names (benchmarks and tests write options as dicts)."""

    @classmethod
    def coerce(cls: type[OptionsT], value: OptionsT | Mapping[str, Any] | None) -> OptionsT:
        if isinstance(value, cls):
            return value
        given = dict(value or {})
        known = {field.name for field in fields(cls)}  # type: ignore[arg-type]
        return cls(**{name: given[name] for name in known if name in given and given[name] is not None})


@dataclass(frozen=True)
class FaceSwapOptions(PipelineOptions):
    """A face-swap job's options (single and multi person, image or video target)."""

    gquality: str = QUALITIES.default
    enhance: bool = False
    multi: bool = False
    # "image" / "video" as the submission saw it; None lets the pipeline sniff the file.
    media_type: str | None = None
    face_selection: str = FACE_SELECTIONS.default
    # What the submission-time check found (who goes where, with embeddings); None: the job's
    # source images are analysed by the pipeline. A stored JSON list is read into SwapSources.
    sources: SwapSources | None = None
    # The per-frame quality steps (issue 15); absent = the swap as it always was.
    pixel_boost: str = FrameProcessing.pixel_boost
    color_match: bool = FrameProcessing.color_match
    mouth_mask: bool = FrameProcessing.mouth_mask
    face_mask: tuple[str, ...] | str = FrameProcessing.face_mask
    face_mask_blur: float = FrameProcessing.face_mask_blur
    face_mask_padding: int = FrameProcessing.face_mask_padding
    video_stability: bool = FrameProcessing.video_stability

    @property
    def processing(self) -> FrameProcessing:
        return FrameProcessing(enhance=self.enhance, **{name: getattr(self, name) for name in QUALITY_OPTION_NAMES})

    def __post_init__(self) -> None:
        if self.sources is not None and not isinstance(self.sources, SwapSources):
            object.__setattr__(self, "sources", SwapSources.from_json(self.sources))
        object.__setattr__(self, "gquality", _word(self.gquality))
        if self.gquality not in QUALITIES:
            raise PipelineError(f"The quality must be one of {', '.join(QUALITIES)}; got {self.gquality!r}.")
        if self.face_selection not in FACE_SELECTIONS:
            raise PipelineError(f"face_selection must be one of {', '.join(FACE_SELECTIONS)}.")
        if self.media_type is not None and self.media_type not in MEDIA_TYPES:
            raise PipelineError(f"media_type must be one of {', '.join(MEDIA_TYPES)}; got {self.media_type!r}.")
        object.__setattr__(self, "enhance", bool(self.enhance))
        object.__setattr__(self, "multi", bool(self.multi))
        try:
            processing = FrameProcessing.from_options({name: getattr(self, name) for name in QUALITY_OPTION_NAMES})
        except (TypeError, ValueError) as exc:
            raise PipelineError(str(exc)) from None
        for name in QUALITY_OPTION_NAMES:
            object.__setattr__(self, name, getattr(processing, name))


@dataclass(frozen=True)
class SlowMotionOptions(PipelineOptions):
    """A slow-motion / FPS-boost job's options (see workers.pipelines.slowmotion)."""

    factor: int = SLOWDOWN_FACTORS.default
    mode: str = SLOWMOTION_MODES.default
    quality: str = QUALITIES.default
    interpolator: str = INTERPOLATORS.default

    def __post_init__(self) -> None:
        try:
            factor = int(_word(self.factor).rstrip("x"))
        except ValueError:
            factor = 0
        if factor not in SLOWDOWN_FACTORS:
            raise PipelineError(f"The slow-down factor must be {SLOWDOWN_FACTORS.spoken()}; got {self.factor!r}.")
        object.__setattr__(self, "factor", factor)
        for name, choices in (("mode", SLOWMOTION_MODES), ("quality", QUALITIES),
                              ("interpolator", INTERPOLATORS)):
            value = _word(getattr(self, name))
            if value not in choices:
                raise PipelineError(f"The {name} must be one of {', '.join(choices)}; got {value!r}.")
            object.__setattr__(self, name, value)


@dataclass(frozen=True)
class RestoreOptions(PipelineOptions):
    """A restore call's options: ``restore`` cleans the whole photo, ``face_enhance`` only faces."""

    mode: str = RESTORE_MODES.default

    def __post_init__(self) -> None:
        if self.mode not in RESTORE_MODES:
            raise PipelineError(f"mode must be one of {', '.join(RESTORE_MODES)}.")
