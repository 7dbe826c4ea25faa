"""Prices and coverage of prepaid packages, on plain values."""

from datetime import timedelta
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


def uncovered_ranges(period_start, period_end, covered):
    """List the parts of [period_start, period_end] outside every covered range.

    :param date period_start: first day of the period
    :param date period_end: last day of the period, inclusive
    :param covered: iterable of (first day, last day) ranges, inclusive, in
        any order and possibly overlapping
    :return: list of (first day, last day) tuples, in date order; empty when
        the ranges cover the whole period
    :rtype: list
    """
    parts = []
    cursor = period_start
    for start, end in sorted(covered):
        if end < cursor or start > period_end:
            continue
        if start > cursor:
            parts.append((cursor, start - timedelta(days=1)))
        cursor = max(cursor, end + timedelta(days=1))
        if cursor > period_end:
            return parts
    parts.append((cursor, period_end))
    return parts
