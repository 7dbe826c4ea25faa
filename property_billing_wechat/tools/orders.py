"""Identifiers and dates in the formats WeChat Pay API v3 accepts."""

import re
import secrets
from datetime import datetime, timedelta, timezone

# WeChat Pay documents 6 to 32 characters among digits, letters and "_-|*" for
# out_trade_no. We generate only [A-Za-z0-9_-], because "|" and "*" may be
# percent-encoded in URL paths, which changes the signed request line.
OUT_TRADE_NO_PATTERN = re.compile(r"^[A-Za-z0-9_\-|*]{6,32}$")
PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9]{1,8}$")
# out_refund_no: 1 to 64 characters among digits, letters and "_-|*@".
OUT_REFUND_NO_PATTERN = re.compile(r"^[A-Za-z0-9_\-|*@]{1,64}$")

# China Standard Time, the offset WeChat Pay's examples use in time_expire.
CHINA_TZ = timezone(timedelta(hours=8))


def generate_out_trade_no(prefix, when=None):
    """Return a new out_trade_no for a payment.

    The value is ``prefix``, the UTC minute (yymmddHHMM) and 14 random hex
    digits, so with the longest prefix (8 characters) it has 32 characters.

    :param str prefix: per-database namespace, 1 to 8 letters or digits
    :param datetime when: naive UTC date-time, now by default
    :rtype: str
    """
    if not PREFIX_PATTERN.match(prefix or ""):
        raise ValueError(f"invalid out_trade_no prefix {prefix!r}")
    when = when or datetime.utcnow()
    return f"{prefix}{when:%y%m%d%H%M}{secrets.token_hex(7)}"


def generate_out_refund_no(out_trade_no, sequence):
    """Return the out_refund_no of the ``sequence``-th refund of an order.

    The number depends only on the order and the sequence, so a retried
    request reuses it and WeChat Pay refunds at most once.

    :param str out_trade_no: the order's out_trade_no
    :param int sequence: 1 for the first refund of the order, 2 for the second…
    :rtype: str
    """
    return f"{out_trade_no}R{sequence:02d}"


def is_valid_out_trade_no(value):
    return bool(value) and bool(OUT_TRADE_NO_PATTERN.match(value))


def format_time_expire(moment):
    """Format a naive UTC date-time as RFC 3339 with the +08:00 offset.

    :param datetime moment: naive UTC date-time, as the ORM stores it
    :rtype: str
    """
    aware = moment.replace(tzinfo=timezone.utc, microsecond=0).astimezone(CHINA_TZ)
    return aware.isoformat(timespec="seconds")


def parse_rfc3339(value):
    """Parse an RFC 3339 date-time with an offset into a naive UTC date-time.

    :raise ValueError: if the value has no offset or is not RFC 3339
    """
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"date-time without offset: {value!r}")
    return moment.astimezone(timezone.utc).replace(tzinfo=None)
