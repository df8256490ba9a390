"""Amounts are written as Babel (CLDR) writes them for the language, quantized to the currency's minor units."""

from decimal import Decimal

from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st

from portal_models.money import ZERO_DECIMAL_CURRENCIES, format_money, quantize

LANGUAGES = ["en", "es", "de", "fr", "ja", "pt-br"]
CURRENCIES = ["USD", "EUR", "GBP", "JPY", "MXN", "CHF", "KRW", "BRL"]


@given(
    amount=st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), allow_nan=False, places=4),
    currency=st.sampled_from(CURRENCIES),
    language=st.sampled_from(LANGUAGES),
)
def test_format_money_writes_what_babel_writes(amount, currency, language):
    from django.utils.translation import to_locale

    expected = format_currency(quantize(amount, currency), currency, locale=to_locale(language))
    assert format_money(amount, currency, language=language) == expected


def test_format_money_per_language_and_minor_units():
    assert format_money(Decimal("1234.565"), "USD", language="en") == "$1,234.57"
    assert format_money(Decimal("1234.5"), "EUR", language="es") == "1.234,50\xa0€"
    assert format_money(Decimal("1234.5"), "JPY", language="en") == "¥1,235"
    assert "JPY" in ZERO_DECIMAL_CURRENCIES
    assert format_money(None, "USD") == ""
