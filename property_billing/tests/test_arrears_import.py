import base64
import csv
import io
from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import BaseCase, new_test_user, tagged

from ..tools import arrears
from .common import PropertyBillingCommon
from .test_late_fee_accrual import LateFeeCommon

HEADER = ("房号", "收费项目", "开始日期", "结束日期", "金额", "到期日", "备注")


def make_csv(rows, header=HEADER):
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(list(header))
    writer.writerows(rows)
    return output.getvalue().encode("utf-8")


@tagged("post_install", "-at_install")
class TestArrearsParsing(BaseCase):
    def test_amounts(self):
        self.assertEqual(str(arrears.parse_amount("1,234.50")), "1234.50")
        self.assertEqual(str(arrears.parse_amount("¥88元")), "88")
        for value, code in [
            ("", "amount_missing"),
            ("abc", "amount_invalid"),
            ("0", "amount_not_positive"),
            ("-5", "amount_not_positive"),
            ("1.005", "amount_precision"),
            ("NaN", "amount_invalid"),
        ]:
            with self.assertRaises(ValueError) as caught:
                arrears.parse_amount(value)
            self.assertEqual(caught.exception.args[0], code, value)

    def test_row_issues(self):
        [row] = arrears.parse_rows(
            [
                list(HEADER),
                ["1-101", "MGMT", "2024-02-01", "2024-01-31", "x", "bad", ""],
            ]
        )
        codes = [issue.code for issue in row.issues]
        self.assertEqual(codes, ["date_invalid", "period_order", "amount_invalid"])

    def test_due_date_defaults_to_period_end(self):
        [row] = arrears.parse_rows(
            [
                list(HEADER),
                ["1-101", "MGMT", "2024/1/1", "2024年1月31日", "100", "", ""],
            ]
        )
        self.assertEqual(row.issues, [])
        self.assertEqual(row.due_date, date(2024, 1, 31))

    def test_overlaps(self):
        overlaps = arrears.find_overlaps(
            [
                ("a", date(2024, 1, 1), date(2024, 1, 31), 2),
                ("a", date(2024, 2, 1), date(2024, 2, 29), 3),
                ("a", date(2024, 1, 1), date(2024, 1, 31), 4),
                ("b", date(2024, 1, 1), date(2024, 3, 31), 5),
                ("b", date(2024, 3, 1), date(2024, 3, 31), 6),
            ]
        )
        self.assertEqual(overlaps, {4: 2, 6: 5})


