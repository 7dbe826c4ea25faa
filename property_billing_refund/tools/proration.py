"""Refund proposals computed from the price actually paid, on plain values.

Nothing here touches the ORM, so the rules can be tested on their own.
"""

import math
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from odoo.addons.property_billing.tools.amounts import round_half_up, to_decimal
from odoo.addons.property_billing.tools.periods import add_months, month_end


def whole_months(start, end):
    """Count the whole calendar months inside [start, end].

    A month counts only when both its first and its last day are inside the
    interval, so 2026-10-15 to 2026-12-31 contains 2 whole months.

    :param date start: first day
    :param date end: last day, inclusive
    :rtype: int
    """
    if end < start:
        return 0
    first = start if start.day == 1 else add_months(start, 1)
    count = 0
    while month_end(first) <= end:
        count += 1
        first = add_months(first, 1)
    return count


def days_between(start, end):
    """Count the days in [start, end], both included; 0 when end is before start."""
    return max((end - start).days + 1, 0)


def unused_share(method, period_start, period_end, ended_on):
    """Return the share of a service period left unused after ``ended_on``.

    :param str method: ``months`` counts whole calendar months, ``days`` counts days
    :param date period_start: first day the payment covers
    :param date period_end: last day the payment covers, inclusive
    :param date ended_on: last day the service was used
    :return: unused part over the whole period, between 0 and 1
    :rtype: fractions.Fraction
    """
    first_unused = max(ended_on + timedelta(days=1), period_start)
    if method == "months":
        total = whole_months(period_start, period_end)
        unused = whole_months(first_unused, period_end)
    elif method == "days":
        total = days_between(period_start, period_end)
        unused = days_between(first_unused, period_end)
    else:
        raise ValueError(f"proration method {method!r} is not 'months' or 'days'")
    if not total:
        return Fraction(0)
    return Fraction(unused, total)


def prorate(paid, share, step):
    """Compute ``paid`` × ``share`` rounded once to ``step``.

    :param paid: amount actually paid for the line, discounts and taxes included
    :param fractions.Fraction share: unused share from :func:`unused_share`
    :param step: rounding step, such as the currency's 0.01
    :rtype: decimal.Decimal
    """
    share = Fraction(share)
    value = to_decimal(paid) * share.numerator / share.denominator
    return round_half_up(value, step)


def handling_fee(amount, fee_type, fee_value, step):
    """Return the handling fee kept on a refund of ``amount``, never above it.

    :param amount: amount before the fee
    :param str fee_type: ``fixed`` (``fee_value`` in money) or ``percent``
    :param fee_value: the fixed amount or the percentage
    :param step: rounding step
    :rtype: decimal.Decimal
    """
    amount = to_decimal(amount)
    if fee_type == "percent":
        fee = round_half_up(amount * to_decimal(fee_value) / Decimal(100), step)
    else:
        fee = to_decimal(fee_value)
    return max(min(fee, amount), Decimal(0))


def allocate(total, weights, step):
    """Split ``total`` over ``weights`` in proportion, in multiples of ``step``.

    Every part is rounded down to ``step`` and the steps left over go to the
    parts that lost the most to the rounding (largest remainder), the first
    one on a tie, so the parts always add up to ``total`` exactly.

    :param total: amount to split, a multiple of ``step``
    :param list weights: one weight per part, such as each line's price
    :param step: rounding step, such as Decimal("0.01")
    :return: one Decimal per weight
    :rtype: list
    """
    step = to_decimal(step)
    weights = [to_decimal(weight) for weight in weights]
    whole = sum(weights)
    if not weights or not whole:
        return [Decimal(0) for _weight in weights]
    units = int((to_decimal(total) / step).to_integral_value(rounding=ROUND_HALF_UP))
    exact = [Fraction(units) * Fraction(weight) / Fraction(whole) for weight in weights]
    parts = [math.floor(value) for value in exact]
    order = sorted(
        range(len(parts)), key=lambda index: (parts[index] - exact[index], index)
    )
    left = units - sum(parts)
    for count in range(left):
        parts[order[count % len(parts)]] += 1
    return [step * part for part in parts]
