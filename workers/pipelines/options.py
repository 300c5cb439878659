"""Each job kind's options schema, declared once (see ``workers/options.py`` for how a field is
declared and what is derived from it).

* face swap: :class:`FaceSwapBaseOptions` (the swap's own fields and the job's facts) plus the
  fields of every registered per-frame processor (``workers/processors``), composed by
  :func:`faceswap_options_schema`;
* slow motion: :class:`SlowMotionOptions`;
* restore: :class:`RestoreOptions`.

The job engine builds the kind's schema object from a job row (``Job.pipeline_options``) and
hands it to the pipeline in :class:`~workers.pipelines.context.PipelineContext`; a pipeline never
reads a loose mapping. A bad value raises :class:`~workers.errors.PipelineError` naming the option
and what it takes. Light: imports no numpy, OpenCV or ONNX (the web process reads these).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

from pydantic import create_model, model_validator

from workers.choices import (
    FACE_SELECTIONS,
    INTERPOLATORS,
    MEDIA_TYPES,
    QUALITIES,
    RESTORE_MODES,
    SLOWDOWN_FACTORS,
    SLOWMOTION_MODES,
    UPSCALES,
    FaceSelection,
    Interpolator,
    MediaType,
    Quality,
    RestoreMode,
    SlowdownFactor,
    SlowMotionMode,
    Upscale,
)
from workers.errors import PipelineError
from workers.model_zoo.names import (
    COLORIZER_MODEL,
    DETECTOR_MODEL,
    EMBEDDER_MODEL,
    RIFE_MODEL,
    UPSCALER_X2_MODEL,
    UPSCALER_X4_MODEL,
)
from workers.options import Option, OptionsSchema, Price, options_parse
from workers.processors.face_enhance import EnhancerOptions
from workers.processors.registry import ProcessorSpec, processors

# What every face swap runs on, whatever its options (the swapper's weights come with its
# choice, swap_model: workers/processors/face_swap.py).
FACESWAP_MODELS = (DETECTOR_MODEL, EMBEDDER_MODEL)
# What a one-frame preview costs before any option adds to it (a chosen value's own Price wins
# when higher: enhance's is "preview_enhance").
PREVIEW_PRICE = Price("preview", 1, "ISAMURAI_PRICE_PREVIEW")


class FaceSwapBaseOptions(OptionsSchema):
    """A face swap's own options (its processors add theirs) and the facts its job records."""

    gquality: Annotated[Quality, Option("Quality", choices=QUALITIES)] = QUALITIES.default
    face_selection: Annotated[FaceSelection, Option("Faces to replace", choices=FACE_SELECTIONS)] = (
        FACE_SELECTIONS.default)
    video_stability: Annotated[bool, Option(
        "Video stability (smooth, fill short gaps)",
        help="Videos: follow each person, smooth the keypoints and swap through short detection gaps.")] = False
    # The job's facts, set by the server: the target's media type as the upload check told it
    # (None lets the pipeline sniff the file), whether it is a multi swap, and what the
    # submission-time check found in the sources (SwapSources as JSON; None: the pipeline
    # analyses the job's source images).
    media_type: Annotated[MediaType | None, Option("Media type", choices=MEDIA_TYPES, public=False)] = None
    multi: Annotated[bool, Option("Multi swap", public=False)] = False
    sources: Annotated[list[dict[str, Any]] | None, Option("Analysed sources", public=False)] = None


@lru_cache(maxsize=8)
def _faceswap_schema(steps: tuple[ProcessorSpec, ...]) -> type[FaceSwapBaseOptions]:
    # pydantic lists the fields of the last base first: the swap's own, then each step in order.
    own = dict.fromkeys(step.options for step in steps if step.options is not OptionsSchema)  # fieldless steps
    bases = tuple(reversed((FaceSwapBaseOptions, *own)))
    return create_model("FaceSwapOptions", __base__=bases, __module__=__name__)


def faceswap_options_schema() -> type[FaceSwapBaseOptions]:
    """The face swap's options schema: its own fields and every registered processor's."""
    return _faceswap_schema(processors())


def faceswap_options(values: Any = None, /, **more: Any) -> Any:
    """A face swap's options object from a mapping or keywords (PipelineError on a bad value)."""
    return options_parse(faceswap_options_schema(), values, **more)


