import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from ..tools import roster


@tagged("post_install", "-at_install")
class TestRosterValues(BaseCase):
    def assertIssue(self, parser, value, code):
        with self.assertRaises(ValueError) as caught:
            parser(value)
        self.assertEqual(caught.exception.args[0], code, f"value {value!r}")

    def test_area_normalised(self):
        cases = [
            ("133.80", Decimal("133.80")),
            ("１０５．３０", Decimal("105.30")),
            ("120.05㎡", Decimal("120.05")),
            ("120.05 m2", Decimal("120.05")),
            ("89.5平米", Decimal("89.5")),
            ("89.50平方米", Decimal("89.50")),
            (" 68.45 ", Decimal("68.45")),
            ("1,234.50", Decimal("1234.50")),
            ("90", Decimal("90")),
        ]
        for value, expected in cases:
            self.assertEqual(roster.parse_area(value), expected, f"value {value!r}")

    def test_area_rejected(self):
        self.assertIssue(roster.parse_area, "", "area_missing")
        self.assertIssue(roster.parse_area, " ㎡ ", "area_missing")
        self.assertIssue(roster.parse_area, "-89.50", "area_not_positive")
        self.assertIssue(roster.parse_area, "0", "area_not_positive")
        self.assertIssue(roster.parse_area, "abc", "area_invalid")
        self.assertIssue(roster.parse_area, "NaN", "area_invalid")
        self.assertIssue(roster.parse_area, "12.5.3", "area_invalid")
        self.assertIssue(roster.parse_area, "89.505", "area_precision")

    def test_mobile_normalised(self):
        cases = [
            ("13800000019", "13800000019"),
            ("138-0000-0019 ", "13800000019"),
            ("138 0000 0019", "13800000019"),
            ("+86 138 0000 0019", "13800000019"),
            ("8613800000019", "13800000019"),
            ("0086-13800000019", "13800000019"),
            ("１３８００００００１９", "13800000019"),
            ("+33612345678", "+33612345678"),
            ("+33 6 12 34 56 78", "+33612345678"),
            ("0033 6-12-34-56-78", "+33612345678"),
            ("+1 (212) 555-0100", "+12125550100"),
            ("+86 571 8888 6666", "+8657188886666"),
            ("0571-88886666", "057188886666"),
            ("", ""),
            ("  ", ""),
        ]
        for value, expected in cases:
            self.assertEqual(roster.parse_mobile(value), expected, f"value {value!r}")

    def test_mobile_rejected(self):
        for value in (
            "12345",
            "+1234",
            "+0612345678",
            "1234567890123456",
            "+33 6 12 34 56 78 90 12 3",
            "138-0000-001x",
            "+",
            "abc",
        ):
            self.assertIssue(roster.parse_mobile, value, "mobile_invalid")

    def test_mobile_key_of_stored_number(self):
        self.assertEqual(roster.mobile_key("+86 139-0000-0041"), "13900000041")
        self.assertEqual(roster.mobile_key("+33 6 12 34 56 78"), "+33612345678")
        self.assertEqual(roster.mobile_key("0571-1234567"), "05711234567")
        self.assertEqual(roster.mobile_key("ext. 12"), "")
        self.assertEqual(roster.mobile_key(False), "")

    def test_date_normalised(self):
        cases = [
            ("2021-05-01", date(2021, 5, 1)),
            ("2021/5/1", date(2021, 5, 1)),
            ("2021.5.1", date(2021, 5, 1)),
            ("2021年5月1日", date(2021, 5, 1)),
            ("20210501", date(2021, 5, 1)),
            ("２０２１－０５－０１", date(2021, 5, 1)),
            ("2021-05-01 00:00:00", date(2021, 5, 1)),
            ("", None),
        ]
        for value, expected in cases:
            self.assertEqual(roster.parse_date(value), expected, f"value {value!r}")

    def test_date_rejected(self):
        for value in ("2021-02-30", "5/1/2021", "2021-13-01", "yesterday", "2021-05"):
            self.assertIssue(roster.parse_date, value, "date_invalid")

    def test_unit_type_aliases(self):
        cases = [
            ("住宅", "apartment"),
            ("Apartment", "apartment"),
            (" apartment ", "apartment"),
            ("商铺", "shop"),
            ("SHOP", "shop"),
            ("车位", "parking"),
            ("Parking Space", "parking"),
            ("储藏室", "storage"),
            ("地下室", "storage"),
            ("storage", "storage"),
        ]
        for value, expected in cases:
            self.assertEqual(
                roster.parse_unit_type(value), expected, f"value {value!r}"
            )
        self.assertIssue(roster.parse_unit_type, "别墅", "type_unknown")
        self.assertIssue(roster.parse_unit_type, "villa", "type_unknown")
        self.assertIssue(roster.parse_unit_type, "", "type_missing")

    def test_floor_forms(self):
        cases = [
            ("3", 3),
            ("3层", 3),
            ("12F", 12),
            ("-1", -1),
            ("B1", -1),
            ("负2层", -2),
            ("", 0),
        ]
        for value, expected in cases:
            self.assertEqual(roster.parse_floor(value), expected, f"value {value!r}")
        self.assertIssue(roster.parse_floor, "三", "floor_invalid")
        self.assertIssue(roster.parse_floor, "1.5", "floor_invalid")

    def test_codes_from_names(self):
        cases = [
            ("1栋", "1"),
            (" 2栋 ", "2"),
            ("1号楼", "1"),
            ("12幢", "12"),
            ("A座", "A"),
            ("Building 3", "3"),
            ("地下车库", "地下车库"),
        ]
        for name, expected in cases:
            self.assertEqual(roster.building_code(name), expected, f"name {name!r}")
        self.assertEqual(roster.entrance_code("1单元"), "1")
        self.assertEqual(roster.entrance_code(" 2 "), "2")
        self.assertEqual(roster.entrance_code(""), "")
        self.assertEqual(roster.door_number("301室"), "301")
        self.assertEqual(roster.door_number("B1-001"), "B1-001")

    def test_unit_code_like_the_model(self):
        self.assertEqual(roster.unit_code("1", "2", "301"), "1-2-301")
        self.assertEqual(roster.unit_code("地下车库", "", "B1-001"), "地下车库-B1-001")
        self.assertEqual(roster.unit_code("1", " ", "301"), "1-301")


