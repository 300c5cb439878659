"""What a user's plan allows, checked when a request is submitted: before anything is charged and
before a worker spends time on it. A refusal is a 403 naming the limit and the plan.

The server-wide limits (ISAMURAI_MAX_VIDEO_SECONDS, ISAMURAI_MAX_IMAGE_PIXELS) still apply to
everyone first (apps.core.uploads); a plan can only lower them."""
from pathlib import Path

from django.conf import settings

from apps.core.exceptions import ApplicationError
from workers.choices import QUALITIES
from workers.errors import ErrorCategory, MediaError
from workers.imaging.codec import ImageHeader

from .models import Plan, User
from .selectors import plan_for_user_get

# Enough of a file for ImageHeader to read the size of a JPEG with large EXIF blocks or a PNG.
_IMAGE_HEAD_BYTES = 512 * 1024
PRICING_PATH = "/pricing/"


class PlanLimitExceeded(ApplicationError):
    """403: the request asks for more than the user's plan allows; nothing was charged."""

    category = ErrorCategory.FORBIDDEN

    def __init__(self, *, plan: Plan, limit: str, allowed: object, requested: object, sentence: str) -> None:
        super().__init__(
            f"{sentence} That is the limit of your plan '{plan.name}'; nothing was charged. "
            f"See {PRICING_PATH} for plans with higher limits.",
            details={"plan_limit": {"limit": limit, "plan_id": plan.pk, "plan": plan.name,
                                    "allowed": allowed, "requested": requested}},
        )
        self.limit = limit
        self.plan = plan


def image_pixels_get(source: Path | bytes) -> int | None:
    """width x height of an image (a file or its bytes) from its header; None when it isn't a
    readable image (the upload checks say why)."""
    if isinstance(source, Path):
        with open(source, "rb") as handle:
            source = handle.read(_IMAGE_HEAD_BYTES)
    try:
        header = ImageHeader(source)
    except MediaError:
        return None
    return header.width * header.height


def plan_limits_check(
    *,
    user: User,
    video_seconds: float | None = None,
    quality: str | None = None,
    image_pixels: int | None = None,
) -> None:
    """Raise PlanLimitExceeded for the first of the plan's limits the request goes past."""
    plan = plan_for_user_get(user=user)
    if plan is None:
        return
    if plan.max_video_seconds is not None and video_seconds is not None and video_seconds > plan.max_video_seconds:
        raise PlanLimitExceeded(
            plan=plan, limit="max_video_seconds", allowed=plan.max_video_seconds, requested=round(video_seconds, 2),
            sentence=f"The video is {video_seconds:.1f} seconds long; videos may be at most "
                     f"{plan.max_video_seconds} seconds, so trim it and send it again.")
    if plan.max_quality and quality in QUALITIES and _quality_rank(quality) > _quality_rank(plan.max_quality):
        raise PlanLimitExceeded(
            plan=plan, limit="max_quality", allowed=plan.max_quality, requested=quality,
            sentence=f"Quality {quality} is above the highest allowed, {plan.max_quality}; ask for "
                     f"{plan.max_quality} or lower.")
    if plan.max_image_pixels is not None and image_pixels is not None and image_pixels > plan.max_image_pixels:
        raise PlanLimitExceeded(
            plan=plan, limit="max_image_pixels", allowed=plan.max_image_pixels, requested=image_pixels,
            sentence=f"The image has {image_pixels:,} pixels ({image_pixels / 1e6:.1f} MP); images may have at "
                     f"most {plan.max_image_pixels:,} ({plan.max_image_pixels / 1e6:.1f} MP), so downscale it.")


def plan_label_required(*, user: User) -> bool:
    plan = plan_for_user_get(user=user)
    return plan is not None and plan.visible_label_required


def output_label_get(*, user: User, requested: bool | None) -> bool:
    """Whether an output carries the visible label: always when the plan says so, else the
    request's choice, else the server's default."""
    if plan_label_required(user=user):
        return True
    return settings.ISAMURAI_VISIBLE_LABEL if requested is None else requested


def _quality_rank(quality: str) -> int:
    return QUALITIES.values.index(quality)
