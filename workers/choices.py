"""Every option list the API, the console, the database models and the pipelines accept, written once.

Each list is an ``Enum`` (the value's type from the request edge down to the processor: a
request's ``"fps"`` becomes ``SlowMotionMode.FPS`` once and is compared as that) wrapped in an
:class:`OptionChoices` with its labels, its default and the one wording of a bad value. The
options schemas (``workers/pipelines/options.py`` and the processors' own declarations), the
serializers, the console forms and the model fields all read these; nothing else spells the
values out. Lives in ``workers/`` because the pipelines (which import no Django) need the same
lists as the HTTP layer; imports nothing heavy.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum, IntEnum, StrEnum
from typing import Generic, TypeVar

from workers.errors import InvalidOption
from workers.model_zoo import names

Value = TypeVar("Value", bound=Enum)


@dataclass(frozen=True)
class OptionChoices(Generic[Value]):
    """The allowed values of one option, each with a label for people, and the default."""

    field: str
    options: tuple[tuple[Value, str], ...]
    default: Value

    @property
    def enum(self) -> type[Value]:
        return type(self.default)

    def parse(self, value: object) -> Value:
        """The member a request's value names (``"4x"``, ``" FPS "`` and ``4`` are read as people
        write them); InvalidOption (a ValueError) with :meth:`invalid_message` otherwise."""
        if isinstance(value, self.enum):
            return value
        word = str(value).strip().lower()
        for member in self.values:
            if word == str(member.value).lower() or (isinstance(member, int) and word == f"{member.value}x"):
                return member
        raise InvalidOption(self.invalid_message(value))

    @property
    def values(self) -> tuple[Value, ...]:
        return tuple(value for value, _ in self.options)

    def pairs(self) -> list[tuple[Value, str]]:
        """``[(value, label), ...]`` for Django model fields, DRF and form ChoiceFields."""
        return list(self.options)

    def spoken(self) -> str:
        """'480p, 720p or 1080p': the values as a sentence lists them."""
        words = [str(value) for value in self.values]
        return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"

    def invalid_message(self, given: object = "{input}") -> str:
        """The one wording of a bad value, naming the field and what it takes (DRF fills ``{input}``)."""
        return f"'{given}' is not a valid {self.field}; use {self.spoken()}."

    def __contains__(self, value: object) -> bool:
        return value in self.values

    def __iter__(self) -> Iterator[Value]:
        return iter(self.values)


class MediaType(StrEnum):
    """What a face swap's target is (told by the upload check; a job stores it)."""

    IMAGE = "image"
    VIDEO = "video"


class Quality(StrEnum):
    P480 = "480p"
    P720 = "720p"
    P1080 = "1080p"


class FaceSelection(StrEnum):
    REFERENCE = "reference"
    ALL = "all"


class SlowdownFactor(IntEnum):
    X2 = 2
    X4 = 4
    X8 = 8


class SlowMotionMode(StrEnum):
    SLOWMO = "slowmo"
    FPS = "fps"


class RestoreMode(StrEnum):
    RESTORE = "restore"
    FACE_ENHANCE = "face_enhance"


class Interpolator(StrEnum):
    AUTO = "auto"
    RIFE = "rife"
    FLOW = "flow"


class PixelBoost(StrEnum):
    P128 = "128"
    P256 = "256"
    P384 = "384"
    P512 = "512"
    AUTO = "auto"


class SwapModel(StrEnum):
    """The face swapper a swap runs (the model weights each needs: the face_swap processor's
    declaration; the code of each family: workers/faces/swappers.py)."""

    INSWAPPER_128 = "inswapper_128"
    HYPERSWAP_1A_256 = "hyperswap_1a_256"
    HYPERSWAP_1B_256 = "hyperswap_1b_256"
    HYPERSWAP_1C_256 = "hyperswap_1c_256"
    GHOST_1_256 = "ghost_1_256"
    GHOST_2_256 = "ghost_2_256"
    GHOST_3_256 = "ghost_3_256"
    SIMSWAP_256 = "simswap_256"


class FaceMaskType(StrEnum):
    BOX = "box"
    OCCLUSION = "occlusion"
    REGION = "region"


