"""Billing periods, cycles and day-based proration on plain dates.

Nothing here touches the ORM, so the rules can be tested on their own.
"""

import calendar
from datetime import date, timedelta
from fractions import Fraction

CYCLE_MONTHS = (1, 3, 6, 12)


def month_start(day):
    return day.replace(day=1)


def month_end(day):
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day, months):
    """Return the first day of the month ``months`` after the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_count(start, end):
    """Count the calendar months that [start, end] touches, both included."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def is_whole_months(start, end):
    """Tell whether [start, end] starts on a 1st and ends on a month's last day."""
    return start.day == 1 and end == month_end(end) and start <= end


def cycle_start(day, cycle_months):
    """Return the first day of the billing cycle that contains ``day``.

    Cycles are aligned on January: a 3-month cycle starts in January, April,
    July and October, a 6-month cycle in January and July.
    """
    if cycle_months not in CYCLE_MONTHS:
        raise ValueError(f"cycle of {cycle_months} months is not one of {CYCLE_MONTHS}")
    month_index = (day.month - 1) // cycle_months * cycle_months
    return date(day.year, month_index + 1, 1)


def cycle_end(start, cycle_months):
    return add_months(start, cycle_months) - timedelta(days=1)


def month_fraction(start, end):
    """Count the months in [start, end] with each month prorated by its days.

    A whole calendar month counts 1; a part of a month counts the days covered
    over the days in that month, so 2024-02-15 to 2024-02-29 is 15/29.

    :param date start: first day covered
    :param date end: last day covered, inclusive
    :rtype: fractions.Fraction
    """
    if end < start:
        return Fraction(0)
    total = Fraction(0)
    cursor = start
    while cursor <= end:
        last_of_month = month_end(cursor)
        covered_until = min(end, last_of_month)
        days_in_month = last_of_month.day
        covered_days = (covered_until - cursor).days + 1
        total += Fraction(covered_days, days_in_month)
        cursor = covered_until + timedelta(days=1)
    return total


def billable_blocks(run_start, run_end, cycle_months, fee_start, fee_end=None):
    """List the parts of a fee assignment that a run over [run_start, run_end] bills.

    A fee is billed in advance, one cycle at a time. The part of a cycle that
    the assignment covers is billed by the run whose period contains the day
    billing of that part begins: the cycle's first day, or the assignment's
    start when it starts inside the cycle. So a quarterly fee for April to June
    is billed by the April run, and an assignment starting on 15 May bills 15
    May to 30 June in the May run.

    :param date run_start: first day of the run's period (a 1st)
    :param date run_end: last day of the run's period
    :param int cycle_months: 1, 3, 6 or 12
    :param date fee_start: first day the fee applies to the unit
    :param fee_end: last day the fee applies, or None when open-ended
    :return: list of (cycle_start, charge_start, charge_end) tuples, where
        [charge_start, charge_end] is the part of the cycle to bill
    """
    blocks = []
    # A cycle that began before the run can still hold an assignment start
    # inside the run, so the scan starts at the cycle containing run_start.
    cursor = cycle_start(run_start, cycle_months)
    while cursor <= run_end:
        block_end = cycle_end(cursor, cycle_months)
        charge_start = max(cursor, fee_start)
        charge_end = block_end if fee_end is None else min(block_end, fee_end)
        if charge_start <= charge_end and run_start <= charge_start <= run_end:
            blocks.append((cursor, charge_start, charge_end))
        cursor = add_months(cursor, cycle_months)
    return blocks
