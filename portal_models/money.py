"""Money is Decimal with a currency. Rounding and minor units are decided here, once."""

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# ISO 4217 currencies without minor units (Stripe's "zero-decimal" currencies we support).
ZERO_DECIMAL_CURRENCIES = {"JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF"}
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "JPY": "¥", "MXN": "MX$"}


def exponent(currency: str) -> int:
    return 0 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 2


def quantize(amount: Decimal, currency: str = "USD") -> Decimal:
    step = Decimal(1).scaleb(-exponent(currency))
    return Decimal(amount).quantize(step, rounding=ROUND_HALF_UP)


def to_minor_units(amount: Decimal, currency: str) -> int:
    return int(quantize(amount, currency).scaleb(exponent(currency)))


def from_minor_units(value: int, currency: str) -> Decimal:
    return quantize(Decimal(value).scaleb(-exponent(currency)), currency)


def format_money(amount: Decimal | None, currency: str = "USD") -> str:
    if amount is None:
        return ""
    amount = quantize(amount, currency)
    symbol = SYMBOLS.get(currency.upper())
    sign = "-" if amount < 0 else ""
    digits = f"{abs(amount):,.{exponent(currency)}f}"
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {currency.upper()}"
