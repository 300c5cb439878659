"""The content policy in force: ISAMURAI_CONTENT_POLICY, else block when the NSFW classifier is
installed and off (with a start-up warning) when it isn't; and what a scan's score means."""
import logging
from functools import lru_cache

from django.conf import settings

from apps.core.exceptions import ApplicationError
from workers.choices import CONTENT_POLICY_MODES, ContentPolicyMode
from workers.model_zoo.manifest import ModelManifest
from workers.model_zoo.names import NSFW_MODEL

logger = logging.getLogger(__name__)


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
