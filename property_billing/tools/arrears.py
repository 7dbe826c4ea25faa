"""Read and check a file of historical arrears (历史欠费) exported from another system.

Nothing here touches the ORM: the functions take and return plain values and
report bad values as ``roster.RosterIssue`` codes, which the import wizard
turns into translated messages. Files are read with the roster's readers, so
the same CSV encodings and XLSX workbooks are accepted.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from .roster import (
    RosterFileError,
    RosterIssue,
    map_headers,
    normalize_text,
    parse_date,
)

# Columns of an arrears file, keyed by field, with the headers accepted for
# each one, compared after ``roster.normalize_header``.
HEADER_ALIASES = {
    "unit": ("房号", "房屋编号", "房屋编码", "单元编号", "unit", "unit_code"),
    "fee_item": ("收费项目", "费用项目", "收费项目编码", "fee_item", "fee", "fee_code"),
    "period_start": ("开始日期", "计费开始", "起始日期", "period_start", "from"),
    "period_end": ("结束日期", "计费结束", "截止日期", "period_end", "to"),
    "amount": ("金额", "欠费金额", "应收金额", "amount"),
    "due_date": ("到期日", "应缴日期", "缴费期限", "due_date", "due"),
    "note": ("备注", "说明", "note"),
}
REQUIRED_COLUMNS = ("unit", "fee_item", "period_start", "period_end", "amount")

# Text around an amount that is not part of the number.
AMOUNT_NOISE_RE = re.compile(r"[,\s¥￥元]|rmb|cny", re.IGNORECASE)


@dataclass
class ArrearsRow:
    """One row of an arrears file, parsed, with the issues that block it."""

    line: int
    raw: dict
    unit_code: str = ""
    fee_item: str = ""
    period_start: date = None
    period_end: date = None
    amount: Decimal = None
    due_date: date = None
    note: str = ""
    issues: list = field(default_factory=list)


def parse_amount(value, digits=2):
    """Parse an amount such as ``1,234.50``, ``¥88`` or ``88元``.

    :param int digits: decimals the currency allows
    :return: the amount as a Decimal with the digits typed
    :raise ValueError: with code ``amount_missing``, ``amount_invalid``,
        ``amount_not_positive`` or ``amount_precision``
    """
    text = AMOUNT_NOISE_RE.sub("", normalize_text(value))
    if not text:
        raise ValueError("amount_missing")
    try:
        amount = Decimal(text)
    except InvalidOperation as error:
        raise ValueError("amount_invalid") from error
    if not amount.is_finite():
        raise ValueError("amount_invalid")
    if amount <= 0:
        raise ValueError("amount_not_positive")
    if amount != amount.quantize(Decimal(1).scaleb(-digits)):
        raise ValueError("amount_precision")
    return amount


def parse_rows(table, digits=2):
    """Parse every data row of an arrears file read by ``roster.read_table``.

    Rows whose cells are all empty are skipped. Line numbers count the header
    as line 1, as a spreadsheet does.

    :param list table: rows of strings, the header first
    :param int digits: decimals the currency allows
    :rtype: list(ArrearsRow)
    :raise RosterFileError: when the file has no data row or lacks a column
    """
    if not table:
        raise RosterFileError("empty_file")
    positions, _unknown = map_headers(
        table[0], aliases=HEADER_ALIASES, required=REQUIRED_COLUMNS
    )
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        if not any(normalize_text(cell) for cell in cells):
            continue
        raw = {
            column: cells[index] if index < len(cells) else ""
            for column, index in positions.items()
        }
        rows.append(parse_row(line, raw, digits=digits))
    if not rows:
        raise RosterFileError("no_rows")
    return rows


def parse_row(line, raw, digits=2):
    """Parse one row, recording an issue for each value that cannot be used."""
    row = ArrearsRow(line=line, raw=raw)
    row.unit_code = normalize_text(raw.get("unit"))
    row.fee_item = normalize_text(raw.get("fee_item"))
    row.note = normalize_text(raw.get("note"))
    if not row.unit_code:
        row.issues.append(RosterIssue("unit", "unit_missing"))
    if not row.fee_item:
        row.issues.append(RosterIssue("fee_item", "fee_item_missing"))
    for column in ("period_start", "period_end", "due_date"):
        value = raw.get(column, "")
        try:
            parsed = parse_date(value)
        except ValueError:
            row.issues.append(
                RosterIssue(column, "date_invalid", normalize_text(value))
            )
            continue
        if parsed is None and column != "due_date":
            row.issues.append(RosterIssue(column, "date_missing"))
        setattr(row, column, parsed)
    if row.period_start and row.period_end and row.period_end < row.period_start:
        row.issues.append(
            RosterIssue(
                "period_end",
                "period_order",
                normalize_text(raw.get("period_end")),
            )
        )
    value = raw.get("amount", "")
    try:
        row.amount = parse_amount(value, digits=digits)
    except ValueError as error:
        row.issues.append(RosterIssue("amount", error.args[0], normalize_text(value)))
    if row.due_date is None and row.period_end:
        # A file without due dates gives bills due at the end of their period.
        row.due_date = row.period_end
    return row


def find_overlaps(rows):
    """Find the rows whose period overlaps an earlier row of the same unit and fee.

    :param iterable rows: (key, start, end, line) tuples, key being any
        hashable such as (unit id, fee item id)
    :return: dict line → line of the earlier row it overlaps
    """
    by_key = {}
    for key, start, end, line in rows:
        by_key.setdefault(key, []).append((start, end, line))
    overlaps = {}
    for periods in by_key.values():
        periods.sort(key=lambda period: (period[0], period[2]))
        latest_end, latest_line = None, None
        for start, end, line in periods:
            if latest_end is not None and start <= latest_end:
                overlaps[line] = latest_line
            if latest_end is None or end > latest_end:
                latest_end, latest_line = end, line
    return overlaps
