"""The per-frame processors, found by module: each module of ``workers/processors`` that defines
``PROCESSOR = ProcessorSpec(...)`` is one step of the face swap (as FaceFusion's processor
modules are). Its spec says everything the rest of the server needs:

* ``options``: an :class:`~workers.options.OptionsSchema` with the step's own fields; the face
  swap's options schema is the swap's fields plus every registered step's (so the API, OpenAPI,
  the console and the pipeline pick a new step's option up with no edit);
* where the step sits (``order``: lower runs first; the built-ins use 10 swap, 20 face mask,
  30 colour match, 40 mouth mask, 50 paste back, 60 enhance);
* ``build(setup, options)``: the processor for one job, or None when the options leave it out.

The models a step needs are declared on its options (``Option(models=...)``). A processor module
is read by the web process too (for its options), so it imports at module level only what is
light (pydantic, ``workers.options``, ``workers.choices``, ``workers.model_zoo.names``; numpy
only for annotations, under ``TYPE_CHECKING``); what runs numpy, a model or OpenCV is imported
in ``build`` or the method that uses it (only a worker calls those).

Steps outside this package (tests, plug-ins) are loaded with :func:`processor_module_load`
(the server's ``ISAMURAI_PROCESSOR_MODULES``).
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workers.options import OptionsSchema

if TYPE_CHECKING:
    from workers.processors.base import FaceProcessor

# The modules of this package that are not steps (the machinery around them).
_NOT_STEPS = frozenset({"base", "chain", "frame_swapper", "registry"})


@dataclass(frozen=True)
class ProcessorSetup:
    """What a step's ``build`` may use: the model registry and the job's swapper (its ``swap_model``)."""

    models: Any
    swapper: Any


@dataclass(frozen=True)
class ProcessorSpec:
    name: str
    order: int
    options: type[OptionsSchema]
    build: Callable[[ProcessorSetup, Any], FaceProcessor | None]


_registered: dict[str, ProcessorSpec] = {}
_discovered = False


def processor_register(spec: ProcessorSpec) -> None:
    if spec.name in _registered and _registered[spec.name] is not spec:
        raise ValueError(f"a processor named {spec.name!r} is already registered")
    _registered[spec.name] = spec


def processor_unregister(name: str) -> None:
    _registered.pop(name, None)


def processor_module_load(module_name: str) -> ProcessorSpec:
    """Import a step's module (anywhere on the path) and register its ``PROCESSOR``."""
    spec = importlib.import_module(module_name).PROCESSOR
    processor_register(spec)
    return spec


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    package = importlib.import_module("workers.processors")
    for module in pkgutil.iter_modules(package.__path__):
        if module.name not in _NOT_STEPS and not module.name.startswith("_"):
            found = getattr(importlib.import_module(f"workers.processors.{module.name}"), "PROCESSOR", None)
            if isinstance(found, ProcessorSpec):
                processor_register(found)
    _discovered = True


def processors() -> tuple[ProcessorSpec, ...]:
    """Every registered step, in chain order."""
    _discover()
    return tuple(sorted(_registered.values(), key=lambda spec: (spec.order, spec.name)))
