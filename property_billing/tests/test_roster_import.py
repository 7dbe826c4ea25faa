import base64
import csv
import io
import re
import unicodedata
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from unittest.mock import patch

import openpyxl

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import file_open, mute_logger

from ..tools import roster
from .common import PropertyBillingCommon

SAMPLE_PATH = "property_billing/tests/data/roster_sample.csv"
TYPES = "住宅/apartment, 商铺/shop, 车位/parking, 储藏室/storage"
# Rows of the sample roster that must be rejected, by line number (the header
# is line 1), with the exact reasons shown to the user.
SAMPLE_ERRORS = {
    14: "Owner name is missing: enter the name of the owner of unit 1-1-701.",
    35: "Unit 2-2-702 is also on line 76: keep one row per unit.",
    42: "Unit 2-1-101 is also on line 43: keep one row per unit.\n"
    "Mobile number 13900000041 is also given for 萧欣 on line 43: one mobile "
    "number identifies one owner, so use the same owner name on those rows or "
    "another number.",
    43: "Unit 2-1-101 is also on line 42: keep one row per unit.\n"
    "Mobile number 13900000041 is also given for 秦然 on line 42: one mobile "
    "number identifies one owner, so use the same owner name on those rows or "
    "another number.",
    52: "Building area -89.50 is not positive: enter the area in m², greater than 0.",
    63: "Building area is missing: enter the area in m², such as 89.50.",
    72: f'Unit type "别墅" is not accepted: enter one of {TYPES}.',
    76: "Unit 2-2-702 is also on line 35: keep one row per unit.",
}


def expected_sample_total():
    """Sum what January bills for the sample's good rows, computed on its own.

    Apartments pay round(area × 2.80, 2), parking spaces 150.00.
    """
    with file_open(SAMPLE_PATH, "rb") as sample:
        text = sample.read().decode("utf-8-sig")
    total = Decimal("0")
    for line, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        if line == 1 or line in SAMPLE_ERRORS:
            continue
        if cells[4] == "车位":
            total += Decimal("150.00")
            continue
        area = unicodedata.normalize("NFKC", cells[5]).replace("m2", "").strip()
        total += (Decimal(area) * Decimal("2.80")).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
    return total


