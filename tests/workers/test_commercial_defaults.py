"""``Option(commercial_default=...)``: the default an option takes in commercial mode. Every
schema's commercial default must need only models whose licence allows commercial use (checked
over every options schema there is, so a new option's is checked the day it is declared)."""
from typing import Annotated

import pytest

from workers.choices import PIXEL_BOOSTS, PixelBoost
from workers.model_zoo.licences import LicencePolicy
from workers.model_zoo.manifest import ModelManifest
from workers.options import Option, OptionsSchema, option_fields, option_licence_refusal, option_value_usable
from workers.pipelines.options import faceswap_options_schema


def _schemas(base=OptionsSchema) -> list[type[OptionsSchema]]:
    found = []
    for schema in base.__subclasses__():
        found += [schema, *_schemas(schema)]
    return found


def test_every_commercial_default_needs_only_commercially_usable_models():
    faceswap_options_schema()  # composes the processors' schemas
    manifest, policy = ModelManifest.load(), LicencePolicy(commercial=True)
    checked = 0
    for schema in _schemas():
        for spec in option_fields(schema, public_only=False):
            default = spec.default_for(commercial=True)
            refused = [model for model in spec.models_of(default) if not policy.allows(manifest.get(model))]
            assert not refused, f"{schema.__name__}.{spec.name}'s commercial default {default!r} needs {refused}"
            checked += 1
    assert checked > 10


class _Boosted(OptionsSchema):
    boost: Annotated[PixelBoost, Option("Boost", choices=PIXEL_BOOSTS, models={PixelBoost("256"): ("inswapper_128",)},
                                        commercial_default=PixelBoost("128"))] = PixelBoost("256")


def test_the_commercial_default_replaces_the_default_only_in_commercial_mode():
    spec = option_fields(_Boosted)[0]
    assert spec.default_for(commercial=False) == PixelBoost("256")
    assert spec.default_for(commercial=True) == PixelBoost("128")
    assert _Boosted().boost == PixelBoost("256")  # the schema's own default is untouched


def test_a_commercial_default_must_be_one_of_the_choices():
    with pytest.raises(TypeError, match="commercial_default 'fast' is not a choice"):
        class _Bad(OptionsSchema):
            boost: Annotated[PixelBoost, Option("Boost", choices=PIXEL_BOOSTS, commercial_default="fast")] = (
                PixelBoost("128"))


def test_the_refusal_names_the_option_value_model_licence_and_what_to_choose():
    manifest = ModelManifest.load()
    refusal = LicencePolicy(commercial=True).refusal
    spec = option_fields(_Boosted)[0]
    sentence = option_licence_refusal(spec, PixelBoost("256"), lambda name: refusal(manifest.get(name)))
    assert sentence.startswith("boost=256 is not available: model 'inswapper_128' is licensed 'InsightFace")
    assert sentence.endswith("Choose boost from: 128, 384, 512, auto.")
    assert option_value_usable(spec, PixelBoost("128"), lambda name: refusal(manifest.get(name)))
    assert option_licence_refusal(spec, PixelBoost("256"), lambda name: None) is None  # not commercial
