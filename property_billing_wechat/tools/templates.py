"""Template message data of the Official Account, on plain values."""

import re
from decimal import ROUND_HALF_UP, Decimal

# Values a notification offers to a template: name -> what it holds.
VALUE_NAMES = (
    "subject",
    "bill",
    "amount",
    "amount_total",
    "due_date",
    "community",
    "owner",
    "company",
)
DEFAULT_FIELDS = "thing1=community,character_string2=bill,amount3=amount,time4=due_date"
_KEY = re.compile(r"^[a-z_]+[0-9]+$")
# WeChat's limits per field type (the key without its number).
_MAX_LENGTH = {"thing": 20, "character_string": 32, "phrase": 5}
_NOT_CHARACTER_STRING = re.compile(r"[^A-Za-z0-9_\-/.:]")


def parse_fields(text):
    """Parse "thing1=community, amount3=amount" into [(key, value name)].

    :raise ValueError: naming the first entry that is not key=known name
    """
    pairs = []
    for entry in (text or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        key, _sep, name = (part.strip() for part in entry.partition("="))
        if not _KEY.match(key) or name not in VALUE_NAMES:
            raise ValueError(entry)
        pairs.append((key, name))
    if not pairs:
        raise ValueError(text or "")
    return pairs


def format_value(key, value, decimal_places=2):
    """Format ``value`` the way WeChat accepts it for a field ``key``.

    :param str key: the template field, such as thing1 or amount3
    :param value: text, a number, a date or None
    :param int decimal_places: the currency's decimal places, for amounts
    :rtype: str
    """
    kind = key.rstrip("0123456789")
    if value is None or value is False:
        value = ""
    if kind == "amount":
        quantum = Decimal(1).scaleb(-decimal_places)
        amount = Decimal(str(value or 0)).quantize(quantum, rounding=ROUND_HALF_UP)
        return f"{amount}元"
    if kind == "time" and hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    text = str(value)
    if kind == "character_string":
        text = _NOT_CHARACTER_STRING.sub("-", text)
    limit = _MAX_LENGTH.get(kind)
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…" if kind == "thing" else text[:limit]
    return text


def build_data(pairs, values, decimal_places=2):
    """Return the template message ``data`` for [(key, value name)] pairs."""
    return {
        key: {"value": format_value(key, values.get(name), decimal_places)}
        for key, name in pairs
    }
