"""What every kind's price is made of: the contract's price table (settings) and billable
seconds. Each product app prices its own kind (its JobKindSpec.price) from these. All prices are
whole credits; durations are taken to the millisecond so float noise from ffprobe never tips a
price over a whole credit."""
from decimal import Decimal

from django.conf import settings

from workers.options import Price


def price_table() -> dict[str, int]:
    return settings.ISAMURAI_PRICES


def billable_seconds(duration_seconds: float) -> Decimal:
    return Decimal(str(round(max(duration_seconds, 0.0), 3)))


def price_get(price: Price) -> int:
    """A declared price (an option value's, a kind's base) as the operator's table sets it."""
    return int(price_table().get(price.setting, price.default))
