"""Meter consumption, tiered prices, anomaly checks and shared-cost allocation.

Nothing here touches the ORM: the functions take plain numbers and return
Decimals, so the arithmetic that owners dispute most can be tested on its own.
"""

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from .amounts import round_half_up, to_decimal

# A consumption above this many times the average of the previous periods is
# flagged for review.
ANOMALY_FACTOR = 3
# Number of previous periods whose average the anomaly check uses.
ANOMALY_HISTORY = 6
# A meter whose consumption is zero for this many periods in a row, the new
# one included, is flagged as possibly stuck.
STUCK_PERIODS = 3


class MeterValueError(ValueError):
    """An impossible reading, with a code and the values the message needs."""

    def __init__(self, code, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params


@dataclass
class TierPart:
    """The part of a consumption billed at one tier's price."""

    lower: Decimal
    upper: Decimal  # None for the open-ended last tier
    quantity: Decimal
    price: Decimal
    amount: Decimal  # quantity × price, not rounded


def consumption(previous, current, digits=0, rollover=False, multiplier=1):
    """Compute the consumption between two readings of one meter.

    A rolled-over meter counts through its maximum: a 5-digit meter going
    from 99950 to 12 consumed 100000 - 99950 + 12 = 62.

    :param previous: the previous confirmed value
    :param current: the value read
    :param int digits: digits of the meter's counter, 0 when unknown
    :param bool rollover: the counter passed its maximum since ``previous``
    :param multiplier: the meter's multiplier (倍率)
    :return: consumption in billing units, multiplier applied
    :rtype: decimal.Decimal
    :raise MeterValueError: ``below_previous`` when the value is below the
        previous one without rollover, ``rollover_not_below`` when a rollover
        reading is not below the previous value, ``rollover_no_digits`` when a
        rollover meter has no digit count, ``too_many_digits`` when a value
        does not fit in the counter, ``negative`` for a negative value
    """
    previous = to_decimal(previous)
    current = to_decimal(current)
    multiplier = to_decimal(multiplier)
    maximum = Decimal(10) ** digits if digits else None
    if current < 0:
        raise MeterValueError("negative", value=current)
    if maximum is not None and (current >= maximum or previous >= maximum):
        raise MeterValueError("too_many_digits", value=current, digits=digits)
    if rollover:
        if maximum is None:
            raise MeterValueError("rollover_no_digits", value=current)
        if current >= previous:
            raise MeterValueError(
                "rollover_not_below", value=current, previous=previous
            )
        return (maximum - previous + current) * multiplier
    if current < previous:
        raise MeterValueError("below_previous", value=current, previous=previous)
    return (current - previous) * multiplier


def tier_parts(quantity, tiers, already_used=0):
    """Split a consumption over price tiers (阶梯价格).

    Tiers are bounds on the consumption counted from ``already_used``, so a
    yearly cumulative tier passes the consumption billed earlier in the year;
    a per-period tier passes 0.

    :param quantity: consumption to price
    :param list tiers: (upper bound or None, price) pairs in increasing bound
        order; the last one must be open-ended (None)
    :param already_used: consumption already billed in the same tier window
    :return: the tiers that price part of ``quantity``, in order
    :rtype: list(TierPart)
    :raise ValueError: when the tiers are empty, unordered or closed
    """
    if not tiers:
        raise ValueError("no_tiers")
    if tiers[-1][0] is not None:
        raise ValueError("last_tier_bounded")
    quantity = to_decimal(quantity)
    start = to_decimal(already_used)
    end = start + quantity
    parts = []
    lower = Decimal(0)
    for upper, price in tiers:
        upper = None if upper is None else to_decimal(upper)
        if upper is not None and upper <= lower:
            raise ValueError("tiers_unordered")
        part_start = max(lower, start)
        part_end = end if upper is None else min(upper, end)
        if part_end > part_start:
            price = to_decimal(price)
            billed = part_end - part_start
            parts.append(TierPart(lower, upper, billed, price, billed * price))
        if upper is None or upper >= end:
            break
        lower = upper
    return parts


def tiered_amount(quantity, tiers, step, already_used=0):
    """Price a consumption over tiers, rounded once to ``step``.

    :return: (amount, parts) where parts are those of ``tier_parts``
    :rtype: tuple(decimal.Decimal, list(TierPart))
    """
    parts = tier_parts(quantity, tiers, already_used)
    exact = sum((part.amount for part in parts), Decimal(0))
    return round_half_up(exact, step), parts


def detect_anomaly(value, history):
    """Tell whether a consumption needs a person to review it before billing.

    :param value: consumption of the new reading
    :param list history: consumptions of the meter's previous readings, oldest
        first
    :return: ``"high"`` when ``value`` is above ANOMALY_FACTOR times the
        average of the last ANOMALY_HISTORY consumptions, ``"stuck"`` when the
        new and the STUCK_PERIODS - 1 previous consumptions are all zero,
        None otherwise. A meter with no history is never flagged.
    """
    value = to_decimal(value)
    history = [to_decimal(item) for item in history]
    if not history:
        return None
    recent = history[-ANOMALY_HISTORY:]
    average = sum(recent, Decimal(0)) / len(recent)
    if average > 0 and value > ANOMALY_FACTOR * average:
        return "high"
    previous_zeros = history[-(STUCK_PERIODS - 1) :]
    if (
        value == 0
        and len(previous_zeros) == STUCK_PERIODS - 1
        and all(item == 0 for item in previous_zeros)
    ):
        return "stuck"
    return None


def allocate(total, weights, keys, step):
    """Split ``total`` in proportion to ``weights``, the parts summing exactly.

    Each share is first rounded down to ``step`` (the fen for CNY). The steps
    still missing go one each to the shares with the largest remainders, and
    among equal remainders to the smallest key, such as a unit code. So
    100.00 split equally over units A, B and C gives 33.34, 33.33 and 33.33,
    whatever the order of the input.

    :param total: amount to split, 0 or more
    :param list weights: one weight per share (area, 1, or consumption), 0 or
        more, not all 0
    :param list keys: one sortable key per share, deciding ties
    :param step: smallest amount of a share, such as Decimal("0.01")
    :return: shares in the order of ``weights``
    :rtype: list(decimal.Decimal)
    :raise ValueError: when the lists differ in length, a weight is negative,
        all weights are 0 or the total is not a multiple of ``step``
    """
    total = to_decimal(total)
    step = to_decimal(step)
    weights = [to_decimal(weight) for weight in weights]
    if len(weights) != len(keys):
        raise ValueError("length_mismatch")
    if any(weight < 0 for weight in weights):
        raise ValueError("negative_weight")
    weight_sum = sum(weights, Decimal(0))
    if not weights or weight_sum <= 0:
        raise ValueError("no_weight")
    units_total = total / step
    if units_total != units_total.to_integral_value():
        raise ValueError("total_not_rounded")
    shares = []
    remainders = []
    for index, weight in enumerate(weights):
        exact = units_total * weight / weight_sum
        floor = exact.to_integral_value(rounding=ROUND_FLOOR)
        shares.append(floor)
        remainders.append((-(exact - floor), keys[index], index))
    missing = int(units_total - sum(shares, Decimal(0)))
    for _remainder, _key, index in sorted(remainders)[:missing]:
        shares[index] += 1
    return [share * step for share in shares]


# ------------------------------------------------------------
# Reading files
# ------------------------------------------------------------

# Columns of a reading file, with the headers accepted for each one, compared
# after ``roster.normalize_header``.
READING_HEADERS = {
    "serial": ("表号", "表编号", "仪表编号", "serial", "serial_number", "meter"),
    "value": ("本期读数", "读数", "抄表读数", "value", "reading"),
    "date": ("抄表日期", "日期", "date", "reading_date"),
    "rollover": ("翻表", "翻转", "rollover"),
}
READING_REQUIRED = ("serial", "value")
ROLLOVER_TRUE = ("1", "y", "yes", "true", "是", "x", "✓")


@dataclass
class ReadingRow:
    """One row of a reading file, normalised, or the issue codes that block it."""

    line: int
    serial: str = ""
    value: Decimal = None
    date: object = None
    rollover: bool = False
    raw_value: str = ""
    issues: list = None
    meter: object = None  # the property.meter record, set by the import


def parse_reading_table(table):
    """Normalise the rows of a reading file read by ``roster.read_table``.

    :param list table: rows of strings, the header first
    :return: list of ReadingRow; line numbers count the header as line 1
    :raise roster.RosterFileError: ``missing_columns`` or ``no_rows``
    """
    from . import roster

    if not table:
        raise roster.RosterFileError("no_rows")
    lookup = {
        roster.normalize_header(alias): column
        for column, aliases in READING_HEADERS.items()
        for alias in aliases
    }
    positions = {}
    for index, header in enumerate(table[0]):
        column = lookup.get(roster.normalize_header(header))
        if column and column not in positions:
            positions[column] = index
    missing = [column for column in READING_REQUIRED if column not in positions]
    if missing:
        raise roster.RosterFileError("missing_columns", columns=missing)
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        if not any(roster.normalize_text(cell) for cell in cells):
            continue
        raw = {
            column: roster.normalize_text(cells[index] if index < len(cells) else "")
            for column, index in positions.items()
        }
        rows.append(parse_reading_row(line, raw))
    if not rows:
        raise roster.RosterFileError("no_rows")
    return rows


def parse_reading_row(line, raw):
    from . import roster

    row = ReadingRow(line=line, serial=raw.get("serial", ""), issues=[])
    row.raw_value = raw.get("value", "")
    if not row.serial:
        row.issues.append("serial_missing")
    text = row.raw_value.replace(",", "")
    try:
        row.value = Decimal(text)
        if not row.value.is_finite() or row.value < 0:
            raise ValueError(text)
    except (ArithmeticError, ValueError):
        row.value = None
        row.issues.append("value_invalid")
    try:
        row.date = roster.parse_date(raw.get("date", ""))
    except ValueError:
        row.issues.append("date_invalid")
    row.rollover = raw.get("rollover", "").lower() in ROLLOVER_TRUE
    return row
