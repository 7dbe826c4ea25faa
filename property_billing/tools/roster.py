"""Read and normalise a unit and owner roster (业主花名册) exported as CSV or XLSX.

Nothing here touches the ORM: the functions take and return plain values, and
report bad values as ``RosterIssue`` codes that the import wizard turns into
translated messages.
"""

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

# Columns of a roster, keyed by field, with the headers accepted for each one.
# Headers are compared after ``normalize_header``, so case, spaces and a
# bracketed unit such as "(㎡)" do not matter.
HEADER_ALIASES = {
    "building": ("楼栋", "楼号", "楼宇", "楼栋名称", "building"),
    "entrance": ("单元", "单元号", "entrance", "staircase"),
    "number": ("房号", "房间号", "门牌号", "number", "door_number", "unit_number"),
    "floor": ("楼层", "所在楼层", "floor"),
    "unit_type": ("房屋类型", "类型", "房产类型", "type", "unit_type"),
    "area": ("建筑面积", "面积", "area", "building_area"),
    "owner": ("业主姓名", "业主", "姓名", "owner", "owner_name"),
    "mobile": ("手机号", "手机", "手机号码", "联系电话", "电话", "mobile", "phone"),
    "handover_date": ("入住日期", "交房日期", "交付日期", "handover_date", "handover"),
}
REQUIRED_COLUMNS = ("building", "number", "area", "owner")

# Unit types by the words rosters use for them. 地下室 and 储物间 are basement
# rooms sold with a flat and billed like storage rooms; 车库 is a private
# garage, billed like a parking space.
UNIT_TYPE_ALIASES = {
    "apartment": ("住宅", "住房", "公寓", "apartment", "flat", "residential"),
    "shop": ("商铺", "商业", "店铺", "门面", "shop", "store", "retail"),
    "parking": ("车位", "停车位", "车库", "parking", "parking space", "parking_space"),
    "storage": (
        "储藏室",
        "储物间",
        "地下室",
        "storage",
        "storage room",
        "storage_room",
    ),
}
# Values shown in error messages as the accepted unit types.
ACCEPTED_UNIT_TYPES = "住宅/apartment, 商铺/shop, 车位/parking, 储藏室/storage"

# Suffixes of the area cell, compared after NFKC, which turns ㎡ into m2.
AREA_SUFFIXES = ("平方米", "平方", "平米", "sqm", "m2", "m²", "㎡")
MOBILE_RE = re.compile(r"1[3-9]\d{9}")
# Any other phone number: E.164 (+, a country code that does not start with
# 0, at most 15 digits in all) or a national number of 6 to 15 digits.
PHONE_RE = re.compile(r"\+[1-9]\d{5,14}|\d{6,15}")
DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
COMPACT_DATE_RE = re.compile(r"(\d{4})(\d{2})(\d{2})")
FLOOR_RE = re.compile(r"([-+]?\d+)\s*(?:层|楼|f)?")
BASEMENT_FLOOR_RE = re.compile(r"(?:b|负|地下)\s*(\d+)\s*(?:层|楼|f)?")
BUILDING_SUFFIX_RE = re.compile(r"(.+?)\s*(?:号楼|栋|幢|座|号)")
BUILDING_PREFIX_RE = re.compile(r"(?:building|bldg\.?|block)\s*(.+)", re.IGNORECASE)
ENTRANCE_SUFFIX_RE = re.compile(r"(.+?)\s*单元")
NUMBER_SUFFIX_RE = re.compile(r"(.+?)\s*(?:室|号)")
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"


