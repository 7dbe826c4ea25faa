"""WeChat Pay trade bills (交易账单): parsing the CSV that API v3 returns."""

import csv
import io
from decimal import Decimal

# Columns of the ALL bill used for reconciliation, by their Chinese header.
COLUMNS = {
    "交易时间": "time",
    "商户号": "mchid",
    "微信订单号": "transaction_id",
    "商户订单号": "out_trade_no",
    "交易状态": "trade_state",
    "货币种类": "currency",
    "应结订单金额": "settlement_total",
    "微信退款单号": "refund_id",
    "商户退款单号": "out_refund_no",
    "退款金额": "refund",
    "退款状态": "refund_status",
    "订单金额": "total",
}


def yuan_to_fen(text):
    """Convert a bill amount in yuan ("257.80") to integer fen."""
    fen = Decimal(text or "0") * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"bill amount {text!r} has more than 2 decimal places")
    return int(fen)


def parse_trade_bill(text):
    """Return the detail rows of an ALL trade bill as dicts.

    Each detail field starts with a backtick, which is stripped. The summary
    lines after the detail rows (总交易单数...) are not returned. Amounts
    become integer fen under "total" and "refund".

    :param str text: the uncompressed bill, UTF-8 decoded
    :raise ValueError: if the header lacks a reconciliation column
    """
    lines = text.lstrip("\ufeff").splitlines()
    if not lines:
        return []
    reader = csv.reader(io.StringIO("\n".join(lines)))
    header = next(reader)
    missing = set(COLUMNS) - set(header)
    if missing:
        raise ValueError(f"trade bill lacks the columns {sorted(missing)}")
    indexes = {COLUMNS[name]: header.index(name) for name in COLUMNS}
    rows = []
    for values in reader:
        if not values or not values[0].startswith("`"):
            break  # The summary section starts here.
        cells = [value[1:] if value.startswith("`") else value for value in values]
        row = {key: cells[index] for key, index in indexes.items()}
        row["total"] = yuan_to_fen(row["total"])
        row["refund"] = yuan_to_fen(row["refund"])
        rows.append(row)
    return rows
