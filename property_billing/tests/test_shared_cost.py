from datetime import date
from urllib.parse import urlsplit

from lxml import html

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .meter_common import MeterBillingCommon

APRIL = (date(2026, 4, 1), date(2026, 4, 30))
NOTICE_REPORT = "report.property_billing.report_payment_notice"


@tagged("post_install", "-at_install")
class TestSharedCost(MeterBillingCommon):
    """Shared costs entered as an amount, billed by real billing runs.

    Units 1-101 (89.50 m²) and 1-102 (120.05 m²) are in building 1, unit
    2-201 (133.80 m²) in building 2.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fee_repairs = cls._create_fee_item("Shared Repairs", "REPAIR", "fixed", 0.0)

    def _create_cost(self, name, amount, basis, **values):
        cost = self.env["property.shared.cost"].create(
            {
                "name": name,
                "community_id": self.community.id,
                "amount": amount,
                "allocation_basis": basis,
                "fee_item_id": self.fee_repairs.id,
                "period_start": APRIL[0],
                "period_end": APRIL[1],
                **values,
            }
        )
        cost.action_confirm()
        return cost

    def _bill_april(self, **values):
        run = self._create_run(
            *APRIL, fee_item_ids=[Command.set(self.fee_repairs.ids)], **values
        )
        run.action_generate()
        return run

    def _parts(self, run):
        return [
            (charge.unit_id.code, charge.amount)
            for charge in run.charge_ids.sorted(lambda c: c.unit_id.code)
        ]

    def test_equal_split_through_run(self):
        cost = self._create_cost("Lift Repair", 100.00, "equal")
        self.assertEqual(cost.state, "confirmed")
        run = self._bill_april()

        self.assertEqual(run.state, "done")
        self.assertEqual(run.invoice_count, 2)
        self.assertEqual(
            self._parts(run), [("1-101", 33.34), ("1-102", 33.33), ("2-201", 33.33)]
        )
        self.assertEqual(run.charge_ids.mapped("state"), ["invoiced"] * 3)
        self.assertEqual(run.charge_ids.shared_cost_id, cost)
        self.assertEqual(
            self.env.company.currency_id.compare_amounts(run.amount_total, 100.00), 0
        )
        first = run.charge_ids.filtered(lambda c: c.unit_id == self.unit_1)
        self.assertEqual(
            first.label,
            "Lift Repair 2026-04 1-101\n"
            "100.00 shared equally over Sunshine Garden: 1 of 3 = 33.34",
        )
        self.assertEqual(first.move_line_id.name, first.label)
        self.assertEqual(cost.state, "billed")
        self.assertEqual(cost.amount_billed, 100.00)

    def test_repeated_run_bills_nothing(self):
        cost = self._create_cost("Lift Repair", 100.00, "equal")
        self._bill_april()
        again = self._bill_april()
        self.assertEqual(again.charge_count, 0)
        self.assertEqual(again.invoice_count, 0)
        self.assertEqual(len(cost.charge_ids), 3)
        self.assertEqual(
            self.env["property.billing.charge"].search_count(
                [("shared_cost_id", "=", cost.id), ("state", "=", "invoiced")]
            ),
            3,
        )

    def test_second_run_skips_parts_billed_by_first(self):
        # Two draft runs preview the same cost: the one invoicing second
        # bills none of its parts.
        cost = self._create_cost("Lift Repair", 100.00, "equal")
        first = self._create_run(
            *APRIL, fee_item_ids=[Command.set(self.fee_repairs.ids)]
        )
        second = self._create_run(
            *APRIL, fee_item_ids=[Command.set(self.fee_repairs.ids)]
        )
        first.action_preview()
        second.action_preview()
        self.assertEqual(second.charge_count, 3)
        first.action_generate()
        second._process_charges()
        second._finish()
        self.assertEqual(second.invoice_count, 0)
        self.assertEqual(second.skipped_count, 3)
        self.assertEqual(cost.amount_billed, 100.00)

    def test_area_split_over_community(self):
        self._create_cost("Roof Repair", 1000.00, "area")
        run = self._bill_april()
        # 1000 × 89.50 / 343.35 = 260.6669, 1000 × 120.05 / 343.35 = 349.6432
        # and 1000 × 133.80 / 343.35 = 389.6898: the two fen left over after
        # rounding down go to the largest remainders, 2-201 then 1-101.
        self.assertEqual(
            self._parts(run),
            [("1-101", 260.67), ("1-102", 349.64), ("2-201", 389.69)],
        )
        self.assertEqual(
            run.charge_ids.filtered(lambda c: c.unit_id == self.unit_3).label,
            "Roof Repair 2026-04 2-201\n"
            "1,000.00 shared by building area over Sunshine Garden: "
            "133.8 of 343.35 = 389.69",
        )

    def test_area_split_over_building(self):
        cost = self._create_cost(
            "Lift Repair", 1000.00, "area", building_id=self.building_1.id
        )
        run = self._bill_april()
        self.assertEqual(self._parts(run), [("1-101", 427.11), ("1-102", 572.89)])
        self.assertEqual(cost.state, "billed")

    def test_consumption_split(self):
        self._read(self.meter_1, date(2026, 4, 25), 131)
        self._read(self.meter_2, date(2026, 4, 25), 112)
        self._read(self.meter_3, date(2026, 4, 25), 125)
        self._create_cost("Pump Repair", 100.00, "consumption", meter_type="water")
        run = self._bill_april()
        # Weights 31, 12 and 25 m³ of 68.
        self.assertEqual(
            self._parts(run), [("1-101", 45.59), ("1-102", 17.65), ("2-201", 36.76)]
        )

    def test_two_costs_same_fee_item_and_period(self):
        self._create_cost("Lift Repair", 100.00, "equal")
        self._create_cost("Gate Repair", 10.00, "equal")
        run = self._bill_april()
        self.assertEqual(run.charge_count, 6)
        self.assertEqual(run.charge_ids.mapped("state"), ["invoiced"] * 6)
        self.assertAlmostEqual(run.amount_total, 110.00, places=2)

    def test_restricted_run_warns_and_skips(self):
        cost = self._create_cost("Lift Repair", 100.00, "equal")
        run = self._bill_april(building_ids=[Command.set(self.building_1.ids)])
        self.assertEqual(run.charge_count, 0)
        self.assertEqual(run.error_count, 0)
        self.assertEqual(run.warning_count, 1)
        self.assertEqual(run.warning_ids.shared_cost_id, cost)
        self.assertEqual(
            run.warning_ids.message,
            "Shared cost Lift Repair not billed: 1 of its units (2-201) are "
            "outside this run's buildings or units. Bill it with a run that "
            "covers all of Sunshine Garden.",
        )
        self.assertEqual(cost.state, "confirmed")

        # A building's cost is billed by a run of that building.
        building_cost = self._create_cost(
            "Corridor Paint", 50.00, "equal", building_id=self.building_1.id
        )
        run = self._bill_april(building_ids=[Command.set(self.building_1.ids)])
        self.assertEqual(run.warning_count, 1)
        self.assertEqual(run.charge_ids.shared_cost_id, building_cost)
        self.assertEqual(self._parts(run), [("1-101", 25.00), ("1-102", 25.00)])

    def test_draft_cost_not_billed(self):
        cost = self._create_cost("Lift Repair", 100.00, "equal")
        cost.action_reset_draft()
        run = self._bill_april()
        self.assertEqual(run.charge_count, 0)
        self.assertEqual(cost.state, "draft")

    def test_unit_without_owner_reported(self):
        self.unit_3.owner_id = False
        cost = self._create_cost("Lift Repair", 100.00, "equal")
        run = self._bill_april()
        self.assertEqual(self._parts(run), [("1-101", 33.34), ("1-102", 33.33)])
        self.assertEqual(run.error_count, 1)
        self.assertEqual(run.error_ids.unit_id, self.unit_3)
        self.assertEqual(cost.state, "confirmed")

        # Once the owner is set, the next run bills the missing part only.
        self.unit_3.owner_id = self.owner_b
        again = self._bill_april()
        self.assertEqual(self._parts(again), [("2-201", 33.33)])
        self.assertEqual(again.skipped_count, 2)
        self.assertEqual(cost.state, "billed")
        self.assertEqual(cost.amount_billed, 100.00)

    def test_cancelled_bill_returns_cost(self):
        cost = self._create_cost("Lift Repair", 100.00, "equal")
        run = self._bill_april()
        bill = run.invoice_ids.filtered(lambda m: m.partner_id == self.owner_b)
        bill.button_draft()
        bill.button_cancel()
        self.assertEqual(cost.state, "confirmed")
        again = self._bill_april()
        self.assertEqual(self._parts(again), [("2-201", 33.33)])
        self.assertEqual(cost.state, "billed")

    def test_billed_cost_locked(self):
        cost = self._create_cost("Lift Repair", 100.00, "equal")
        self._bill_april()
        with self.assertRaises(UserError):
            cost.amount = 120.00
        with self.assertRaises(UserError):
            cost.unlink()
        with self.assertRaises(UserError):
            cost.action_reset_draft()
        cost.name = "Lift Repair (April)"
        self.assertEqual(cost.amount, 100.00)

    def test_invalid_costs_rejected(self):
        with self.assertRaises(ValidationError):
            self._create_cost("Nothing", 0.00, "equal")
        with self.assertRaises(ValidationError):
            self._create_cost("Backwards", 10.00, "equal", period_end=date(2026, 3, 1))
        with self.assertRaises(ValidationError):
            self._create_cost("No meter type", 10.00, "consumption")
        with self.assertRaises(ValidationError):
            self._create_cost(
                "Wrong unit",
                10.00,
                "equal",
                building_id=self.building_1.id,
                unit_ids=[Command.set(self.unit_3.ids)],
            )

    def test_split_without_weights_rejected_on_confirm(self):
        with self.assertRaisesRegex(UserError, "cannot be split by own consumption"):
            self._create_cost("Pump Repair", 100.00, "consumption", meter_type="gas")

    def test_notice_shows_part(self):
        self._create_cost("Lift Repair", 100.00, "equal")
        run = self._bill_april()
        bill = run.invoice_ids.filtered(lambda m: m.partner_id == self.owner_b)
        notice = self.env[NOTICE_REPORT]._get_report_values(bill.ids)["docs"][0]
        lines = [
            (group["unit"].code, line["label"], line["amount"])
            for group in notice["unit_groups"]
            for line in group["lines"]
        ]
        self.assertEqual(
            lines,
            [
                (
                    "2-201",
                    "Lift Repair 2026-04 2-201\n"
                    "100.00 shared equally over Sunshine Garden: 1 of 3 = 33.33",
                    33.33,
                )
            ],
        )


@tagged("post_install", "-at_install")
class TestSharedCostPortal(MeterBillingCommon, HttpCase):
    """The owner's bill on the portal shows his part and how it was split."""

    def test_portal_bill_shows_part(self):
        fee_repairs = self._create_fee_item("Shared Repairs", "REPAIR", "fixed", 0.0)
        cost = self.env["property.shared.cost"].create(
            {
                "name": "Lift Repair",
                "community_id": self.community.id,
                "amount": 100.00,
                "allocation_basis": "equal",
                "fee_item_id": fee_repairs.id,
                "period_start": APRIL[0],
                "period_end": APRIL[1],
            }
        )
        cost.action_confirm()
        run = self._create_run(*APRIL, fee_item_ids=[Command.set(fee_repairs.ids)])
        run.action_generate()
        bill = run.invoice_ids.filtered(lambda m: m.partner_id == self.owner_b)
        new_test_user(
            self.env,
            login="cost_owner_b",
            password="cost_owner_b",
            groups="base.group_portal",
            partner_id=self.owner_b.id,
            company_id=self.company.id,
        )
        self.authenticate("cost_owner_b", "cost_owner_b")
        # The bill page shows the invoice document in an iframe from this URL.
        response = self.url_open(f"{bill.access_url}?report_type=html")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(urlsplit(response.url).path, bill.access_url)
        text = " ".join(html.fromstring(response.content).text_content().split())
        self.assertIn("Lift Repair 2026-04 2-201", text)
        self.assertIn(
            "100.00 shared equally over Sunshine Garden: 1 of 3 = 33.33", text
        )