@tagged("post_install", "-at_install")
class TestRosterFiles(BaseCase):
    HEADER = "楼栋,单元,房号,楼层,房屋类型,建筑面积(㎡),业主姓名,手机号,入住日期"
    ROW = "1栋,1单元,101,1,住宅,133.80,李军,15800000001,2019-04-25"

    def test_csv_encodings(self):
        text = f"{self.HEADER}\r\n{self.ROW}\r\n"
        for data in (
            text.encode("utf-8-sig"),
            text.encode("utf-8"),
            text.encode("gb18030"),
        ):
            table = roster.read_table(data, "roster.csv")
            self.assertEqual(table[0][0], "楼栋")
            self.assertEqual(table[1], self.ROW.split(","))

    def test_csv_semicolons(self):
        text = "building;number;area;owner\n1栋;101;89,50;李军\n"
        table = roster.read_table(text.encode(), "roster.csv")
        self.assertEqual(table[1], ["1栋", "101", "89,50", "李军"])

    def test_old_excel_rejected(self):
        with self.assertRaises(roster.RosterFileError) as caught:
            roster.read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "roster.xls")
        self.assertEqual(caught.exception.code, "xls_file")
        with self.assertRaises(roster.RosterFileError) as caught:
            roster.read_table(b"", "roster.csv")
        self.assertEqual(caught.exception.code, "empty_file")

    def test_xlsx_cells(self):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["building", "number", "area", "owner", "mobile", "handover_date"])
        sheet.append(["1栋", 101, 120.05, "李军", 13800000019, datetime(2021, 5, 1)])
        sheet.append(["1栋", 102.0, 90, "熊勇艳", None, None])
        output = io.BytesIO()
        workbook.save(output)

        table = roster.read_table(output.getvalue(), "roster.xlsx")

        self.assertEqual(
            table[1], ["1栋", "101", "120.05", "李军", "13800000019", "2021-05-01"]
        )
        self.assertEqual(table[2], ["1栋", "102", "90", "熊勇艳", "", ""])

    def test_broken_xlsx(self):
        with self.assertRaises(roster.RosterFileError) as caught:
            roster.read_table(b"PK\x03\x04not a workbook", "roster.xlsx")
        self.assertEqual(caught.exception.code, "xlsx_invalid")

    def test_headers_in_both_languages(self):
        positions, unknown = roster.map_headers(self.HEADER.split(","))
        self.assertEqual(positions["building"], 0)
        self.assertEqual(positions["area"], 5)
        self.assertEqual(positions["handover_date"], 8)
        self.assertEqual(unknown, [])
        english = [
            " Building ",
            "Entrance",
            "Number",
            "Floor",
            "Type",
            "Area (m2)",
            "Owner",
            "Phone",
            "Handover Date",
            "Remarks",
        ]
        positions, unknown = roster.map_headers(english)
        self.assertEqual(
            positions,
            {
                "building": 0,
                "entrance": 1,
                "number": 2,
                "floor": 3,
                "unit_type": 4,
                "area": 5,
                "owner": 6,
                "mobile": 7,
                "handover_date": 8,
            },
        )
        self.assertEqual(unknown, ["Remarks"])

    def test_headers_rejected(self):
        with self.assertRaises(roster.RosterFileError) as caught:
            roster.map_headers(["building", "number", "owner"])
        self.assertEqual(caught.exception.code, "missing_columns")
        self.assertEqual(caught.exception.params["columns"], ["area"])
        with self.assertRaises(roster.RosterFileError) as caught:
            roster.map_headers(
                ["building", "number", "area", "owner", "mobile", "phone"]
            )
        self.assertEqual(caught.exception.code, "duplicate_column")

    def test_rows_numbered_from_header(self):
        table = [
            self.HEADER.split(","),
            self.ROW.split(","),
            ["", "", "", "", "", "", "", "", ""],
            ["1栋", "1单元", "102", "1", "别墅", "-1", "", "12345", "2021/2/30"],
        ]
        rows, _unknown = roster.parse_rows(table)
        self.assertEqual([row.line for row in rows], [2, 4])
        self.assertEqual(rows[0].issues, [])
        self.assertEqual(rows[0].building_code, "1")
        self.assertEqual(rows[0].entrance, "1")
        self.assertEqual(rows[0].area, Decimal("133.80"))
        self.assertEqual(rows[0].handover_date, date(2019, 4, 25))
        self.assertEqual(
            [(issue.column, issue.code, issue.value) for issue in rows[1].issues],
            [
                ("owner", "owner_missing", ""),
                ("area", "area_not_positive", "-1"),
                ("mobile", "mobile_invalid", "12345"),
                ("handover_date", "date_invalid", "2021/2/30"),
                ("unit_type", "type_unknown", "别墅"),
            ],
        )

    def test_type_column_optional(self):
        rows, _unknown = roster.parse_rows(
            [["building", "number", "area", "owner"], ["1栋", "101", "88", "李军"]]
        )
        self.assertEqual(rows[0].unit_type, "apartment")
        self.assertEqual(rows[0].issues, [])

    def test_group_duplicates(self):
        groups = roster.group_duplicates([("a", 3), ("b", 4), ("a", 2), ("a", 9)])
        self.assertEqual(groups, {"a": [2, 3, 9]})
