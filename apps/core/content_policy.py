"""The content policy in force: ISAMURAI_CONTENT_POLICY, else block when the NSFW classifier is
installed and off (with a start-up warning) when it isn't; what a scan's score means; and the
check of stored uploads before anything is charged. One of the upload checks (with
core.uploads), so every kind's app can run it without depending on another app."""
import logging
from functools import lru_cache

from django.conf import settings

from workers.choices import CONTENT_POLICY_MODES, ContentPolicyMode
from workers.model_zoo.manifest import ModelManifest
from workers.model_zoo.names import NSFW_MODEL

from .exceptions import ApplicationError
from .fast import fast_task_call

logger = logging.getLogger(__name__)

# The fast task that scores uploads (apps/core/tasks.py), sent by name.
CONTENT_SCAN_TASK = "content_policy.scan"


class ContentRefused(ApplicationError):
    """400: the content policy refused an input; nothing was charged."""


@lru_cache(maxsize=1)
def _manifest() -> ModelManifest:
    """The manifest ships with the code, so it is read once per process; only the file check
    below runs on each request (an operator may install the model while the server runs)."""
    return ModelManifest.load()


def nsfw_model_installed() -> bool:
    return _manifest().get(NSFW_MODEL).path_in(settings.ISAMURAI_MODELS_DIR).is_file()


def content_policy_mode() -> ContentPolicyMode:
    configured = settings.ISAMURAI_CONTENT_POLICY
    if configured:
        return CONTENT_POLICY_MODES.parse(configured)  # ValueError naming the setting and its values
    return ContentPolicyMode.BLOCK if nsfw_model_installed() else ContentPolicyMode.OFF


def content_policy_startup_check() -> None:
    mode = content_policy_mode()
    if not settings.ISAMURAI_CONTENT_POLICY and mode is ContentPolicyMode.OFF:
        logger.warning("content policy is OFF: the NSFW classifier (%s) is not installed; run "
                       "`manage.py download_models --only %s` or set ISAMURAI_CONTENT_POLICY", NSFW_MODEL, NSFW_MODEL)


def content_verdict(*, mode: ContentPolicyMode, score: float, where: str) -> str:
    """'' when the content passes, else the reason; raises ContentRefused in block mode."""
    threshold = settings.ISAMURAI_NSFW_THRESHOLD
    if mode is ContentPolicyMode.OFF or score < threshold:
        return ""
    reason = (f"{where[:1].upper()}{where[1:]} looks like sexual content to the server's content check "
              f"(score {score:.2f}, limit {threshold:.2f})")
    if mode is ContentPolicyMode.BLOCK:
        raise ContentRefused(f"{reason}, which this server does not accept. Nothing was charged.")
    return reason


def content_policy_check(*, images: dict[str, str] | None = None, video: str | None = None,
                         video_name: str = "the video", fields: dict[str, str] | None = None) -> str:
    """The content policy on stored uploads (name -> media path; a video at one frame a second),
    before anything is charged: '' when they pass or the policy is off, the reason to flag them
    in flag mode; in block mode a refusal raises ContentRefused (400). ``fields`` (name -> request
    field) names the field of an image that doesn't decode."""
    mode = content_policy_mode()
    if mode is ContentPolicyMode.OFF:
        return ""
    answer = fast_task_call(CONTENT_SCAN_TASK, kwargs={"images": images or {}, "video": video,
                                                       "video_name": video_name, "fields": fields or {}})
    return content_verdict(mode=mode, **answer["content"])[:255]
