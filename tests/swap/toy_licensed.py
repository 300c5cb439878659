"""A toy step whose option values need models under different licences, to test commercial mode
(``ISAMURAI_COMMERCIAL``) generically, the way a real option such as ``swap_model`` will use it:
``toy_model=open`` needs GFPGAN (Apache-2.0), ``toy_model=closed`` inswapper (non-commercial), and
in commercial mode the default becomes ``open`` (``Option(commercial_default=...)``);
``toy_closed_step`` is a switch whose "on" needs inswapper. It changes no pixel.

Loaded by ``ISAMURAI_PROCESSOR_MODULES=tests.swap.toy_licensed``.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from workers.choices import OptionChoices
from workers.model_zoo.names import ENHANCER_MODEL, SWAPPER_MODEL
from workers.options import Option, OptionsSchema
from workers.processors.registry import ProcessorSetup, ProcessorSpec


class ToyModel(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


TOY_MODELS: OptionChoices[ToyModel] = OptionChoices(
    "toy_model", ((ToyModel.OPEN, "Open (GFPGAN, Apache-2.0)"), (ToyModel.CLOSED, "Closed (inswapper)")),
    ToyModel.CLOSED)


class ToyLicensedOptions(OptionsSchema):
    toy_model: Annotated[ToyModel, Option(
        "Toy model", choices=TOY_MODELS, models={ToyModel.OPEN: (ENHANCER_MODEL,), ToyModel.CLOSED: (SWAPPER_MODEL,)},
        commercial_default=ToyModel.OPEN)] = TOY_MODELS.default
    toy_closed_step: Annotated[bool, Option("Toy closed step", models={True: (SWAPPER_MODEL,)})] = False


def build(setup: ProcessorSetup, options: ToyLicensedOptions) -> None:
    return None  # nothing to do to a frame: only the options and their models matter here


PROCESSOR = ProcessorSpec(name="toy_licensed", order=37, options=ToyLicensedOptions, build=build)
