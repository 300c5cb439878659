"""The options schemas: defaults equal to the API's, values read once into their enums, bad
values refused with the workers' user-facing error naming the option and what it takes, and the
models and prices a value needs read from the declaration."""
import pytest

from workers.choices import (
    FACE_SELECTIONS,
    QUALITIES,
    FaceMaskType,
    Interpolator,
    Quality,
    RestoreMode,
    SlowdownFactor,
    SlowMotionMode,
)
from workers.model_zoo.names import ENHANCER_MODEL, OCCLUDER_MODEL, PARSER_MODEL, SWAPPER_MODEL
from workers.options import OptionsSchema, Price, chosen_prices, option_price, options_parse, required_models
from workers.pipelines.context import PipelineError
from workers.pipelines.options import RestoreOptions, SlowMotionOptions, faceswap_options


def test_defaults_are_the_api_defaults():
    assert faceswap_options() == faceswap_options(gquality=QUALITIES.default, enhance=False, multi=False,
                                                  media_type=None, face_selection=FACE_SELECTIONS.default)
    assert options_parse(SlowMotionOptions) == SlowMotionOptions(
        slowdown_factor=2, mode="slowmo", quality="720p", interpolator="auto")
    assert options_parse(RestoreOptions).mode is RestoreMode.RESTORE


def test_values_become_their_enums_once():
    options = options_parse(SlowMotionOptions, slowdown_factor="4x", mode=" FPS ", quality="1080P",
                            interpolator="Flow")
    assert (options.slowdown_factor, options.mode, options.quality, options.interpolator) == (
        SlowdownFactor.X4, SlowMotionMode.FPS, Quality.P1080, Interpolator.FLOW)
    assert faceswap_options(gquality="480P", enhance=1).gquality is Quality.P480
    assert faceswap_options(face_mask="box, occlusion,box").face_mask == (FaceMaskType.BOX, FaceMaskType.OCCLUSION)
    assert options_parse(SlowMotionOptions, options) is options


def test_a_mapping_is_read_and_unknown_keys_ignored():
    options = faceswap_options({"gquality": "1080p", "face_selection": "all", "media_type": None, "analysis": []})
    assert options == faceswap_options(gquality="1080p", face_selection="all")


@pytest.mark.parametrize("make, message", [
    (lambda: faceswap_options(gquality="4k"), "'4k' is not a valid quality; use 480p, 720p or 1080p."),
    (lambda: faceswap_options(face_selection="left"), "'left' is not a valid face_selection; use reference or all."),
    (lambda: faceswap_options(media_type="audio"), "'audio' is not a valid media_type; use image or video."),
    (lambda: faceswap_options(face_mask="box,hands"), "'hands' is not a valid face_mask"),
    (lambda: faceswap_options(face_mask_padding=90), "face_mask_padding must be between 0 and 40."),
    (lambda: options_parse(SlowMotionOptions, slowdown_factor=3), "'3' is not a valid slowdown_factor; use 2, 4 or 8."),
    (lambda: options_parse(SlowMotionOptions, interpolator="magic"), "use auto, rife or flow"),
    (lambda: options_parse(RestoreOptions, mode="paint"), "'paint' is not a valid mode; use restore or face_enhance."),
])
def test_bad_values_raise_the_user_facing_error(make, message):
    with pytest.raises(PipelineError) as raised:
        make()
    assert message in raised.value.user_message


def test_the_models_a_value_needs_come_from_its_declaration():
    # The swapper is an option too (swap_model, default inswapper_128).
    assert required_models(faceswap_options()) == [SWAPPER_MODEL]
    assert required_models(faceswap_options(enhance=True)) == [SWAPPER_MODEL, ENHANCER_MODEL]
    assert required_models(faceswap_options(face_mask="box,region,occlusion", enhance=True)) == [
        SWAPPER_MODEL, PARSER_MODEL, OCCLUDER_MODEL, ENHANCER_MODEL]
    assert required_models(faceswap_options(swap_model="ghost_2_256")) == ["ghost_2_256", "crossface_ghost"]


def test_prices_are_declared_next_to_the_values():
    assert option_price(SlowMotionOptions, "slowdown_factor", 8) == Price(
        "slow motion 8x, per second of input", 7, "ISAMURAI_PRICE_SLOWMO_8X")
    assert chosen_prices(faceswap_options(enhance=True)) == [
        Price("preview with enhance", 2, "ISAMURAI_PRICE_PREVIEW_ENHANCE")]
    assert chosen_prices(faceswap_options()) == []


def test_a_priced_choice_must_price_every_value():
    """Adding a factor without its price fails where it is declared, not as a KeyError at checkout."""
    from typing import Annotated

    from workers.choices import SLOWDOWN_FACTORS
    from workers.options import Option

    with pytest.raises(TypeError, match="no Price for"):
        class _Unpriced(OptionsSchema):
            factor: Annotated[SlowdownFactor, Option("Factor", choices=SLOWDOWN_FACTORS, prices={
                SlowdownFactor.X2: Price("x2", 1, "ISAMURAI_PRICE_TEST_X2")})] = SlowdownFactor.X2


def test_an_option_switched_on_by_another_counts_only_with_it():
    """enhance_model is declared with Option(when="enhance"): its model counts only while the swap
    enhances; restore (no enhance field) always enhances faces, so always counts it."""
    from workers.choices import EnhanceModel
    from workers.model_zoo.names import CODEFORMER_MODEL, COLORIZER_MODEL, UPSCALER_X4_MODEL

    baseline = required_models(faceswap_options())  # the default swapper's weights
    assert required_models(faceswap_options(enhance_model="codeformer")) == baseline
    assert required_models(faceswap_options(enhance=True, enhance_model="codeformer")) == [*baseline, CODEFORMER_MODEL]
    assert faceswap_options(enhance=True, enhance_model="CodeFormer").enhance_model is EnhanceModel.CODEFORMER
    assert required_models(options_parse(RestoreOptions)) == [ENHANCER_MODEL]
    assert required_models(options_parse(RestoreOptions, upscale="4", colorize=True, enhance_model="codeformer")) == [
        UPSCALER_X4_MODEL, COLORIZER_MODEL, CODEFORMER_MODEL]


def test_restore_prices_add_per_option_and_a_plain_restore_adds_nothing():
    assert sum(price.credits() for price in chosen_prices(options_parse(RestoreOptions))) == 0
    assert sum(price.credits() for price in chosen_prices(
        options_parse(RestoreOptions, upscale="4", colorize=True))) == 2 + 1


@pytest.mark.parametrize("make, message", [
    (lambda: faceswap_options(enhance_model="gfpgan_9"), "'gfpgan_9' is not a valid enhance_model"),
    (lambda: faceswap_options(codeformer_fidelity=1.5), "codeformer_fidelity must be between 0.0 and 1.0."),
    (lambda: options_parse(RestoreOptions, upscale="8"), "'8' is not a valid upscale; use auto, 1, 2 or 4."),
    (lambda: options_parse(RestoreOptions, mode="face_enhance", colorize=True), "apply to mode=restore only"),
])
def test_bad_enhancer_and_restore_values_name_the_field(make, message):
    with pytest.raises(PipelineError) as raised:
        make()
    assert message in raised.value.user_message