class ArrearsImportCommon(PropertyBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.units = cls.env["property.unit"]
        for index in range(50):
            building = cls.building_1 if index < 25 else cls.building_2
            owner = cls.owner_a if index % 2 else cls.owner_b
            cls.units |= cls._create_unit(building, f"{index + 1:03d}", 80.0, owner)

    def _import(self, data, action="action_import", filename="arrears.csv"):
        wizard = self.env["property.arrears.import"].create(
            {
                "community_id": self.community.id,
                "file": base64.b64encode(data),
                "filename": filename,
                "invoice_date": date(2024, 12, 31),
            }
        )
        getattr(wizard, action)()
        return wizard

    def _rows_500(self):
        """50 units × 10 months of 2024 of management fees: 500 distinct rows."""
        rows = []
        for unit in self.units.sorted("code"):
            for month in range(1, 11):
                end = date(2024, month + 1, 1).toordinal() - 1
                rows.append(
                    [
                        unit.code,
                        "MGMT",
                        date(2024, month, 1).isoformat(),
                        date.fromordinal(end).isoformat(),
                        "224.00",
                        date(2024, month, 15).isoformat(),
                        "",
                    ]
                )
        return rows

    def _opening_charges(self):
        return self.env["property.billing.charge"].search(
            [
                ("unit_id", "in", self.units.ids),
                ("move_id.property_opening_arrears", "=", True),
            ]
        )


@tagged("post_install", "-at_install")
class TestArrearsImport(ArrearsImportCommon):
    def test_500_rows_with_duplicate_then_499_then_none(self):
        rows = self._rows_500()
        self.assertEqual(len(rows), 500)
        # Line 502 of the file repeats line 9 (unit 001, August 2024).
        with_duplicate = rows[:499] + [rows[7]] + rows[499:]
        self.assertEqual(len(with_duplicate), 501)
        wizard = self._import(make_csv(with_duplicate[:500]))
        self.assertEqual(wizard.state, "checked")
        self.assertEqual(wizard.row_count, 500)
        self.assertEqual(wizard.error_count, 1)
        self.assertFalse(self._opening_charges())
        self.assertFalse(
            self.env["account.move"].search([("property_opening_arrears", "=", True)])
        )
        report = base64.b64decode(wizard.error_report).decode("utf-8-sig")
        report_rows = list(csv.reader(io.StringIO(report)))
        self.assertEqual(len(report_rows), 2)
        self.assertEqual(report_rows[1][0], "501")
        self.assertEqual(report_rows[1][1], rows[7][0])
        self.assertIn("line 9", report_rows[1][-1])
        self.assertEqual(wizard.error_report_name, "arrears-errors.csv")

        wizard = self._import(make_csv(rows[:499]))
        self.assertEqual(wizard.state, "done", wizard.error_text)
        self.assertEqual(wizard.charge_created_count, 499)
        charges = self._opening_charges()
        self.assertEqual(len(charges), 499)
        self.assertEqual(set(charges.mapped("state")), {"invoiced"})
        moves = charges.move_id
        self.assertEqual(set(moves.mapped("state")), {"posted"})
        self.assertTrue(all(moves.mapped("property_opening_arrears")))
        self.assertEqual(moves.property_community_id, self.community)
        # One bill per owner and due date: 2 owners × 10 due dates.
        self.assertEqual(len(moves), 20)
        self.assertEqual(wizard.invoice_created_count, 20)
        self.assertAlmostEqual(sum(moves.mapped("amount_total")), 499 * 224.00, 2)
        self.assertEqual(
            sorted(set(moves.mapped("invoice_date_due"))),
            [date(2024, month, 15) for month in range(1, 11)],
        )
        # The counterpart is the opening balance account, not income.
        income = moves.invoice_line_ids.account_id
        self.assertEqual(income, self.company.get_unaffected_earnings_account())

        wizard = self._import(make_csv(rows[:499]))
        self.assertEqual(wizard.state, "checked")
        self.assertEqual(wizard.error_count, 499)
        self.assertEqual(len(self._opening_charges()), 499)

    def test_bad_rows_write_nothing(self):
        unit = self.units[0]
        rows = [
            [unit.code, "MGMT", "2024-01-01", "2024-01-31", "100.00", "", "ok"],
            ["9-999", "MGMT", "2024-01-01", "2024-01-31", "100.00", "", ""],
            [unit.code, "NOPE", "2024-01-01", "2024-01-31", "100.00", "", ""],
            [unit.code, "GARB", "2024-13-01", "2024-01-31", "100.00", "", ""],
            [unit.code, "PARK", "2024-01-01", "2024-01-31", "-3", "", ""],
            [unit.code, "Garbage Fee", "2024-03-01", "2024-02-01", "10", "", ""],
            ["", "", "2024-01-01", "2024-01-31", "1.234", "", ""],
        ]
        wizard = self._import(make_csv(rows))
        self.assertEqual(wizard.state, "checked")
        self.assertEqual(wizard.error_count, 6)
        self.assertFalse(self._opening_charges())
        lines = wizard.error_text.splitlines()
        self.assertEqual(len(lines), 6)
        self.assertIn("Line 3: Unit 9-999 is not in community", lines[0])
        self.assertIn('Line 4: Fee item "NOPE" is not found', lines[1])
        self.assertIn('Line 5: The period start "2024-13-01" is invalid', lines[2])
        self.assertIn("Line 6: Amount -3 is not positive", lines[3])
        self.assertIn("Line 7: The period ends on 2024-02-01", lines[4])
        self.assertIn("Line 8: Unit is missing", lines[5])
        self.assertIn("Fee item is missing", lines[5])
        self.assertIn("Amount 1.234 has more decimals", lines[5])

    def test_overlap_with_billed_charge(self):
        unit = self.units[0]
        self._apply_fee(unit, self.fee_management, date(2024, 1, 1))
        run = self._create_run(date(2024, 3, 1), date(2024, 3, 31), unit_ids=unit.ids)
        run.action_generate()
        billed = run.invoice_ids
        self.assertEqual(len(billed), 1)
        rows = [[unit.code, "MGMT", "2024-01-01", "2024-03-31", "672.00", "", ""]]
        wizard = self._import(make_csv(rows))
        self.assertEqual(wizard.error_count, 1)
        self.assertIn(f"on bill {billed.name}", wizard.error_text)
        # Cancelling the bill releases the period.
        billed.button_cancel()
        wizard = self._import(make_csv(rows))
        self.assertEqual(wizard.state, "done", wizard.error_text)
        self.assertEqual(len(self._opening_charges()), 1)

    def test_check_writes_nothing(self):
        wizard = self._import(make_csv(self._rows_500()[:3]), action="action_check")
        self.assertEqual(wizard.state, "checked")
        self.assertEqual(wizard.error_count, 0)
        self.assertIn("3 unpaid fees", wizard.summary)
        self.assertFalse(self._opening_charges())

    def test_xlsx_file(self):
        import openpyxl

        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["unit", "fee_item", "period_start", "period_end", "amount"])
        sheet.append(
            [self.units[0].code, "MGMT", date(2024, 1, 1), date(2024, 1, 31), 224]
        )
        output = io.BytesIO()
        workbook.save(output)
        wizard = self._import(output.getvalue(), filename="arrears.xlsx")
        self.assertEqual(wizard.state, "done", wizard.error_text)
        charge = self._opening_charges()
        self.assertRecordValues(
            charge,
            [
                {
                    "amount": 224.00,
                    "period_start": date(2024, 1, 1),
                    "period_end": date(2024, 1, 31),
                    "state": "invoiced",
                }
            ],
        )
        self.assertEqual(charge.move_id.invoice_date_due, date(2024, 1, 31))

    def test_billing_user_cannot_import(self):
        """Only billing managers create posted bills from a file."""
        user = new_test_user(
            self.env,
            login="arrears_billing_user",
            groups="property_billing.property_billing_group_user",
            company_id=self.company.id,
        )
        with self.assertRaises(AccessError):
            self.env["property.arrears.import"].with_user(user).create(
                {"community_id": self.community.id}
            )

    def test_missing_column(self):
        from odoo.exceptions import UserError

        with self.assertRaisesRegex(UserError, "no column for amount"):
            self._import(
                make_csv([["1", "MGMT", "2024-01-01", "2024-01-31"]], HEADER[:4])
            )


@tagged("post_install", "-at_install")
class TestArrearsLateFee(LateFeeCommon):
    def test_late_fee_from_own_due_date(self):
        rows = [
            [self.unit_1.code, "SERV", "2026-02-01", "2026-02-28", "1000", "2026-03-31"]
        ]
        wizard = self.env["property.arrears.import"].create(
            {
                "community_id": self.community.id,
                "file": base64.b64encode(make_csv(rows, HEADER[:6])),
                "filename": "arrears.csv",
                "invoice_date": date(2026, 4, 1),
            }
        )
        wizard.action_import()
        self.assertEqual(wizard.state, "done", wizard.error_text)
        bill = wizard.invoice_ids
        self.assertRecordValues(
            bill,
            [
                {
                    "invoice_date": date(2026, 4, 1),
                    "invoice_date_due": date(2026, 3, 31),
                    "amount_total": 1000.00,
                }
            ],
        )
        self._run_job(date(2026, 4, 10))
        fee = self._late_fee_of(bill)
        # 10 days from 1 April at 0.05 % a day on 1,000.00.
        self.assertRecordValues(
            fee, [{"first_accrual_date": date(2026, 4, 1), "amount_accrued": 5.00}]
        )
