import pytest

from apps.slowmotion.pricing import slowmotion_price
from apps.swap.pricing import faceswap_video_price, preview_price
from workers.pipelines.options import faceswap_options


@pytest.mark.parametrize(("seconds", "credits"), [(7.2, 6), (7.0, 6), (60.0, 50), (0.4, 1), (11.8, 10), (0.0, 1)])
def test_video_swap_price_is_prorated_and_rounded_up(seconds, credits):
    assert faceswap_video_price(duration_seconds=seconds) == credits


@pytest.mark.parametrize(("factor", "seconds", "credits"), [(2, 3.1, 7), (4, 3.1, 10), (8, 3.1, 22), (2, 1.0, 2)])
def test_slowmotion_price_per_second_by_factor(factor, seconds, credits):
    assert slowmotion_price(factor=factor, duration_seconds=seconds) == credits


def test_preview_price_and_settings_override(settings):
    assert (preview_price(faceswap_options()), preview_price(faceswap_options(enhance=True))) == (1, 2)
    settings.ISAMURAI_PRICES = {**settings.ISAMURAI_PRICES, "video_swap_per_minute": 120, "preview_enhance": 3}
    assert faceswap_video_price(duration_seconds=7.2) == 15
    assert preview_price(faceswap_options(enhance=True)) == 3


def test_a_factor_missing_from_the_price_table_takes_its_declared_price(settings):
    """The operator's table may lack a value's entry (a factor added later): the declared Price's
    default applies, never a KeyError."""
    settings.ISAMURAI_PRICES = {key: value for key, value in settings.ISAMURAI_PRICES.items()
                                if key != "slowmo_4x_per_second"}
    assert slowmotion_price(factor=4, duration_seconds=3.1) == 10
