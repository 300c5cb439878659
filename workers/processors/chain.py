"""Which processors a job runs, in which order, from its options.

Each step is a module of ``workers/processors`` declaring its ``PROCESSOR`` (see ``registry``);
the chain is every registered step, in its declared order, that the job's options ask for. The
order is fixed where it matters: the swap makes the crop; the masks decide where it may show;
the colour match measures the target inside that final mask; the mouth is cut out after that
(the mouth's colour must not steer the match); the paste blends the crop into the frame; the
enhancer restores the pasted face.
"""
from __future__ import annotations

from typing import Any

from workers.processors.base import FaceProcessor
from workers.processors.registry import ProcessorSetup, processors


def processor_chain(models, swapper: Any, options: Any) -> list[FaceProcessor]:
    """The ordered processors of one job (models loaded here, once); ``options`` is the job's
    face swap options (``workers.pipelines.options``), which holds every step's fields."""
    setup = ProcessorSetup(models=models, swapper=swapper)
    chain = [spec.build(setup, options) for spec in processors()]
    return [processor for processor in chain if processor is not None]
