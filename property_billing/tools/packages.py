"""Prices and coverage of prepaid packages, on plain values."""

from decimal import Decimal

from .amounts import round_half_up, to_decimal
from .periods import month_end


def package_line_amount(monthly_amount, months, discount_percent, step):
    """Compute a package line's price: monthly amount × months, less a discount.

    Rounded once to ``step``, halves away from zero, so 12 months of 247.80 at
    5 % off is 2,824.92.

    :param monthly_amount: price of one month of the fee
    :param int months: months the package covers
    :param discount_percent: discount in percent, 0 to 100
    :param step: rounding step, such as Decimal("0.01")
    :rtype: decimal.Decimal
    """
    factor = (Decimal(100) - to_decimal(discount_percent)) / Decimal(100)
    return round_half_up(to_decimal(monthly_amount) * months * factor, step)


def package_end(date_start, months):
    """Return the last day covered by ``months`` whole months from ``date_start``.

    :param date date_start: the first day of a month
    :rtype: date
    """
    year = date_start.year + (date_start.month - 1 + months - 1) // 12
    month = (date_start.month - 1 + months - 1) % 12 + 1
    return month_end(date_start.replace(year=year, month=month))


def covers(date_start, date_end, period_start, period_end):
    """Tell whether [date_start, date_end] contains the whole period."""
    return date_start <= period_start and period_end <= date_end
