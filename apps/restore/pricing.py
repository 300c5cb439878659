"""restore-image's price: per image, plus what the chosen whole-photo steps add (``upscale``,
``colorize``: their ``Price`` is declared on the option, ``workers/pipelines/options.py``). All
registered with the kind as ``RESTORE_PRICES``."""
from apps.jobs.kinds import Price
from workers.choices import Upscale
from workers.options import chosen_prices, option_price
from workers.pipelines.options import RestoreOptions

PER_IMAGE = Price("image restore", 1, "ISAMURAI_PRICE_RESTORE")
RESTORE_PRICES = {
    "image": PER_IMAGE,
    "upscale_auto": option_price(RestoreOptions, "upscale", Upscale.AUTO),
    "upscale_1x": option_price(RestoreOptions, "upscale", Upscale.X1),
    "upscale_2x": option_price(RestoreOptions, "upscale", Upscale.X2),
    "upscale_4x": option_price(RestoreOptions, "upscale", Upscale.X4),
    "colorize": option_price(RestoreOptions, "colorize", True),
}


def restore_price(*, options: RestoreOptions | None = None) -> int:
    """The per-image price plus each chosen option's (a request without them: the per-image price)."""
    return PER_IMAGE.credits() + sum(price.credits() for price in chosen_prices(options or RestoreOptions()))