class EnhanceModel(StrEnum):
    """The face enhancer (workers/faces/enhancers.py holds one implementation per value)."""

    GFPGAN_1_4 = "gfpgan_1.4"
    CODEFORMER = "codeformer"
    GPEN_BFR_256 = "gpen_bfr_256"
    GPEN_BFR_512 = "gpen_bfr_512"
    GPEN_BFR_1024 = "gpen_bfr_1024"
    RESTOREFORMER_PLUS_PLUS = "restoreformer_plus_plus"


class Upscale(StrEnum):
    """restore mode's whole-photo step: ``auto`` is the classical cleanup (Lanczos to a 1024 px
    short side, at most 2x, then denoise/colour/sharpen), ``1`` the same cleanup at the photo's
    own size; 2 and 4 run Real-ESRGAN x2 / x4."""

    AUTO = "auto"
    X1 = "1"
    X2 = "2"
    X4 = "4"

    @property
    def factor(self) -> int:
        """The model's factor (the classical cleanup's own is decided by the photo's size)."""
        return 1 if self is Upscale.AUTO else int(self.value)

    @property
    def model_based(self) -> bool:
        return self.factor > 1


class ContentPolicyMode(StrEnum):
    """What the content policy does with a score over the threshold (apps/core/content_policy.py)."""

    OFF = "off"
    FLAG = "flag"
    BLOCK = "block"


class SignupMode(StrEnum):
    """Who may make an account (ISAMURAI_SIGNUP, apps/membership)."""

    CLOSED = "closed"  # only the operator (admin, create_api_user)
    INVITE = "invite"  # with a single-use code made in the admin
    OPEN = "open"  # anyone with an email address


MEDIA_IMAGE, MEDIA_VIDEO = MediaType.IMAGE, MediaType.VIDEO
MEDIA_TYPES: OptionChoices[MediaType] = OptionChoices(
    "media_type", ((MediaType.IMAGE, "Image"), (MediaType.VIDEO, "Video")), MediaType.VIDEO)

QUALITIES: OptionChoices[Quality] = OptionChoices(
    "quality", ((Quality.P480, "480p"), (Quality.P720, "720p"), (Quality.P1080, "1080p")), Quality.P720)

FACE_SELECTIONS: OptionChoices[FaceSelection] = OptionChoices(
    "face_selection",
    ((FaceSelection.REFERENCE, "The main person (most prominent face of the first frame)"),
     (FaceSelection.ALL, "Every face")),
    FaceSelection.REFERENCE)

SLOWDOWN_FACTORS: OptionChoices[SlowdownFactor] = OptionChoices(
    "slowdown_factor", ((SlowdownFactor.X2, "2×"), (SlowdownFactor.X4, "4×"), (SlowdownFactor.X8, "8×")),
    SlowdownFactor.X2)

SLOWMOTION_MODES: OptionChoices[SlowMotionMode] = OptionChoices(
    "mode",
    ((SlowMotionMode.SLOWMO, "Slow motion (N× longer)"),
     (SlowMotionMode.FPS, "FPS boost (same length, N× frame rate)")),
    SlowMotionMode.SLOWMO)

RESTORE_MODES: OptionChoices[RestoreMode] = OptionChoices(
    "mode", ((RestoreMode.RESTORE, "Restore the whole photo"), (RestoreMode.FACE_ENHANCE, "Enhance faces only")),
    RestoreMode.RESTORE)

ENHANCE_MODELS: OptionChoices[EnhanceModel] = OptionChoices(
    "enhance_model",
    ((EnhanceModel.GFPGAN_1_4, "GFPGAN 1.4"), (EnhanceModel.CODEFORMER, "CodeFormer (fidelity adjustable)"),
     (EnhanceModel.GPEN_BFR_256, "GPEN-BFR 256"), (EnhanceModel.GPEN_BFR_512, "GPEN-BFR 512"),
     (EnhanceModel.GPEN_BFR_1024, "GPEN-BFR 1024"), (EnhanceModel.RESTOREFORMER_PLUS_PLUS, "RestoreFormer++")),
    EnhanceModel.GFPGAN_1_4)

UPSCALES: OptionChoices[Upscale] = OptionChoices(
    "upscale",
    ((Upscale.AUTO, "Classical cleanup (small photos to 1024 px, at most 2x)"),
     (Upscale.X1, "Classical cleanup, same size"), (Upscale.X2, "2x (Real-ESRGAN)"),
     (Upscale.X4, "4x (Real-ESRGAN)")),
    Upscale.AUTO)
