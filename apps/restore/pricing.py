"""restore-image's price: flat per image (registered with the kind as ``RESTORE_PRICES``)."""
from apps.jobs.kinds import Price

PER_IMAGE = Price("image restore", 1, "ISAMURAI_PRICE_RESTORE")
RESTORE_PRICES = {"image": PER_IMAGE}


def restore_price() -> int:
    return PER_IMAGE.credits()
