"""Charge amounts computed in exact decimal arithmetic."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

# Rounding steps a fee item may choose, as a multiple of the currency unit.
ROUNDING_STEPS = {
    "currency": None,  # the currency's own rounding (the fen for CNY)
    "tenth": Decimal("0.1"),  # 角 (jiao) for CNY
    "unit": Decimal("1"),  # 元 (yuan) for CNY
}


def to_decimal(value):
    """Convert a float from the ORM to the Decimal it was typed as.

    For example 2.8 becomes Decimal("2.8"), not Decimal("2.79999...").
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(float(value)))


def round_half_up(value, step):
    """Round a Decimal to a multiple of ``step``, halves away from zero."""
    step = to_decimal(step)
    return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def charge_amount(rate, quantity, months, step):
    """Compute rate × quantity × months, rounded once to ``step``.

    :param rate: price per unit of quantity and per month
    :param quantity: area in m², or 1 for a fixed fee
    :param fractions.Fraction months: months covered, prorated by days
    :param step: rounding step, such as Decimal("0.01")
    :rtype: decimal.Decimal
    """
    months = Fraction(months)
    exact = to_decimal(rate) * to_decimal(quantity)
    value = exact * months.numerator / months.denominator
    return round_half_up(value, step)


def rounding_step(rounding, currency_rounding):
    """Return the coarser of the fee item's rounding step and the currency's."""
    currency_step = to_decimal(currency_rounding)
    step = ROUNDING_STEPS.get(rounding)
    if step is None:
        return currency_step
    return max(step, currency_step)
