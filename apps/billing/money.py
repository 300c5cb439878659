"""Prices as people write them (Decimal, in a currency) and as Stripe counts them (integers in the
currency's smallest unit)."""
from decimal import ROUND_HALF_UP, Decimal

# Stripe's zero-decimal currencies: their amounts are whole units (https://docs.stripe.com/currencies).
ZERO_DECIMAL_CURRENCIES = frozenset({
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
})


def money_to_minor(*, amount: Decimal, currency: str) -> int:
    """9.99 usd -> 999; 500 jpy -> 500."""
    factor = 1 if currency.lower() in ZERO_DECIMAL_CURRENCIES else 100
    return int((Decimal(amount) * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def money_format(*, minor: int, currency: str) -> str:
    """999, usd -> '9.99 USD'."""
    code = currency.upper()
    if currency.lower() in ZERO_DECIMAL_CURRENCIES:
        return f"{minor} {code}"
    return f"{Decimal(minor) / 100:.2f} {code}"
