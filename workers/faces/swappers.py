"""The swapper of each ``swap_model`` choice: the one place a choice meets its family's code.

The weights each choice needs are declared with the option (``workers/processors/face_swap.py``),
so the API, the check before any charge and the GPU run need the same list.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial

from workers.choices import SWAP_MODELS, SwapModel
from workers.faces.ghost import GhostSwapper
from workers.faces.hyperswap import HyperSwapper
from workers.faces.simswap import SimSwapper
from workers.faces.swapper import InSwapper
from workers.faces.swapper_base import FaceSwapper
from workers.model_zoo.names import (
    GHOST_1_MODEL,
    GHOST_2_MODEL,
    GHOST_3_MODEL,
    HYPERSWAP_1A_MODEL,
    HYPERSWAP_1B_MODEL,
    HYPERSWAP_1C_MODEL,
    SIMSWAP_256_MODEL,
)

SWAPPERS: dict[SwapModel, Callable[[object], FaceSwapper]] = {
    SwapModel.INSWAPPER_128: InSwapper.from_registry,
    SwapModel.HYPERSWAP_1A_256: partial(HyperSwapper.from_registry, name=HYPERSWAP_1A_MODEL),
    SwapModel.HYPERSWAP_1B_256: partial(HyperSwapper.from_registry, name=HYPERSWAP_1B_MODEL),
    SwapModel.HYPERSWAP_1C_256: partial(HyperSwapper.from_registry, name=HYPERSWAP_1C_MODEL),
    SwapModel.GHOST_1_256: partial(GhostSwapper.from_registry, name=GHOST_1_MODEL),
    SwapModel.GHOST_2_256: partial(GhostSwapper.from_registry, name=GHOST_2_MODEL),
    SwapModel.GHOST_3_256: partial(GhostSwapper.from_registry, name=GHOST_3_MODEL),
    SwapModel.SIMSWAP_256: partial(SimSwapper.from_registry, name=SIMSWAP_256_MODEL),
}


def swapper_load(models, swap_model: SwapModel | str = SWAP_MODELS.default) -> FaceSwapper:
    """The job's swapper (its session from the process's model registry, loaded once)."""
    return SWAPPERS[SWAP_MODELS.parse(swap_model)](models)
