"""What every kind's price is made of: billable seconds. Each kind's price list is data in its
own app (``JobKindSpec.prices``, :class:`workers.options.Price`); a price an option's value
carries is declared with the option in its schema (``Option(prices=...)``) and registered in the
kind's list too, so every figure has its one ``ISAMURAI_PRICE_*`` override. All prices are whole
credits; durations are taken to the millisecond so float noise from ffprobe never tips a price
over a whole credit."""
from decimal import Decimal


def billable_seconds(duration_seconds: float) -> Decimal:
    return Decimal(str(round(max(duration_seconds, 0.0), 3)))