class SlowMotionOptions(OptionsSchema):
    """A slow-motion / FPS-boost job's options (see workers.pipelines.slowmotion). Each factor
    carries its price per second of input video."""

    slowdown_factor: Annotated[SlowdownFactor, Option(
        "Factor", choices=SLOWDOWN_FACTORS,
        prices={
            SlowdownFactor.X2: Price("slow motion 2x, per second of input", 2, "ISAMURAI_PRICE_SLOWMO_2X"),
            SlowdownFactor.X4: Price("slow motion 4x, per second of input", 3, "ISAMURAI_PRICE_SLOWMO_4X"),
            SlowdownFactor.X8: Price("slow motion 8x, per second of input", 7, "ISAMURAI_PRICE_SLOWMO_8X"),
        })] = SLOWDOWN_FACTORS.default
    quality: Annotated[Quality, Option("Quality", choices=QUALITIES)] = QUALITIES.default
    mode: Annotated[SlowMotionMode, Option("Mode", choices=SLOWMOTION_MODES)] = SLOWMOTION_MODES.default
    # The server's choice (ISAMURAI_INTERPOLATOR), not the request's. ``auto`` needs no model (it
    # falls back to optical flow without RIFE's weights); ``rife`` does, checked before any charge.
    interpolator: Annotated[Interpolator, Option("Interpolator", choices=INTERPOLATORS, public=False,
                                                 models={Interpolator.RIFE: (RIFE_MODEL,)})] = (
        INTERPOLATORS.default)


class RestorePhotoOptions(OptionsSchema):
    """Restore's own fields: the mode and, for ``restore``, the whole-photo steps. The prices of
    ``upscale`` and ``colorize`` are what they add to the per-image price (apps/restore/pricing.py)."""

    mode: Annotated[RestoreMode, Option("Mode", choices=RESTORE_MODES)] = RESTORE_MODES.default
    upscale: Annotated[Upscale, Option(
        "Upscale", choices=UPSCALES,
        help="mode=restore: auto = the classical cleanup (small photos enlarged up to 2x), 1 = the same at the "
             "photo's size; 2 or 4 = Real-ESRGAN (output = input x factor).",
        models={Upscale.X2: (UPSCALER_X2_MODEL,), Upscale.X4: (UPSCALER_X4_MODEL,)},
        prices={Upscale.AUTO: Price("restore, classical cleanup (added)", 0, "ISAMURAI_PRICE_RESTORE_UPSCALE_AUTO"),
                Upscale.X1: Price("restore, cleanup at the same size (added)", 0, "ISAMURAI_PRICE_RESTORE_UPSCALE_1X"),
                Upscale.X2: Price("restore, upscale 2x (added)", 1, "ISAMURAI_PRICE_RESTORE_UPSCALE_2X"),
                Upscale.X4: Price("restore, upscale 4x (added)", 2, "ISAMURAI_PRICE_RESTORE_UPSCALE_4X")})] = (
        UPSCALES.default)
    colorize: Annotated[bool, Option(
        "Colourise", help="mode=restore: colour a black-and-white photo (DDColor); a colour photo's own "
                          "colours are replaced.",
        models={True: (COLORIZER_MODEL,)},
        prices={True: Price("restore, colourise (added)", 1, "ISAMURAI_PRICE_RESTORE_COLORIZE")})] = False

    @model_validator(mode="after")
    def _restore_only(self) -> RestorePhotoOptions:
        if self.mode is RestoreMode.FACE_ENHANCE and (self.upscale is not UPSCALES.default or self.colorize):
            raise ValueError("upscale and colorize apply to mode=restore only; use mode=restore, or leave them "
                             "out with mode=face_enhance.")
        return self


class RestoreOptions(EnhancerOptions, RestorePhotoOptions):
    """A restore call's options: ``restore`` cleans the whole photo (the classical cleanup, or
    Real-ESRGAN with ``upscale``; ``colorize`` before it), ``face_enhance`` only restores faces;
    both restore faces with ``enhance_model`` (pydantic lists the last base's fields first)."""


# The largest photo restore answers (the server's ISAMURAI_RESTORE_MAX_OUTPUT_PIXELS): 4096 x 4096.
MAX_OUTPUT_PIXELS = 4096 * 4096


def restore_output_check(*, pixels: int, options: RestoreOptions, max_pixels: int = MAX_OUTPUT_PIXELS) -> None:
    """PipelineError (a 400 naming ``upscale``) when the restored photo would pass ``max_pixels``
    (checked by the service before any work or charge, and again by the pipeline). The classical
    cleanup (``upscale=auto``) keeps its own bounds: at most 2x, and only below a 1024 px side."""
    if options.mode is not RestoreMode.RESTORE or not options.upscale.model_based:
        return
    factor = options.upscale.factor
    if pixels * factor * factor > max_pixels:
        raise PipelineError(
            f"upscale={options.upscale.value} would make a {pixels * factor * factor / 1e6:.1f}-megapixel image; "
            f"the most this server answers is {max_pixels / 1e6:.1f} megapixels: choose a smaller upscale or send "
            f"a photo of at most {max_pixels / (factor * factor) / 1e6:.1f} megapixels.")