# The weights each enhancer runs on (workers/faces/enhancers.py builds the enhancer itself).
ENHANCER_WEIGHTS: dict[EnhanceModel, str] = {
    EnhanceModel.GFPGAN_1_4: names.ENHANCER_MODEL,
    EnhanceModel.CODEFORMER: names.CODEFORMER_MODEL,
    EnhanceModel.GPEN_BFR_256: names.GPEN_BFR_256_MODEL,
    EnhanceModel.GPEN_BFR_512: names.GPEN_BFR_512_MODEL,
    EnhanceModel.GPEN_BFR_1024: names.GPEN_BFR_1024_MODEL,
    EnhanceModel.RESTOREFORMER_PLUS_PLUS: names.RESTOREFORMER_PP_MODEL,
}
# CodeFormer's fidelity weight w (0: best quality, 1: closest to the input); its default is
# FaceFusion's face_enhancer_weight default and CodeFormer's own inference default.
CODEFORMER_FIDELITY_RANGE = (0.0, 1.0)
CODEFORMER_FIDELITY_DEFAULT = 0.5

INTERPOLATORS: OptionChoices[Interpolator] = OptionChoices(
    "interpolator",
    ((Interpolator.AUTO, "RIFE when installed, else optical flow"), (Interpolator.RIFE, "RIFE (ONNX)"),
     (Interpolator.FLOW, "Optical flow")),
    Interpolator.AUTO)

CONTENT_POLICY_MODES: OptionChoices[ContentPolicyMode] = OptionChoices(
    "ISAMURAI_CONTENT_POLICY",
    ((ContentPolicyMode.OFF, "Off"), (ContentPolicyMode.FLAG, "Flag for review"),
     (ContentPolicyMode.BLOCK, "Refuse")),
    ContentPolicyMode.BLOCK)

SIGNUP_MODES: OptionChoices[SignupMode] = OptionChoices(
    "ISAMURAI_SIGNUP",
    ((SignupMode.CLOSED, "Closed (the operator makes accounts)"), (SignupMode.INVITE, "By invitation"),
     (SignupMode.OPEN, "Open")),
    SignupMode.CLOSED)

# -- face swap quality options (issue 15) ---------------------------------------------------------

PIXEL_BOOSTS: OptionChoices[PixelBoost] = OptionChoices(
    "pixel_boost",
    ((PixelBoost.P128, "128 px (the model's own size)"), (PixelBoost.P256, "256 px"), (PixelBoost.P384, "384 px"),
     (PixelBoost.P512, "512 px"), (PixelBoost.AUTO, "From the face's size in the output")),
    PixelBoost.P128)

SWAP_MODELS: OptionChoices[SwapModel] = OptionChoices(
    "swap_model",
    ((SwapModel.INSWAPPER_128, "inswapper 128 (InsightFace; non-commercial)"),
     (SwapModel.HYPERSWAP_1A_256, "HyperSwap 1a 256 (FaceFusion; ResearchRAIL-MS)"),
     (SwapModel.HYPERSWAP_1B_256, "HyperSwap 1b 256 (FaceFusion; ResearchRAIL-MS)"),
     (SwapModel.HYPERSWAP_1C_256, "HyperSwap 1c 256 (FaceFusion; ResearchRAIL-MS)"),
     (SwapModel.GHOST_1_256, "GHOST 1 256 (ai-forever; Apache-2.0)"),
     (SwapModel.GHOST_2_256, "GHOST 2 256 (ai-forever; Apache-2.0)"),
     (SwapModel.GHOST_3_256, "GHOST 3 256 (ai-forever; Apache-2.0)"),
     (SwapModel.SIMSWAP_256, "SimSwap 256 (non-commercial)")),
    SwapModel.INSWAPPER_128)

FACE_MASK_TYPES: OptionChoices[FaceMaskType] = OptionChoices(
    "face_mask",
    ((FaceMaskType.BOX, "Feathered box"), (FaceMaskType.OCCLUSION, "Keep what covers the face (XSeg)"),
     (FaceMaskType.REGION, "Face regions only: skin, brows, eyes, nose, lips (face parser)")),
    FaceMaskType.BOX)

# Numeric ranges of the mask options (inclusive); defaults give today's paste mask.
FACE_MASK_BLUR_RANGE = (0.0, 1.0)
FACE_MASK_PADDING_RANGE = (0, 40)
FACE_MASK_BLUR_DEFAULT = 0.3
FACE_MASK_PADDING_DEFAULT = 8