class RosterFileError(ValueError):
    """A roster file that cannot be read at all, with a code and its values."""

    def __init__(self, code, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params


@dataclass
class RosterIssue:
    """A bad value of one row: its column, an error code and the value as typed.

    ``details`` contains what the message needs besides the value, such as the
    other line numbers of a duplicate unit.
    """

    column: str
    code: str
    value: str = ""
    details: dict = field(default_factory=dict)


@dataclass
class RosterRow:
    """One roster row with its values normalised, or the issues that block it."""

    line: int
    raw: dict
    building: str = ""
    building_code: str = ""
    entrance: str = ""
    number: str = ""
    floor: int = 0
    unit_type: str = "apartment"
    area: Decimal = None
    owner: str = ""
    mobile: str = ""
    handover_date: date = None
    unit_code: str = ""
    issues: list = field(default_factory=list)


# ------------------------------------------------------------
# Reading files
# ------------------------------------------------------------


def read_table(data, filename=""):
    """Read the rows of a CSV or XLSX roster as lists of strings.

    :param bytes data: the file content
    :param str filename: the uploaded file name, used only to spot .xls files
    :return: list of rows, the header first
    :rtype: list(list(str))
    :raise RosterFileError: for an empty file, an .xls file or a broken XLSX
    """
    if not data:
        raise RosterFileError("empty_file")
    if data.startswith(XLSX_MAGIC):
        return read_xlsx(data)
    if data.startswith(OLE_MAGIC) or filename.lower().endswith(".xls"):
        raise RosterFileError("xls_file")
    return read_csv(data)


def decode_csv(data):
    """Decode CSV bytes as UTF-8, with or without BOM, else as GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError("encoding")


def read_csv(data):
    text = decode_csv(data)
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in some locales save with ";" or tabs; pick the separator
    # that splits the header into the most columns.
    delimiter = max(",;\t", key=first_line.count)
    return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def read_xlsx(data):
    """Read the first sheet of an XLSX workbook, cells turned into strings."""
    # openpyxl is a dependency of Odoo itself, imported here so that reading
    # CSV files does not need it.
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True
        )
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise RosterFileError("xlsx_invalid", error=str(error)) from error
    try:
        sheet = workbook.worksheets[0]
        return [
            [cell_to_text(cell) for cell in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    finally:
        workbook.close()


def cell_to_text(value):
    """Turn a spreadsheet cell into the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # Mobile numbers and door numbers typed as numbers come back as floats.
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


# ------------------------------------------------------------
# Headers
# ------------------------------------------------------------


def normalize_header(header):
    text = normalize_text(header).lower()
    text = re.sub(r"[(\[（【].*?[)\]）】]", "", text)
    return re.sub(r"[\s\-]+", "_", text).strip("_")


def map_headers(headers, aliases=None, required=REQUIRED_COLUMNS):
    """Map each roster column to its position in the header row.

    :param list headers: the header row as read
    :param dict aliases: accepted headers by column; ``HEADER_ALIASES`` when
        None, another table for files other than rosters
    :param tuple required: columns the file must have
    :return: (dict column → index, list of headers that match no column)
    :raise RosterFileError: when a required column is missing or a column
        appears twice
    """
    lookup = {
        normalize_header(alias): column
        for column, column_aliases in (aliases or HEADER_ALIASES).items()
        for alias in column_aliases
    }
    positions = {}
    unknown = []
    for index, header in enumerate(headers):
        column = lookup.get(normalize_header(header))
        if column is None:
            if normalize_text(header):
                unknown.append(normalize_text(header))
            continue
        if column in positions:
            raise RosterFileError(
                "duplicate_column",
                column=column,
                headers=[headers[positions[column]], header],
            )
        positions[column] = index
    missing = [column for column in required if column not in positions]
    if missing:
        raise RosterFileError("missing_columns", columns=missing)
    return positions, unknown


# ------------------------------------------------------------
# Values
# ------------------------------------------------------------


def normalize_text(value):
    """Return ``value`` in NFKC form, trimmed, with inner whitespace collapsed.

    NFKC turns full-width digits, letters and punctuation (１０５．３０) into
    ASCII and the ideographic space into a plain one.
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return " ".join(text.split())


def parse_area(value):
    """Parse a building area in m², such as ``120.05㎡`` or ``１０５．３０``.

    :return: the area as a Decimal with the digits typed
    :raise ValueError: with code ``area_missing``, ``area_invalid``,
        ``area_not_positive`` or ``area_precision``
    """
    text = normalize_text(value).lower().replace(",", "")
    for suffix in AREA_SUFFIXES:
        if text.endswith(suffix):
            text = text[: -len(suffix)].strip()
            break
    if not text:
        raise ValueError("area_missing")
    try:
        area = Decimal(text)
    except InvalidOperation as error:
        raise ValueError("area_invalid") from error
    if not area.is_finite():
        raise ValueError("area_invalid")
    if area <= 0:
        raise ValueError("area_not_positive")
    if area != area.quantize(Decimal("0.01")):
        raise ValueError("area_precision")
    return area


def parse_mobile(value):
    """Parse a phone number written with spaces, dashes or brackets.

    A mainland Chinese mobile, with or without +86, 0086 or 86, becomes its
    11 digits, as owners are matched on them. Any other number is kept as
    written without separators: + (or 00) with the country code and up to
    15 digits, or a national number of 6 to 15 digits.

    :return: the normalised number, or "" when the cell is empty
    :raise ValueError: with code ``mobile_invalid``
    """
    text = normalize_text(value)
    digits = re.sub(r"[\s\-()./]", "", text)
    if not digits:
        return ""
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    for prefix in ("+86", "86"):
        national = digits.removeprefix(prefix)
        if national != digits and MOBILE_RE.fullmatch(national):
            return national
    if MOBILE_RE.fullmatch(digits) or PHONE_RE.fullmatch(digits):
        return digits
    raise ValueError("mobile_invalid")


def mobile_key(value):
    """Return the normalised form of a stored phone number, or "" if it has none."""
    try:
        return parse_mobile(value)
    except ValueError:
        return ""


def parse_date(value):
    """Parse a date written as 2021-05-01, 2021/5/1, 2021.5.1, 2021年5月1日 or 20210501.

    :return: a date, or None when the cell is empty
    :raise ValueError: with code ``date_invalid``
    """
    text = normalize_text(value)
    if not text:
        return None
    # Spreadsheets may add a midnight time to a date cell.
    text = re.sub(r"\s+0{1,2}:00(:00)?$", "", text)
    match = DATE_RE.fullmatch(text) or COMPACT_DATE_RE.fullmatch(text)
    if not match:
        raise ValueError("date_invalid")
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError as error:
        raise ValueError("date_invalid") from error


def parse_unit_type(value):
    """Return the unit type key of a Chinese or English unit type name.

    :raise ValueError: with code ``type_missing`` or ``type_unknown``
    """
    text = normalize_text(value).lower()
    if not text:
        raise ValueError("type_missing")
    for unit_type, aliases in UNIT_TYPE_ALIASES.items():
        if text in aliases:
            return unit_type
    raise ValueError("type_unknown")


def parse_floor(value):
    """Parse a floor such as ``3``, ``3层``, ``-1`` or ``B1`` (a basement, so -1).

    :return: the floor, 0 when the cell is empty
    :raise ValueError: with code ``floor_invalid``
    """
    text = normalize_text(value).lower()
    if not text:
        return 0
    match = FLOOR_RE.fullmatch(text)
    if match:
        return int(match.group(1))
    match = BASEMENT_FLOOR_RE.fullmatch(text)
    if match:
        return -int(match.group(1))
    raise ValueError("floor_invalid")


def building_code(name):
    """Derive a building code from its name: ``1栋`` and ``1号楼`` give ``1``.

    Names without a building suffix, such as ``地下车库``, are their own code,
    so the code stays stable across imports.
    """
    text = normalize_text(name)
    match = BUILDING_SUFFIX_RE.fullmatch(text) or BUILDING_PREFIX_RE.fullmatch(text)
    return match.group(1).strip() if match else text


def entrance_code(value):
    """Derive an entrance code: ``1单元`` gives ``1``."""
    text = normalize_text(value)
    match = ENTRANCE_SUFFIX_RE.fullmatch(text)
    return match.group(1).strip() if match else text


def door_number(value):
    """Normalise a door number: ``301室`` gives ``301``; ``B1-001`` is kept."""
    text = normalize_text(value)
    match = NUMBER_SUFFIX_RE.fullmatch(text)
    return match.group(1).strip() if match else text


def unit_code(building, entrance, number):
    """Build a unit code the way ``property.unit`` computes it, such as 1-2-301."""
    parts = (building, entrance, number)
    return "-".join(part.strip() for part in parts if part and part.strip())


# ------------------------------------------------------------
# Rows
# ------------------------------------------------------------


def parse_rows(table):
    """Normalise every data row of a roster read by ``read_table``.

    Rows whose cells are all empty are skipped. Line numbers count the
    header as line 1, so they match the row numbers of a spreadsheet.

    :param list table: rows of strings, the header first
    :return: (list of RosterRow, list of headers that match no column)
    :raise RosterFileError: when the file has no data row or the header
        lacks a required column
    """
    if not table:
        raise RosterFileError("empty_file")
    positions, unknown = map_headers(table[0])
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        if not any(normalize_text(cell) for cell in cells):
            continue
        raw = {
            column: cells[index] if index < len(cells) else ""
            for column, index in positions.items()
        }
        rows.append(parse_row(line, raw))
    if not rows:
        raise RosterFileError("no_rows")
    return rows, unknown


def parse_row(line, raw):
    """Normalise one row, recording an issue for each value that cannot be used.

    :param int line: line number of the row, the header being line 1
    :param dict raw: cell text by column
    :rtype: RosterRow
    """
    row = RosterRow(line=line, raw=raw)
    row.building = normalize_text(raw.get("building"))
    row.building_code = building_code(row.building)
    row.entrance = entrance_code(raw.get("entrance"))
    row.number = door_number(raw.get("number"))
    row.owner = normalize_text(raw.get("owner"))
    if not row.building:
        row.issues.append(RosterIssue("building", "building_missing"))
    if not row.number:
        row.issues.append(RosterIssue("number", "number_missing"))
    if not row.owner:
        row.issues.append(RosterIssue("owner", "owner_missing"))
    parsers = {
        "area": parse_area,
        "floor": parse_floor,
        "mobile": parse_mobile,
        "handover_date": parse_date,
    }
    # A file without a type column lists apartments only.
    if "unit_type" in raw:
        parsers["unit_type"] = parse_unit_type
    for column, parser in parsers.items():
        value = raw.get(column, "")
        try:
            setattr(row, column, parser(value))
        except ValueError as error:
            row.issues.append(RosterIssue(column, error.args[0], normalize_text(value)))
    return row


def group_duplicates(keys):
    """Group the line numbers that share a key, keeping groups of two or more.

    :param iterable keys: (key, line number) pairs
    :return: dict key → sorted line numbers
    """
    groups = {}
    for key, line in keys:
        groups.setdefault(key, []).append(line)
    return {key: sorted(lines) for key, lines in groups.items() if len(lines) > 1}
