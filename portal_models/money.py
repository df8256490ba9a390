"""Money is Decimal with a currency. Rounding and minor units are decided here, once."""

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# ISO 4217 currencies without minor units (Stripe's "zero-decimal" currencies we support).
ZERO_DECIMAL_CURRENCIES = {"JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF"}


def exponent(currency: str) -> int:
    """The currency's minor units: ISO 4217 (Babel / CLDR), and 0 for Stripe's zero-decimal currencies."""
    from babel.numbers import get_currency_precision

    currency = (currency or "USD").upper()
    return 0 if currency in ZERO_DECIMAL_CURRENCIES else get_currency_precision(currency)


@lru_cache(maxsize=1)
def currency_choices() -> tuple[tuple[str, str], ...]:
    """ISO 4217 currencies whose amounts have at most 2 minor digits (what the money columns store)."""
    from babel.numbers import get_currency_name, list_currencies

    return tuple(
        sorted(
            (code, f"{code} – {get_currency_name(code, locale='en')}")
            for code in list_currencies()
            if len(code) == 3 and exponent(code) <= 2
        )
    )


def quantize(amount: Decimal, currency: str = "USD") -> Decimal:
    step = Decimal(1).scaleb(-exponent(currency))
    return Decimal(amount).quantize(step, rounding=ROUND_HALF_UP)


def to_minor_units(amount: Decimal, currency: str) -> int:
    return int(quantize(amount, currency).scaleb(exponent(currency)))


def from_minor_units(value: int, currency: str) -> Decimal:
    return quantize(Decimal(value).scaleb(-exponent(currency)), currency)


def format_money(amount: Decimal | None, currency: str = "USD", *, language: str | None = None) -> str:
    """An amount as people of the language write it (Babel / CLDR): en $1,234.56, es 1.234,56 US$.

    ``language`` defaults to the active Django language.
    """
    if amount is None:
        return ""
    from django.conf import settings
    from django.utils import translation

    currency = (currency or "USD").upper()
    amount = quantize(amount, currency)
    locale, pattern = _currency_pattern(
        translation.to_locale(language or translation.get_language() or settings.LANGUAGE_CODE)
    )
    # what babel.numbers.format_currency does, without parsing the locale again for every amount of a page
    return pattern.apply(amount, locale, currency=currency, currency_digits=True)


@lru_cache(maxsize=64)
def _currency_pattern(locale_name: str):
    from babel import Locale

    locale = Locale.parse(locale_name)
    return locale, locale.currency_formats["standard"]