@tagged("post_install", "-at_install")
class TestRosterImport(PropertyBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.roster_community = cls.env["property.community"].create(
            {"name": "Roster Garden", "code": "RG"}
        )
        with file_open(SAMPLE_PATH, "rb") as sample:
            cls.sample = sample.read()
        # Demo data may give other contacts the mobile numbers used here, which
        # the import would rightly reject as belonging to someone else.
        mobiles = set(re.findall(r"1[3-9]\d{9}", cls.sample.decode("utf-8-sig")))
        mobiles |= {"13911112222", "13911113333", "13911114444", "13800000019"}
        cls.env["res.partner"].with_context(active_test=False).search(
            [("mobile", "!=", False)]
        ).filtered(lambda partner: roster.mobile_key(partner.mobile) in mobiles).write(
            {"mobile": False}
        )

    def _import(self, data, filename="roster.csv", community=None, **values):
        wizard = self.env["property.roster.import"].create(
            {
                "community_id": (community or self.roster_community).id,
                "file": base64.b64encode(data),
                "filename": filename,
                **values,
            }
        )
        wizard.action_import()
        return wizard

    def _record_counts(self):
        return {
            model: self.env[model].with_context(active_test=False).search_count([])
            for model in ("property.building", "property.unit", "res.partner")
        }

    def _unit(self, code, community=None):
        return self.env["property.unit"].search(
            [
                ("community_id", "=", (community or self.roster_community).id),
                ("code", "=", code),
            ]
        )

    def _error_messages(self, wizard):
        return {line.line_number: line.message for line in wizard.error_line_ids}

    def _sample_without_errors(self):
        lines = self.sample.decode("utf-8-sig").splitlines()
        good = [
            text for number, text in enumerate(lines, 1) if number not in SAMPLE_ERRORS
        ]
        return "\r\n".join(good).encode("utf-8-sig")

    # ------------------------------------------------------------
    # Strict import of the sample
    # ------------------------------------------------------------

    def test_strict_import_rejects_sample(self):
        before = self._record_counts()

        wizard = self._import(self.sample, filename="roster_sample.csv")

        self.assertEqual(self._record_counts(), before)
        self.assertEqual(wizard.state, "checked")
        self.assertEqual(wizard.row_count, 141)
        self.assertEqual(wizard.error_count, 8)
        self.assertEqual(wizard.new_count, 133)
        self.assertEqual(wizard.unit_created_count, 0)
        self.assertEqual(self._error_messages(wizard), SAMPLE_ERRORS)
        self.assertEqual(
            wizard.summary,
            "Nothing was imported. Rows with errors: 8 of 141. Fix them in the file "
            'and import it again, or tick "Import valid rows only" to import the '
            "valid new rows (133) and leave the others out.",
        )

    def test_error_report_lists_bad_rows(self):
        wizard = self._import(self.sample, filename="roster_sample.csv")

        self.assertEqual(wizard.error_report_name, "roster_sample-errors.csv")
        report = base64.b64decode(wizard.error_report)
        self.assertTrue(report.startswith(b"\xef\xbb\xbf"))
        rows = list(csv.reader(io.StringIO(report.decode("utf-8-sig"))))
        self.assertEqual(rows[0], ["Line", "Unit", "Building", "Owner", "Reason"])
        self.assertEqual([int(row[0]) for row in rows[1:]], sorted(SAMPLE_ERRORS))
        self.assertEqual(rows[1], ["14", "1-1-701", "1栋", "", SAMPLE_ERRORS[14]])
        self.assertEqual(rows[8], ["76", "2-2-702", "2栋", "曹明", SAMPLE_ERRORS[76]])

    def test_check_writes_nothing(self):
        before = self._record_counts()
        wizard = self.env["property.roster.import"].create(
            {
                "community_id": self.roster_community.id,
                "file": base64.b64encode(self._sample_without_errors()),
                "filename": "roster.csv",
            }
        )

        wizard.action_check()

        self.assertEqual(self._record_counts(), before)
        self.assertEqual(wizard.state, "checked")
        self.assertEqual(wizard.new_count, 133)
        self.assertEqual(wizard.error_count, 0)
        self.assertFalse(wizard.error_report)

    # ------------------------------------------------------------
    # Import of valid rows only
    # ------------------------------------------------------------

    def test_valid_rows_only(self):
        before = self._record_counts()

        wizard = self._import(self.sample, import_valid_only=True)

        after = self._record_counts()
        self.assertEqual(after["property.building"] - before["property.building"], 4)
        self.assertEqual(after["property.unit"] - before["property.unit"], 133)
        self.assertEqual(after["res.partner"] - before["res.partner"], 133)
        self.assertEqual(wizard.state, "done")
        self.assertEqual(wizard.unit_created_count, 133)
        self.assertEqual(wizard.building_created_count, 4)
        self.assertEqual(wizard.partner_created_count, 133)
        self.assertEqual(wizard.fee_created_count, 0)
        self.assertEqual(self._error_messages(wizard), SAMPLE_ERRORS)
        self.assertTrue(wizard.error_report)

        units = self.roster_community.unit_ids
        self.assertEqual(len(units.filtered(lambda u: u.unit_type == "apartment")), 113)
        self.assertEqual(len(units.filtered(lambda u: u.unit_type == "parking")), 20)
        self.assertEqual(
            sorted(self.roster_community.building_ids.mapped("code")),
            ["1", "2", "3", "地下车库"],
        )
        for code in ("1-1-701", "2-2-702", "2-1-101", "2-1-502", "2-2-101", "2-2-502"):
            self.assertFalse(self._unit(code), f"unit {code} must be left out")

    def test_messy_values_normalised(self):
        self._import(self.sample, import_valid_only=True)

        self.assertRecordValues(
            self._unit("1-1-402") | self._unit("1-1-202"),
            [{"area": 105.30}, {"area": 120.05}],
        )
        unit = self._unit("1-1-1001")
        self.assertEqual(unit.owner_id.mobile, "13800000019")
        self.assertEqual(unit.owner_id.name, "杜秀")
        self.assertEqual(unit.billing_partner_id, unit.owner_id)
        self.assertEqual(unit.owner_id.company_id, self.company)
        self.assertEqual(self._unit("1-2-302").handover_date, date(2021, 5, 1))
        self.assertRecordValues(
            self._unit("1-2-701"),
            [
                {
                    "building_id": self.roster_community.building_ids.filtered(
                        lambda b: b.code == "1"
                    ).id,
                    "entrance": "2",
                    "number": "701",
                    "floor": 7,
                    "unit_type": "apartment",
                    "area": 120.05,
                    "handover_date": date(2018, 9, 16),
                }
            ],
        )
        parking = self._unit("地下车库-B1-001")
        self.assertRecordValues(
            parking,
            [
                {
                    "entrance": False,
                    "number": "B1-001",
                    "floor": -1,
                    "unit_type": "parking",
                    "area": 12.50,
                    "handover_date": date(2022, 9, 15),
                }
            ],
        )
        self.assertEqual(parking.building_id.name, "地下车库")
        self.assertEqual(parking.owner_id.name, "文春")

    def test_reimport_creates_nothing(self):
        self._import(self.sample, import_valid_only=True)
        before = self._record_counts()

        wizard = self._import(self.sample, import_valid_only=True)

        self.assertEqual(self._record_counts(), before)
        self.assertEqual(wizard.unit_created_count, 0)
        self.assertEqual(wizard.building_created_count, 0)
        self.assertEqual(wizard.partner_created_count, 0)
        self.assertEqual(wizard.new_count, 0)
        self.assertEqual(wizard.unchanged_count, 133)
        self.assertEqual(wizard.error_count, 8)

    def test_strict_reimport_of_clean_file(self):
        clean = self._sample_without_errors()
        first = self._import(clean)
        self.assertEqual(first.state, "done")
        self.assertEqual(first.unit_created_count, 133)
        self.assertFalse(first.error_report)
        before = self._record_counts()

        second = self._import(clean)

        self.assertEqual(self._record_counts(), before)
        self.assertEqual(second.state, "done")
        self.assertEqual(second.unit_created_count, 0)
        self.assertEqual(second.unchanged_count, 133)
        self.assertEqual(second.error_count, 0)

    def test_existing_unit_with_other_data(self):
        clean = self._sample_without_errors()
        self._import(clean)
        changed = clean.decode("utf-8-sig").replace(
            "1栋,1单元,402,4,住宅,１０５．３０,龚明", "1栋,1单元,402,4,住宅,99.00,龚明"
        )
        before = self._record_counts()

        wizard = self._import(changed.encode())

        self.assertEqual(self._record_counts(), before)
        self.assertEqual(wizard.state, "checked")
        self.assertEqual(
            self._error_messages(wizard),
            {
                9: "Unit 1-1-402 already exists in community Roster Garden with other "
                "data (Building Area (m²) is 105.30 in Odoo but 99.00 in the file): "
                "change the unit in Odoo, or make the row match it."
            },
        )
        self.assertEqual(wizard.unchanged_count, 132)

    def test_failure_during_writing_rolls_back(self):
        before = self._record_counts()
        wizard_class = type(self.env["property.roster.import"])
        wizard = self.env["property.roster.import"].create(
            {
                "community_id": self.roster_community.id,
                "file": base64.b64encode(self._sample_without_errors()),
                "filename": "roster.csv",
            }
        )

        with (
            patch.object(
                wizard_class, "_create_unit_fees", side_effect=RuntimeError("disk full")
            ),
            mute_logger("odoo.addons.property_billing.wizard.property_roster_import"),
            self.assertRaises(UserError) as caught,
        ):
            wizard.action_import()

        self.assertEqual(self._record_counts(), before)
        self.assertIn("nothing was written (disk full)", str(caught.exception))

    def test_checks_do_not_query_per_row(self):
        clean = self._sample_without_errors()
        self._import(clean)
        header, *rows = clean.decode("utf-8-sig").splitlines()
        counts = []
        for row_count in (5, len(rows)):
            data = "\r\n".join([header, *rows[:row_count]]).encode()
            wizard = self.env["property.roster.import"].create(
                {
                    "community_id": self.roster_community.id,
                    "file": base64.b64encode(data),
                    "filename": "roster.csv",
                }
            )
            self.env.flush_all()
            queries_before = self.env.cr.sql_log_count
            rows_read = wizard._read_rows()
            wizard._check_rows(rows_read)
            counts.append(self.env.cr.sql_log_count - queries_before)
        self.assertEqual(counts[0], counts[1])

    # ------------------------------------------------------------
    # Owners
    # ------------------------------------------------------------

    def _english_roster(self, *rows):
        header = "building,entrance,number,floor,type,area,owner,mobile,handover_date"
        return "\n".join([header, *rows]).encode()

    def test_owner_matched_by_mobile(self):
        owner = self.env["res.partner"].create(
            {
                "name": "Wang Wei",
                "mobile": "+86 139 1111 2222",
                "company_id": self.company.id,
            }
        )
        data = self._english_roster(
            "Building 5,1,101,1,apartment,88.00,Wang Wei,139-1111-2222,2024-03-01",
            "Garage,,B1-001,-1,parking,12.50,Wang Wei,13911112222,2024-03-01",
            "Building 5,1,102,1,apartment,90.00,Zhang San,,2024-03-01",
            "Building 5,1,201,2,apartment,90.00,Zhang San,,2024-03-01",
        )

        wizard = self._import(data)

        self.assertEqual(wizard.state, "done")
        self.assertEqual(wizard.partner_created_count, 1)
        self.assertEqual(self._unit("5-1-101").owner_id, owner)
        self.assertEqual(self._unit("Garage-B1-001").owner_id, owner)
        zhang = self._unit("5-1-102").owner_id
        self.assertEqual(zhang.name, "Zhang San")
        self.assertFalse(zhang.mobile)
        self.assertEqual(self._unit("5-1-201").owner_id, zhang)

    def test_international_mobile_imported(self):
        data = self._english_roster(
            "Building 6,1,101,1,apartment,88.00,Claire Martin,+33 6 12 34 56 78,"
            "2024-03-01",
        )

        checked = self.env["property.roster.import"].create(
            {
                "community_id": self.roster_community.id,
                "file": base64.b64encode(data),
                "filename": "roster.csv",
            }
        )
        checked.action_check()
        self.assertEqual(
            checked.summary,
            "The file is valid. New units to import: 1. Rows already imported: 0.",
        )
        wizard = self._import(data)

        self.assertEqual(wizard.state, "done")
        self.assertEqual(wizard.error_count, 0)
        self.assertEqual(self._unit("6-1-101").owner_id.mobile, "+33612345678")
        self.assertEqual(
            wizard.summary,
            "Units created: 1. Buildings created: 1. Owners created: 1. Unit fees "
            "created: 0. Rows already imported: 0. Rows with errors left out: 0; "
            "see the list and the error report.",
        )

    def test_mobile_of_another_contact(self):
        self.env["res.partner"].create(
            {"name": "Li Na", "mobile": "13911113333", "company_id": self.company.id}
        )
        before = self._record_counts()

        wizard = self._import(
            self._english_roster(
                "Building 5,1,101,1,apartment,88.00,Zhang San,13911113333,"
            )
        )

        self.assertEqual(self._record_counts(), before)
        self.assertEqual(
            self._error_messages(wizard),
            {
                2: "Mobile number 13911113333 belongs to contact Li Na, not to Zhang "
                "San: use that contact's name as owner, or another number."
            },
        )

    def test_existing_building_matched_by_code(self):
        wizard = self._import(
            self._english_roster("1栋,1单元,901,9,住宅,88.00,Zhang San,,"),
            community=self.community,
        )

        self.assertEqual(wizard.building_created_count, 0)
        unit = self._unit("1-1-901", community=self.community)
        self.assertEqual(unit.building_id, self.building_1)

    # ------------------------------------------------------------
    # File formats
    # ------------------------------------------------------------

    def test_xlsx_english_headers(self):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(
            [
                "Building",
                "Entrance",
                "Number",
                "Floor",
                "Type",
                "Area (m²)",
                "Owner",
                "Phone",
                "Handover Date",
            ]
        )
        sheet.append(
            [
                "1栋",
                "1单元",
                101,
                1,
                "Apartment",
                133.8,
                "李军",
                15800000001,
                datetime(2019, 4, 25),
            ]
        )
        sheet.append(
            [
                "Garage",
                None,
                "B1-001",
                -1,
                "Parking",
                12.5,
                "文春",
                13900000121,
                "2022/9/15",
            ]
        )
        output = io.BytesIO()
        workbook.save(output)

        wizard = self._import(output.getvalue(), filename="roster.xlsx")

        self.assertEqual(wizard.state, "done")
        self.assertEqual(wizard.unit_created_count, 2)
        self.assertRecordValues(
            self._unit("1-1-101") | self._unit("Garage-B1-001"),
            [
                {
                    "area": 133.80,
                    "unit_type": "apartment",
                    "handover_date": date(2019, 4, 25),
                },
                {
                    "area": 12.50,
                    "unit_type": "parking",
                    "handover_date": date(2022, 9, 15),
                },
            ],
        )
        self.assertEqual(self._unit("1-1-101").owner_id.mobile, "15800000001")

    def test_gb18030_csv(self):
        text = "楼栋,单元,房号,楼层,房屋类型,建筑面积(㎡),业主姓名,手机号,入住日期\r\n"
        text += "1栋,1单元,101,1,住宅,133.80,李军,15800000001,2019-04-25\r\n"

        wizard = self._import(text.encode("gb18030"))

        self.assertEqual(wizard.unit_created_count, 1)
        self.assertEqual(self._unit("1-1-101").owner_id.name, "李军")

    def test_file_without_required_column(self):
        with self.assertRaises(UserError) as caught:
            self._import(b"building,number,owner\n1,101,Li\n")
        self.assertIn("The roster has no column for area.", str(caught.exception))

    # ------------------------------------------------------------
    # Fees and billing
    # ------------------------------------------------------------

    def test_billing_after_import(self):
        wizard = self._import(
            self.sample,
            import_valid_only=True,
            apply_fees=True,
            fee_date_from="handover",
            apartment_fee_item_ids=[self.fee_management.id],
            parking_fee_item_ids=[self.fee_parking.id],
        )
        self.assertEqual(wizard.fee_created_count, 133)
        fee = self._unit("1-2-302").fee_ids
        self.assertRecordValues(
            fee,
            [{"fee_item_id": self.fee_management.id, "date_start": date(2021, 5, 1)}],
        )

        run = self.env["property.billing.run"].create(
            {
                "community_id": self.roster_community.id,
                "period_start": date(2026, 1, 1),
                "period_end": date(2026, 1, 31),
                "invoice_date": date(2026, 1, 1),
            }
        )
        run.action_generate()

        self.assertEqual(run.state, "done")
        self.assertEqual(run.error_count, 0)
        self.assertEqual(run.invoice_count, 133)
        self.assertEqual(run.billed_unit_count, 133)
        expected = expected_sample_total()
        self.assertEqual(expected, Decimal("37135.46"))
        self.assertEqual(self.cny.compare_amounts(run.amount_total, float(expected)), 0)
        total = sum(run.invoice_ids.mapped("amount_total"))
        self.assertEqual(self.cny.compare_amounts(total, float(expected)), 0)

        owner = self._unit("1-2-302").owner_id
        invoice = run.invoice_ids.filtered(lambda move: move.partner_id == owner)
        self.assertRecordValues(
            invoice,
            [{"state": "posted", "amount_untaxed": 294.84, "amount_total": 294.84}],
        )
        self.assertRecordValues(
            invoice.invoice_line_ids,
            [
                {
                    "name": "Management Fee 2026-01 1-2-302: 105.30 m² × 2.80/m²/month "
                    "× 1 month(s)",
                    "quantity": 1.0,
                    "price_unit": 294.84,
                    "price_subtotal": 294.84,
                }
            ],
        )

    def test_owner_with_two_units_one_invoice(self):
        data = self._english_roster(
            "Building 5,1,101,1,apartment,88.00,Wang Wei,13911112222,2024-03-01",
            "Garage,,B1-001,-1,parking,12.50,Wang Wei,13911112222,2024-03-01",
            "Building 5,1,102,1,apartment,90.05,Zhang San,13911114444,",
        )
        wizard = self._import(
            data,
            apply_fees=True,
            fee_date_from="date",
            fee_date_start=date(2026, 1, 1),
            apartment_fee_item_ids=[self.fee_management.id],
            parking_fee_item_ids=[self.fee_parking.id],
        )
        self.assertEqual(wizard.partner_created_count, 2)
        self.assertEqual(wizard.fee_created_count, 3)

        run = self.env["property.billing.run"].create(
            {
                "community_id": self.roster_community.id,
                "period_start": date(2026, 1, 1),
                "period_end": date(2026, 1, 31),
                "invoice_date": date(2026, 1, 1),
            }
        )
        run.action_generate()

        self.assertEqual(run.invoice_count, 2)
        wang = self._unit("5-1-101").owner_id
        invoice = run.invoice_ids.filtered(lambda move: move.partner_id == wang)
        self.assertRecordValues(invoice, [{"amount_total": 396.40}])
        self.assertRecordValues(
            invoice.invoice_line_ids.sorted("price_unit"),
            [
                {"price_unit": 150.00, "product_id": self.fee_parking.product_id.id},
                {"price_unit": 246.40, "product_id": self.fee_management.product_id.id},
            ],
        )
        zhang = run.invoice_ids - invoice
        self.assertRecordValues(zhang, [{"amount_total": 252.14}])

    def test_missing_handover_date_for_fees(self):
        wizard = self._import(
            self._english_roster("Building 5,1,101,1,apartment,88.00,Wang Wei,,"),
            apply_fees=True,
            fee_date_from="handover",
            apartment_fee_item_ids=[self.fee_management.id],
        )

        self.assertEqual(
            self._error_messages(wizard),
            {
                2: "Handover date is missing, so the fees of unit 5-1-101 cannot "
                "start: enter the handover date, or set Fees From."
            },
        )
        self.assertFalse(self._unit("5-1-101"))

    # ------------------------------------------------------------
    # Standard import
    # ------------------------------------------------------------

    def test_base_import_of_units(self):
        data = (
            "building_id,entrance,number,floor,unit_type,area,owner_id\n"
            "Building 1,3,101,1,Apartment,88.50,Owner A\n"
            "Building 2,1,B1-009,-1,parking,12.50,Owner B\n"
        )
        importer = self.env["base_import.import"].create(
            {
                "res_model": "property.unit",
                "file": data.encode(),
                "file_name": "units.csv",
                "file_type": "text/csv",
            }
        )
        fields = [
            "building_id",
            "entrance",
            "number",
            "floor",
            "unit_type",
            "area",
            "owner_id",
        ]
        options = {
            "has_headers": True,
            "quoting": '"',
            "separator": ",",
            "encoding": "utf-8",
        }

        dryrun = importer.execute_import(fields, fields, options, dryrun=True)
        self.assertEqual(dryrun["messages"], [])
        self.assertFalse(self._unit("1-3-101", community=self.community))

        result = importer.execute_import(fields, fields, options)
        self.assertEqual(result["messages"], [])
        units = self.env["property.unit"].browse(result["ids"])
        self.assertRecordValues(
            units,
            [
                {
                    "code": "1-3-101",
                    "building_id": self.building_1.id,
                    "community_id": self.community.id,
                    "unit_type": "apartment",
                    "area": 88.50,
                    "owner_id": self.owner_a.id,
                    "billing_partner_id": self.owner_a.id,
                },
                {
                    "code": "2-1-B1-009",
                    "building_id": self.building_2.id,
                    "community_id": self.community.id,
                    "unit_type": "parking",
                    "area": 12.50,
                    "owner_id": self.owner_b.id,
                    "billing_partner_id": self.owner_b.id,
                },
            ],
        )
