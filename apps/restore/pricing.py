"""restore-image's price: flat per image."""
from apps.jobs.pricing import price_table


def restore_price() -> int:
    return price_table()["restore"]
