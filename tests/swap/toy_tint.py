"""A toy per-frame processor, the example of docs/adding-a-processor.md: one module, nothing else
edited. It tints the swapped face (``toy_tint``: none, red or blue) before it is pasted back.

Loaded by ``ISAMURAI_PROCESSOR_MODULES=tests.swap.toy_tint`` (the test's web process and its
worker); a step inside ``workers/processors`` is found without even that.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import numpy as np

from workers.choices import OptionChoices
from workers.options import Option, OptionsSchema
from workers.processors.base import FaceTarget
from workers.processors.registry import ProcessorSetup, ProcessorSpec


class ToyTint(StrEnum):
    NONE = "none"
    RED = "red"
    BLUE = "blue"


TOY_TINTS: OptionChoices[ToyTint] = OptionChoices(
    "toy_tint", ((ToyTint.NONE, "No tint"), (ToyTint.RED, "Red"), (ToyTint.BLUE, "Blue")), ToyTint.NONE)
# BGR channel raised by each tint, and by how much.
TINT_CHANNEL = {ToyTint.RED: 2, ToyTint.BLUE: 0}
TINT_AMOUNT = 60


class ToyTintOptions(OptionsSchema):
    toy_tint: Annotated[ToyTint, Option("Toy tint", choices=TOY_TINTS,
                                        help="Tints the swapped face (a test of the processor registry).")] = (
        TOY_TINTS.default)


class ToyTintProcessor:
    name = "toy_tint"

    def __init__(self, tint: ToyTint) -> None:
        self.channel = TINT_CHANNEL[tint]

    def process(self, frame: np.ndarray, target: FaceTarget) -> None:
        crop = target.crop
        if crop is not None:
            tinted = crop.swapped.astype(np.int16)
            tinted[..., self.channel] += TINT_AMOUNT
            crop.swapped = np.clip(tinted, 0, 255).astype(np.uint8)


def build(setup: ProcessorSetup, options: ToyTintOptions) -> ToyTintProcessor | None:
    return None if options.toy_tint is ToyTint.NONE else ToyTintProcessor(options.toy_tint)


# After the colour match (which would undo the tint), before the mouth mask and the paste.
PROCESSOR = ProcessorSpec(name="toy_tint", order=35, options=ToyTintOptions, build=build)
