"""Sending hours and retry delays of owner notifications, on plain values."""

import re
from datetime import datetime, time, timedelta

import pytz

# Owners get no message from 21:00 to 08:00 in the community's time zone.
QUIET_START = time(21, 0)
QUIET_END = time(8, 0)
# First retry of a failed send after 5 minutes, then 10, 20, 40 minutes.
RETRY_BASE_DELAY = timedelta(minutes=5)
MAX_ATTEMPTS = 5


def next_send_time(now, tz_name):
    """Return the first moment at or after ``now`` outside the quiet hours.

    :param datetime now: naive UTC datetime, as Odoo stores datetimes
    :param str tz_name: the community's time zone, such as "Asia/Shanghai"
    :return: naive UTC datetime
    :rtype: datetime
    """
    tz = pytz.timezone(tz_name or "UTC")
    local = pytz.utc.localize(now).astimezone(tz)
    local_time = local.time()
    if QUIET_END <= local_time < QUIET_START:
        return now
    day = local.date()
    if local_time >= QUIET_START:
        day += timedelta(days=1)
    morning = tz.localize(datetime.combine(day, QUIET_END))
    return morning.astimezone(pytz.utc).replace(tzinfo=None)


def retry_delay(attempts):
    """Return the delay before the next try after ``attempts`` failed sends.

    :param int attempts: failed sends so far, 1 or more
    :rtype: timedelta
    """
    return RETRY_BASE_DELAY * (2 ** (max(attempts, 1) - 1))


def reminder_stage_due(days_left, stage_days, all_stage_days):
    """Tell whether a before-date reminder of ``stage_days`` is due today.

    A reminder set ``stage_days`` before a date is due from that day until the
    day the next, closer reminder is due, so a job that missed a day still
    sends it, and a bill issued late gets only the closest reminder left.

    :param int days_left: days from today to the due date (or package end)
    :param int stage_days: days before the date this reminder is set for
    :param all_stage_days: every before-date reminder day of the schedule
    :rtype: bool
    """
    if days_left < 1 or days_left > stage_days:
        return False
    closer = [days for days in all_stage_days if days < stage_days]
    return not closer or days_left > max(closer)


def overdue_occurrence(days_overdue, interval, max_count):
    """Return which after-due reminder is due, 1 to ``max_count``, or 0 for none.

    The k-th reminder is due ``k * interval`` days after the due date. A job
    that missed some days sends only the latest one due, not every one missed.

    :param int days_overdue: days since the due date
    :param int interval: days between two reminders, 1 or more
    :param int max_count: reminders at most
    :rtype: int
    """
    if days_overdue < interval or interval < 1 or max_count < 1:
        return 0
    return min(days_overdue // interval, max_count)


def e164_number(number, country_code=None):
    """Return ``number`` in E.164 form (+ and 8 to 15 digits), or None.

    Spaces, dots, dashes and brackets are dropped. A number without a leading
    "+" or "00" gets ``country_code`` in front, after its trunk prefix 0.

    :param str number: the number as typed, such as "138 0013 8000"
    :param country_code: the calling code, such as 86, or None
    :rtype: str or None
    """
    if not number:
        return None
    digits = re.sub(r"[\s.\-()/]", "", number)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not digits.startswith("+"):
        if not country_code:
            return None
        digits = f"+{country_code}{digits.lstrip('0')}"
    if not re.fullmatch(r"\+[1-9]\d{7,14}", digits):
        return None
    return digits
