"""Late-fee (滞纳金) accrual computed in exact decimal arithmetic.

Conventions, shared by the models and the tests:

- A bill accrues from the day after its due date plus the grace days. The
  grace days are not charged afterwards: a bill due on 31 March with 5 grace
  days first accrues on 6 April.
- Each day accrues ``daily rate × the base still unpaid that day``. A payment
  dated day D lowers the base from day D itself. For example, a bill of
  1,000.00 due on 31 March with 400.00 paid on 5 April accrues 4 days (1-4
  April) on 1,000.00, then 6 days (5-10 April) on 600.00 up to 10 April.
- The accrual date is inclusive: on 10 April the fee covers 10 April.
- Days inside a hold (an open refund or dispute) do not accrue. A hold opened
  on day S and closed on day E covers the days S to E - 1.
- The total is capped at ``cap rate × the base unpaid on the first accrual
  day``, then rounded once, halves away from zero.
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from .amounts import round_half_up, to_decimal

ONE_DAY = timedelta(days=1)


def first_accrual_day(due_date, grace_days):
    """Return the first day on which an unpaid bill accrues a late fee."""
    return due_date + timedelta(days=grace_days + 1)


def attribute_payment(payment, base, total, step):
    """Return the part of a payment that pays the late-fee base of a bill.

    Payments are attributed pro rata: a bill of 1,200.00 whose base is 1,000.00
    puts 1,000/1,200 of every payment on the base. The result is rounded to
    ``step`` and never exceeds ``base``.

    :param payment: amount paid on the bill
    :param base: part of the bill's total that late fees accrue on
    :param total: the bill's total
    :param step: rounding step, such as Decimal("0.01")
    :rtype: decimal.Decimal
    """
    payment, base, total = to_decimal(payment), to_decimal(base), to_decimal(total)
    if total <= 0 or base <= 0 or payment <= 0:
        return Decimal(0)
    return min(round_half_up(payment * base / total, step), base)


def _unpaid_on(day, base, payments):
    paid = sum((amount for date, amount in payments if date <= day), Decimal(0))
    return max(base - paid, Decimal(0))


def _in_hold(day, holds):
    return any(start <= day and (end is None or day < end) for start, end in holds)


def accrued_late_fee(
    base,
    payments,
    daily_rate,
    first_day,
    as_of,
    cap_rate=Decimal(1),
    holds=(),
    step=Decimal("0.01"),
):
    """Compute the late fee a bill has accrued up to and including ``as_of``.

    The result depends only on its arguments, so computing it again for the
    same day, whatever happened in between, gives the same amount.

    :param base: the bill's late-fee base when issued
    :param payments: (date, amount) pairs, the amounts already attributed to
        the base (see :func:`attribute_payment`)
    :param daily_rate: fraction per day, such as Decimal("0.0005") for 0.05 %
    :param date first_day: first day that accrues (see :func:`first_accrual_day`)
    :param date as_of: last day that accrues, inclusive
    :param cap_rate: cap as a fraction of the base unpaid on ``first_day``
    :param holds: (start, end) date pairs. The days from start to end - 1
        do not accrue, and an end of None means the hold is still open.
    :param step: rounding step of the result
    :rtype: decimal.Decimal
    """
    if as_of < first_day:
        return Decimal(0)
    base = to_decimal(base)
    daily_rate = to_decimal(daily_rate)
    payments = [(date, to_decimal(amount)) for date, amount in payments]
    holds = list(holds)
    # Segments of days on which the base and the hold status do not change.
    last = as_of + ONE_DAY
    boundaries = {first_day, last}
    for date, _amount in payments:
        if first_day < date < last:
            boundaries.add(date)
    for start, end in holds:
        for edge in (start, end):
            if edge is not None and first_day < edge < last:
                boundaries.add(edge)
    edges = sorted(boundaries)
    total = Decimal(0)
    for start, end in zip(edges, edges[1:], strict=False):
        if _in_hold(start, holds):
            continue
        days = (end - start).days
        total += _unpaid_on(start, base, payments) * daily_rate * days
    cap = to_decimal(cap_rate) * _unpaid_on(first_day, base, payments)
    return round_half_up(min(total, cap), step)


def percent_to_rate(percent):
    """Convert a percentage typed in a form, such as 0.05, to Decimal("0.0005")."""
    return (
        (to_decimal(percent) / 100)
        .quantize(Decimal("1e-10"), rounding=ROUND_HALF_UP)
        .normalize()
    )
