import pytest

from apps.slowmotion.pricing import slowmotion_price
from apps.swap.pricing import faceswap_video_price, preview_price


@pytest.mark.parametrize(("seconds", "credits"), [(7.2, 6), (7.0, 6), (60.0, 50), (0.4, 1), (11.8, 10), (0.0, 1)])
def test_video_swap_price_is_prorated_and_rounded_up(seconds, credits):
    assert faceswap_video_price(duration_seconds=seconds) == credits


@pytest.mark.parametrize(("factor", "seconds", "credits"), [(2, 3.1, 7), (4, 3.1, 10), (8, 3.1, 22), (2, 1.0, 2)])
def test_slowmotion_price_per_second_by_factor(factor, seconds, credits):
    assert slowmotion_price(factor=factor, duration_seconds=seconds) == credits


def test_preview_price_and_settings_override(settings):
    assert (preview_price(enhance=False), preview_price(enhance=True)) == (1, 2)
    settings.ISAMURAI_PRICES = {**settings.ISAMURAI_PRICES, "video_swap_per_minute": 120}
    assert faceswap_video_price(duration_seconds=7.2) == 15
