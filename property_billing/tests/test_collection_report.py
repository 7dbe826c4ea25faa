from datetime import date

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import PropertyBillingCommon


class CollectionCommon(PropertyBillingCommon):
    """March 2025 bills 10 units 1,000.00 each: 10,000.00 on four owners' bills.

    Owner A has units 101-104 (4,000.00), B 105-107 (3,000.00), C 201-202
    (2,000.00) and D 203 (1,000.00). Payments: A 4,000.00 on 20 March, B
    3,000.00 on 25 March, C 1,250.00 on 31 March (8,250.00 in March); C
    750.00 on 10 April and D 250.00 on 30 April (1,000.00 in April); D
    500.00 on 5 May.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fee_service = cls._create_fee_item("Service Fee", "SERV", "fixed", 1000.00)
        cls.owner_c = cls.env["res.partner"].create({"name": "Owner C"})
        cls.owner_d = cls.env["res.partner"].create({"name": "Owner D"})
        cls.units = cls.env["property.unit"]
        for number, owner in [
            ("101", cls.owner_a),
            ("102", cls.owner_a),
            ("103", cls.owner_a),
            ("104", cls.owner_a),
            ("105", cls.owner_b),
            ("106", cls.owner_b),
            ("107", cls.owner_b),
        ]:
            cls.units |= cls._create_unit(cls.building_1, number, 80.0, owner)
        for number, owner in [
            ("201", cls.owner_c),
            ("202", cls.owner_c),
            ("203", cls.owner_d),
        ]:
            cls.units |= cls._create_unit(cls.building_2, number, 80.0, owner)
        cls._apply_fee(cls.units, cls.fee_service, date(2025, 3, 1))
        run = cls.env["property.billing.run"].create(
            {
                "community_id": cls.community.id,
                "period_start": date(2025, 3, 1),
                "period_end": date(2025, 3, 31),
                "invoice_date": date(2025, 3, 1),
                "due_date": date(2025, 3, 16),
            }
        )
        run.action_generate()
        cls.march_run = run
        cls.bills = {
            owner: run.invoice_ids.filtered(lambda move, o=owner: move.partner_id == o)
            for owner in (cls.owner_a, cls.owner_b, cls.owner_c, cls.owner_d)
        }
        for owner, amount, day in [
            (cls.owner_a, 4000.00, date(2025, 3, 20)),
            (cls.owner_b, 3000.00, date(2025, 3, 25)),
            (cls.owner_c, 1250.00, date(2025, 3, 31)),
            (cls.owner_c, 750.00, date(2025, 4, 10)),
            (cls.owner_d, 250.00, date(2025, 4, 30)),
            (cls.owner_d, 500.00, date(2025, 5, 5)),
        ]:
            cls._pay(cls.bills[owner], amount, day)

    @classmethod
    def _pay(cls, invoice, amount, day):
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": amount, "payment_date": day})._create_payments()

    def _collection(self, as_of, groupby=(), domain=()):
        Report = self.env["property.collection.report"].with_context(
            property_report_date=as_of
        )
        return Report._read_group(
            [("community_id", "=", self.community.id), *domain],
            list(groupby),
            [
                "billed:sum",
                "credited:sum",
                "collected_in_period:sum",
                "collected_later:sum",
                "collected_total:sum",
                "open_amount:sum",
                "rate_in_period:avg",
                "rate_total:avg",
            ],
        )


@tagged("post_install", "-at_install")
class TestCollectionReport(CollectionCommon):
    def test_bills_of_march(self):
        self.assertEqual(len(self.march_run.invoice_ids), 4)
        self.assertEqual(
            sum(self.march_run.invoice_ids.mapped("amount_total")), 10000.00
        )

    def test_rate_by_end_of_april(self):
        [row] = self._collection(date(2025, 4, 30))
        billed, credited, in_period, later, total, unpaid, rate_in, rate = row
        self.assertAlmostEqual(billed, 10000.00, places=2)
        self.assertAlmostEqual(credited, 0.0, places=2)
        self.assertAlmostEqual(in_period, 8250.00, places=2)
        self.assertAlmostEqual(later, 1000.00, places=2)
        self.assertAlmostEqual(total, 9250.00, places=2)
        self.assertAlmostEqual(unpaid, 750.00, places=2)
        self.assertAlmostEqual(rate_in, 82.50, places=6)
        self.assertAlmostEqual(rate, 92.50, places=6)

    def test_rate_by_end_of_march(self):
        [row] = self._collection(date(2025, 3, 31))
        self.assertAlmostEqual(row[2], 8250.00, places=2)
        self.assertAlmostEqual(row[3], 0.0, places=2)
        self.assertAlmostEqual(row[6], 82.50, places=6)
        self.assertAlmostEqual(row[7], 82.50, places=6)

    def test_rate_today_counts_may(self):
        [row] = self._collection(date(2025, 12, 31))
        self.assertAlmostEqual(row[4], 9750.00, places=2)
        self.assertAlmostEqual(row[6], 82.50, places=6)
        self.assertAlmostEqual(row[7], 97.50, places=6)

    def test_before_any_bill_is_empty(self):
        [row] = self._collection(date(2025, 2, 28))
        self.assertFalse(row[0])

    def test_rate_per_building(self):
        rows = {
            building: values
            for building, *values in self._collection(
                date(2025, 4, 30), groupby=["building_id"]
            )
        }
        # Building 1: A and B paid 7,000.00 of 7,000.00 in March.
        self.assertAlmostEqual(rows[self.building_1][0], 7000.00, places=2)
        self.assertAlmostEqual(rows[self.building_1][6], 100.0, places=6)
        # Building 2: 1,250.00 of 3,000.00 in March, 2,250.00 by 30 April.
        self.assertAlmostEqual(rows[self.building_2][0], 3000.00, places=2)
        self.assertAlmostEqual(rows[self.building_2][2], 1250.00, places=2)
        self.assertAlmostEqual(rows[self.building_2][4], 2250.00, places=2)
        self.assertAlmostEqual(rows[self.building_2][6], 1250 / 30, places=6)
        self.assertAlmostEqual(rows[self.building_2][7], 75.0, places=6)

    def test_partial_payment_covers_first_line_first(self):
        Report = self.env["property.collection.report"].with_context(
            property_report_date=date(2025, 3, 31)
        )
        lines = Report.search(
            [("move_id", "=", self.bills[self.owner_c].id)], order="unit_id"
        )
        self.assertEqual(lines.unit_id.mapped("number"), ["201", "202"])
        self.assertEqual(lines.mapped("collected_in_period"), [1000.00, 250.00])
        self.assertEqual(lines.mapped("open_amount"), [0.0, 750.00])

    def test_per_fee_item_and_period(self):
        rows = self._collection(
            date(2025, 4, 30), groupby=["fee_item_id", "period_start:month"]
        )
        self.assertEqual(len(rows), 1)
        fee_item, month, billed, *_rest = rows[0]
        self.assertEqual(fee_item, self.fee_service)
        self.assertEqual(month, date(2025, 3, 1))
        self.assertAlmostEqual(billed, 10000.00, places=2)

    def test_credit_note_reduces_billed(self):
        bill = self.bills[self.owner_d]
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.owner_d.id,
                "invoice_date": date(2025, 4, 15),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.fee_service.product_id.id,
                            "quantity": 1.0,
                            "price_unit": 200.00,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        (bill | refund).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        [row] = self._collection(date(2025, 4, 30), domain=[("move_id", "=", bill.id)])
        billed, credited, in_period, later, total, unpaid, rate_in, rate = row
        self.assertAlmostEqual(billed, 1000.00, places=2)
        self.assertAlmostEqual(credited, 200.00, places=2)
        self.assertAlmostEqual(total, 250.00, places=2)
        self.assertAlmostEqual(unpaid, 550.00, places=2)
        self.assertAlmostEqual(rate, 250 / 800 * 100, places=6)

    def test_agrees_with_receivables(self):
        """Unpaid amounts of the report equal Odoo's receivable balances."""
        today = date.today()
        [row] = self._collection(today)
        residual = sum(self.march_run.invoice_ids.mapped("amount_residual"))
        self.assertEqual(self.company.currency_id.compare_amounts(row[5], residual), 0)
        ledger = self.env["account.move.line"]._read_group(
            [
                ("partner_id", "in", self.march_run.invoice_ids.partner_id.ids),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
            ],
            [],
            ["balance:sum"],
        )[0][0]
        self.assertAlmostEqual(ledger, 250.00, places=2)
        self.assertEqual(self.company.currency_id.compare_amounts(row[5], ledger), 0)
        per_owner = {
            partner: unpaid
            for partner, unpaid in self.env["property.collection.report"]
            .with_context(property_report_date=today)
            ._read_group(
                [("community_id", "=", self.community.id)],
                ["partner_id"],
                ["open_amount:sum"],
            )
        }
        for owner, bill in self.bills.items():
            self.assertAlmostEqual(per_owner[owner], bill.amount_residual, places=2)

    def test_other_company_sees_nothing(self):
        other = self.setup_other_company()["company"]
        user = new_test_user(
            self.env,
            login="other_company_billing",
            groups="property_billing.property_billing_group_user",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        Report = self.env["property.collection.report"]
        self.assertEqual(Report.search_count([]), 10)
        self.assertEqual(Report.with_user(user).search_count([]), 0)
        Arrears = self.env["property.arrears.report"]
        self.assertEqual(Arrears.search_count([]), 1)
        self.assertEqual(Arrears.with_user(user).search_count([]), 0)

    def test_export_rows(self):
        """Odoo's export, which writes the XLSX files, reads the report rows."""
        Report = self.env["property.collection.report"].with_context(
            property_report_date=date(2025, 4, 30)
        )
        rows = Report.search([("partner_id", "=", self.owner_c.id)], order="id")
        exported = rows.export_data(
            ["unit_id", "billed", "collected_in_period", "collected_later"]
        )["datas"]
        self.assertEqual(
            exported,
            [
                [self.units[7].display_name, 1000.0, 1000.0, 0.0],
                [self.units[8].display_name, 1000.0, 250.0, 750.0],
            ],
        )

    def test_drill_down_opens_bill(self):
        line = self.env["property.collection.report"].search(
            [("move_id", "=", self.bills[self.owner_d].id)]
        )
        action = line.action_open_bill()
        self.assertEqual(action["res_model"], "account.move")
        self.assertEqual(action["res_id"], self.bills[self.owner_d].id)


@tagged("post_install", "-at_install")
class TestArrearsReport(CollectionCommon):
    def _arrears(self, as_of, groupby):
        Report = self.env["property.arrears.report"].with_context(
            property_report_date=as_of
        )
        return {
            key: values
            for key, *values in Report._read_group(
                [("community_id", "=", self.community.id)],
                [groupby],
                [
                    "open_amount:sum",
                    "amount_not_due:sum",
                    "amount_0_30:sum",
                    "amount_31_90:sum",
                    "amount_91_180:sum",
                    "amount_181_365:sum",
                    "amount_over_365:sum",
                ],
            )
        }

    def test_not_due_before_due_date(self):
        rows = self._arrears(date(2025, 3, 10), "partner_id")
        self.assertAlmostEqual(rows[self.owner_d][0], 1000.00, places=2)
        self.assertAlmostEqual(rows[self.owner_d][1], 1000.00, places=2)
        self.assertAlmostEqual(rows[self.owner_d][2], 0.0, places=2)

    def test_buckets_per_owner(self):
        # Due 16 March: 10 April is 25 days past due.
        rows = self._arrears(date(2025, 4, 10), "partner_id")
        self.assertEqual(set(rows), {self.owner_d})
        self.assertAlmostEqual(rows[self.owner_d][0], 1000.00, places=2)
        self.assertAlmostEqual(rows[self.owner_d][2], 1000.00, places=2)
        # 30 June is 106 days past due; D owes 250.00 after paying 750.00.
        rows = self._arrears(date(2025, 6, 30), "partner_id")
        self.assertAlmostEqual(rows[self.owner_d][0], 250.00, places=2)
        self.assertAlmostEqual(rows[self.owner_d][4], 250.00, places=2)
        # 31 March 2026 is 380 days past due.
        rows = self._arrears(date(2026, 3, 31), "partner_id")
        self.assertAlmostEqual(rows[self.owner_d][6], 250.00, places=2)

    def test_buckets_per_unit(self):
        rows = self._arrears(date(2025, 4, 1), "unit_id")
        unit_202 = self.units.filtered(lambda unit: unit.number == "202")
        unit_203 = self.units.filtered(lambda unit: unit.number == "203")
        self.assertEqual(set(rows), {unit_202, unit_203})
        self.assertAlmostEqual(rows[unit_202][0], 750.00, places=2)
        self.assertAlmostEqual(rows[unit_202][2], 750.00, places=2)
        self.assertAlmostEqual(rows[unit_203][0], 1000.00, places=2)

    def test_dashboard_figures(self):
        dashboard = self.env["property.billing.dashboard"].create(
            {"community_id": self.community.id, "date": date(2025, 4, 30)}
        )
        self.assertAlmostEqual(dashboard.arrears_total, 750.00, places=2)
        # Only D's unit 203 is unpaid: C paid his last 750.00 on 10 April.
        self.assertEqual(dashboard.arrears_unit_count, 1)
        self.assertEqual(dashboard.arrears_partner_count, 1)
        self.assertAlmostEqual(dashboard.year_billed, 10000.00, places=2)
        self.assertAlmostEqual(dashboard.year_rate, 92.50, places=6)
        self.assertAlmostEqual(dashboard.month_billed, 0.0, places=2)
        action = dashboard.action_open_collection()
        self.assertEqual(action["context"]["property_report_date"], "2025-04-30")
        self.assertEqual(
            action["context"]["search_default_community_id"], self.community.id
        )
