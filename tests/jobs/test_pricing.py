import pytest

from apps.jobs.kinds import all_kinds
from apps.slowmotion.pricing import SLOWMOTION_PRICES, slowmotion_price
from apps.swap.pricing import faceswap_video_price, preview_price
from workers.choices import SLOWDOWN_FACTORS
from workers.options import PriceSettingError, option_price
from workers.pipelines.options import SlowMotionOptions, faceswap_options


@pytest.mark.parametrize(("seconds", "credits"), [(7.2, 6), (7.0, 6), (60.0, 50), (0.4, 1), (11.8, 10), (0.0, 1)])
def test_video_swap_price_is_prorated_and_rounded_up(seconds, credits):
    assert faceswap_video_price(duration_seconds=seconds) == credits


@pytest.mark.parametrize(("factor", "seconds", "credits"), [(2, 3.1, 7), (4, 3.1, 10), (8, 3.1, 22), (2, 1.0, 2)])
def test_slowmotion_price_per_second_by_factor(factor, seconds, credits):
    assert slowmotion_price(factor=factor, duration_seconds=seconds) == credits


def test_preview_price_and_env_override(monkeypatch):
    assert (preview_price(faceswap_options()), preview_price(faceswap_options(enhance=True))) == (1, 2)
    monkeypatch.setenv("ISAMURAI_PRICE_VIDEO_SWAP_PER_MINUTE", "120")
    assert faceswap_video_price(duration_seconds=7.2) == 15
    monkeypatch.setenv("ISAMURAI_PRICE_SLOWMO_8X", "1")
    assert slowmotion_price(factor=8, duration_seconds=3.1) == 4
    monkeypatch.setenv("ISAMURAI_PRICE_PREVIEW_ENHANCE", "3")  # a price an option's value declares
    assert preview_price(faceswap_options(enhance=True)) == 3


def test_option_value_prices_are_the_kinds_registered_prices():
    """One price mechanism: a price declared on an option's value (the schema) is the very figure
    the kind registers (so its env variable, and the pricing page, cover it)."""
    for factor in SLOWDOWN_FACTORS.values:
        assert SLOWMOTION_PRICES[factor] is option_price(SlowMotionOptions, "slowdown_factor", factor)
    registered = {id(price) for spec in all_kinds() for price in spec.prices.values()}
    assert all(id(price) in registered for price in SLOWMOTION_PRICES.values())


def test_a_bad_price_variable_is_refused(monkeypatch):
    monkeypatch.setenv("ISAMURAI_PRICE_SLOWMO_4X", "cheap")
    with pytest.raises(PriceSettingError, match="ISAMURAI_PRICE_SLOWMO_4X"):
        slowmotion_price(factor=4, duration_seconds=3.1)


def test_every_slowdown_factor_has_a_price_and_every_price_its_own_variable():
    assert set(SLOWMOTION_PRICES) == set(SLOWDOWN_FACTORS.values)
    variables = [price.env for spec in all_kinds() for price in spec.prices.values()]
    assert len(variables) == len(set(variables))
    documented = {"ISAMURAI_PRICE_PREVIEW", "ISAMURAI_PRICE_PREVIEW_ENHANCE", "ISAMURAI_PRICE_VIDEO_SWAP_PER_MINUTE",
                  "ISAMURAI_PRICE_IMAGE_SWAP", "ISAMURAI_PRICE_SLOWMO_2X", "ISAMURAI_PRICE_SLOWMO_4X",
                  "ISAMURAI_PRICE_SLOWMO_8X", "ISAMURAI_PRICE_RESTORE"}  # the README's
    assert documented <= set(variables)
    assert all(variable.startswith("ISAMURAI_PRICE_") for variable in variables)
