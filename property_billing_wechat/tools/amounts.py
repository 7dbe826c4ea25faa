"""Conversion between currency amounts and WeChat Pay's integer fen."""

from decimal import Decimal

from odoo.tools import float_repr


def amount_to_fen(amount, currency):
    """Convert an amount of ``currency`` to integer minor units (fen for CNY).

    The amount is first rounded with the currency's rounding, then printed with
    the currency's decimal places and converted in Decimal arithmetic, so 19.90
    gives 1990 and 263.90 gives 26390 whatever the float's binary error.

    :param float amount: amount in major units (yuan)
    :param currency: the `res.currency` record of the amount
    :rtype: int
    """
    digits = currency.decimal_places
    text = float_repr(currency.round(amount), digits)
    minor = Decimal(text).scaleb(digits)
    if minor != minor.to_integral_value():
        raise ValueError(f"{text} has more than {digits} decimal places")
    return int(minor)


def fen_to_amount(fen, currency):
    """Convert integer minor units of ``currency`` to a float amount.

    :param int fen: amount in minor units
    :param currency: the `res.currency` record of the amount
    :rtype: float
    """
    return float(Decimal(int(fen)).scaleb(-currency.decimal_places))
