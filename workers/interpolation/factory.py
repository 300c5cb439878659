"""Which interpolator a slow-motion job runs: its ``interpolator`` option resolved against the
installed models. Apart from ``base`` so the interface imports none of its implementations."""
from __future__ import annotations

from typing import Any

from workers.choices import INTERPOLATORS, Interpolator
from workers.errors import ModelUnavailable
from workers.interpolation.base import FrameInterpolator
from workers.interpolation.flow import FlowInterpolator
from workers.interpolation.rife import RifeInterpolator
from workers.model_zoo.names import RIFE_MODEL

RIFE_MODEL_NAME = RIFE_MODEL  # the name this module always exported


def resolve_interpolator_name(choice: str | None, models: Any) -> Interpolator:
    """``Interpolator.RIFE`` or ``Interpolator.FLOW`` for a job's ``interpolator`` option.

    ``auto`` picks RIFE when its weights are installed and the classical flow interpolator
    otherwise, so a server without the weight file still serves slow motion.
    """
    choice = INTERPOLATORS.parse(choice or INTERPOLATORS.default)
    if choice is Interpolator.AUTO:
        available = models is not None and models.is_available(RIFE_MODEL_NAME)
        return Interpolator.RIFE if available else Interpolator.FLOW
    return choice


def build_interpolator(choice: str, models: Any = None) -> FrameInterpolator:
    """The interpolator for a job's ``interpolator`` option (``auto``/``rife``/``flow``).

    ``rife`` without installed weights raises ``ModelUnavailable`` (through the registry),
    which the HTTP layer turns into a clear 503.
    """
    name = resolve_interpolator_name(choice, models)
    if name is Interpolator.RIFE:
        if models is None:
            raise ModelUnavailable(RIFE_MODEL, reason="has no model registry configured")
        return RifeInterpolator(models.session(RIFE_MODEL_NAME))
    return FlowInterpolator()
