from datetime import date

from odoo import Command
from odoo.tests import tagged

from .meter_common import MeterBillingCommon

APRIL = (date(2026, 4, 1), date(2026, 4, 30))
MAY = (date(2026, 5, 1), date(2026, 5, 31))
LABEL_1_101 = (
    "Water Fee 2026-04 1-101\n"
    "Meter W-1-101: 100 → 131 = 31 m³\n"
    "15 m³ × 3.50 + 10 m³ × 4.55 + 6 m³ × 6.90 = 139.40\n"
    "Sewage: 31 m³ × 0.95 = 29.45"
)


@tagged("post_install", "-at_install")
class TestMeterBilling(MeterBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reading_1 = cls._read(cls.meter_1, date(2026, 4, 25), 131)
        cls.reading_2 = cls._read(cls.meter_2, date(2026, 4, 25), 112)
        cls.reading_3 = cls._read(cls.meter_3, date(2026, 4, 25), 125)
        cls.readings = cls.reading_1 | cls.reading_2 | cls.reading_3

    def _water_charges(self, unit, state="invoiced"):
        return self.env["property.billing.charge"].search(
            [
                ("unit_id", "=", unit.id),
                ("fee_item_id", "=", self.fee_water.id),
                ("state", "=", state),
            ]
        )

    def test_run_bills_readings_with_exact_lines(self):
        run = self._create_run(*APRIL, fee_item_ids=[Command.set(self.fee_water.ids)])
        run.action_generate()

        self.assertEqual(run.state, "done")
        self.assertEqual(run.invoice_count, 2)
        invoice_a = run.invoice_ids.filtered(lambda m: m.partner_id == self.owner_a)
        invoice_b = run.invoice_ids.filtered(lambda m: m.partner_id == self.owner_b)
        self.assertRecordValues(
            invoice_a.invoice_line_ids,
            [
                {"name": LABEL_1_101, "price_subtotal": 168.85},
                {
                    "name": "Water Fee 2026-04 1-102\n"
                    "Meter W-1-102: 100 → 112 = 12 m³\n"
                    "12 m³ × 3.50 = 42.00\n"
                    "Sewage: 12 m³ × 0.95 = 11.40",
                    "price_subtotal": 53.40,
                },
            ],
        )
        self.assertAlmostEqual(invoice_a.amount_total, 222.25, places=2)
        self.assertEqual(
            invoice_b.invoice_line_ids.name,
            "Water Fee 2026-04 2-201\n"
            "Meter W-2-201: 100 → 125 = 25 m³\n"
            "15 m³ × 3.50 + 10 m³ × 4.55 = 98.00\n"
            "Sewage: 25 m³ × 0.95 = 23.75",
        )
        self.assertAlmostEqual(invoice_b.amount_total, 121.75, places=2)

        charge = self._water_charges(self.unit_1)
        self.assertEqual(charge.meter_reading_ids, self.reading_1)
        self.assertEqual(charge.quantity, 31.0)
        self.assertEqual(charge.period_start, APRIL[0])
        self.assertEqual(self.readings.mapped("state"), ["billed"] * 3)
        self.assertEqual(self.reading_1.billed_charge_id, charge)

    def test_metered_fee_with_unit_fees(self):
        self._apply_fee(self.unit_1, self.fee_garbage, date(2026, 1, 1))
        run = self._create_run(*APRIL, unit_ids=[Command.set(self.unit_1.ids)])
        run.action_generate()
        self.assertRecordValues(
            run.invoice_ids.invoice_line_ids,
            [
                {"name": "Garbage Fee 2026-04 1-101: 10.00/month × 1 month(s)"},
                {"name": LABEL_1_101},
            ],
        )
        self.assertAlmostEqual(run.amount_total, 178.85, places=2)

    def test_repeated_run_bills_no_reading_twice(self):
        first = self._create_run(*APRIL)
        first.action_generate()
        second = self._create_run(*APRIL)
        second.action_generate()
        may = self._create_run(*MAY)
        may.action_generate()

        self.assertEqual(second.invoice_count, 0)
        self.assertEqual(may.invoice_count, 0)
        self.assertEqual(len(self._water_charges(self.unit_1)), 1)
        self.assertEqual(len(self.reading_1.charge_ids), 1)

    def test_run_invoicing_second_skips_reading_of_first(self):
        # Both runs preview the April reading; the May run invoices last.
        may = self._create_run(*MAY, unit_ids=[Command.set(self.unit_1.ids)])
        may.action_preview()
        self.assertEqual(len(may.charge_ids), 1)
        april = self._create_run(*APRIL, unit_ids=[Command.set(self.unit_1.ids)])
        april.action_generate()

        may._process_charges()

        self.assertEqual(may.invoice_count, 0)
        self.assertEqual(may.skipped_count, 1)
        self.assertEqual(len(self._water_charges(self.unit_1)), 1)

    def test_next_reading_billed_next_period(self):
        self._create_run(*APRIL).action_generate()
        reading = self._read(self.meter_1, date(2026, 5, 25), 140)
        may = self._create_run(*MAY, unit_ids=[Command.set(self.unit_1.ids)])
        may.action_generate()
        self.assertEqual(
            may.invoice_ids.invoice_line_ids.name,
            "Water Fee 2026-05 1-101\n"
            "Meter W-1-101: 131 → 140 = 9 m³\n"
            "9 m³ × 3.50 = 31.50\n"
            "Sewage: 9 m³ × 0.95 = 8.55",
        )
        self.assertAlmostEqual(may.amount_total, 40.05, places=2)
        self.assertEqual(reading.state, "billed")

    def test_draft_and_flagged_readings_not_billed(self):
        self.reading_2.action_reset_draft()
        self.assertEqual(self.reading_2.state, "draft")
        run = self._create_run(*APRIL)
        run.action_generate()
        self.assertFalse(self._water_charges(self.unit_2))
        self.assertEqual(self.reading_2.state, "draft")

    def test_cancelled_invoice_returns_readings(self):
        run = self._create_run(*APRIL)
        run.action_generate()
        invoice = self._water_charges(self.unit_1).move_id
        invoice.button_cancel()

        self.assertEqual(self.reading_1.state, "confirmed")
        self.assertEqual(self.reading_2.state, "confirmed")
        self.assertEqual(self.reading_3.state, "billed")
        rebill = self._create_run(*APRIL)
        rebill.action_generate()
        self.assertEqual(rebill.invoice_count, 1)
        self.assertAlmostEqual(rebill.amount_total, 222.25, places=2)
        self.assertEqual(self.reading_1.state, "billed")

    def test_correction_credits_and_rebills(self):
        run = self._create_run(*APRIL)
        run.action_generate()
        old_charge = self._water_charges(self.unit_1)
        old_invoice = old_charge.move_id

        wizard = self.env["property.meter.reading.correction"].create(
            {"reading_id": self.reading_1.id, "value": 126, "reason": "Typo"}
        )
        wizard.action_apply()

        refund = old_charge.credit_move_id
        self.assertEqual(refund.move_type, "out_refund")
        self.assertEqual(refund.state, "posted")
        self.assertEqual(refund.reversed_entry_id, old_invoice)
        self.assertAlmostEqual(refund.amount_total, 168.85, places=2)
        self.assertEqual(refund.invoice_line_ids.name, f"Typo: {LABEL_1_101}")
        self.assertEqual(old_charge.state, "cancelled")
        # 26 m³: 15 × 3.50 + 10 × 4.55 + 1 × 6.90 = 104.90, sewage 24.70.
        new_charge = self._water_charges(self.unit_1)
        self.assertEqual(len(new_charge), 1)
        self.assertNotEqual(new_charge, old_charge)
        self.assertAlmostEqual(new_charge.amount, 129.60, places=2)
        self.assertEqual(
            new_charge.label,
            "Water Fee 2026-04 1-101\n"
            "Meter W-1-101: 100 → 126 = 26 m³\n"
            "15 m³ × 3.50 + 10 m³ × 4.55 + 1 m³ × 6.90 = 104.90\n"
            "Sewage: 26 m³ × 0.95 = 24.70",
        )
        self.assertAlmostEqual(new_charge.move_id.amount_total, 129.60, places=2)
        self.assertNotEqual(new_charge.move_id, old_invoice)
        self.assertEqual(self.reading_1.value, 126)
        self.assertEqual(self.reading_1.consumption, 26)
        self.assertEqual(self.reading_1.state, "billed")
        self.assertEqual(self.reading_1.billed_charge_id, new_charge)
        # The unpaid invoice is settled by the credit note up to its amount.
        self.assertAlmostEqual(old_invoice.amount_residual, 53.40, places=2)

    def test_correction_refused_when_not_billed(self):
        wizard = self.env["property.meter.reading.correction"].create(
            {"reading_id": self.reading_1.id, "value": 126}
        )
        with self.assertRaisesRegex(Exception, "is not billed"):
            wizard.action_apply()


@tagged("post_install", "-at_install")
class TestMeterTiersAndSharing(MeterBillingCommon):
    def test_cumulative_year_tiers(self):
        fee = self._create_fee_item(
            "Electricity",
            "ELEC",
            "metered",
            0.50,
            meter_type="electricity",
            tier_window="year",
            tier_ids=[
                Command.create({"upper_bound": 100, "price": 0.50}),
                Command.create({"upper_bound": 0, "price": 0.80}),
            ],
        )
        self._apply_fee(self.unit_1, fee, date(2026, 1, 1))
        meter = self.env["property.meter"].create(
            {
                "serial_number": "E-1",
                "meter_type": "electricity",
                "unit_id": self.unit_1.id,
            }
        )
        self._read(meter, date(2026, 4, 25), 80)
        april = self._create_run(*APRIL, fee_item_ids=[Command.set(fee.ids)])
        april.action_generate()
        self._read(meter, date(2026, 5, 25), 130)
        may = self._create_run(*MAY, fee_item_ids=[Command.set(fee.ids)])
        may.action_generate()

        self.assertAlmostEqual(april.amount_total, 40.00, places=2)
        self.assertAlmostEqual(may.amount_total, 34.00, places=2)
        self.assertEqual(
            may.invoice_ids.invoice_line_ids.name,
            "Electricity 2026-05 1-101\n"
            "Meter E-1: 80 → 130 = 50 kWh\n"
            "20 kWh × 0.50 + 30 kWh × 0.80 = 34.00 "
            "(tiers over the year, 80 kWh billed before)",
        )

    def _create_shared_fee(self, basis):
        fee = self._create_fee_item(
            "Lift Electricity",
            "LIFT",
            "metered",
            0.50,
            meter_type="electricity",
            is_shared_cost=True,
            allocation_basis=basis,
        )
        self._apply_fee(self.units, fee, date(2026, 1, 1))
        meter = self.env["property.meter"].create(
            {
                "serial_number": "L-01",
                "meter_type": "electricity",
                "community_id": self.community.id,
                "initial_value": 1000,
            }
        )
        self._read(meter, date(2026, 4, 25), 1200)
        return fee, meter

    def test_shared_cost_split_equally(self):
        fee, meter = self._create_shared_fee("equal")
        run = self._create_run(*APRIL, fee_item_ids=[Command.set(fee.ids)])
        run.action_generate()

        charges = run.charge_ids.sorted(lambda c: c.unit_id.code)
        self.assertEqual(charges.mapped("amount"), [33.34, 33.33, 33.33])
        self.assertEqual(
            charges[0].label,
            "Lift Electricity 2026-04 1-101\n"
            "Meter L-01: 1000 → 1200 = 200 kWh\n"
            "100.00 shared equally: 1 of 3 = 33.34",
        )
        self.assertAlmostEqual(run.amount_total, 100.00, places=2)
        self.assertEqual(meter.reading_ids.state, "billed")
        self.assertEqual(len(meter.reading_ids.charge_ids), 3)

        again = self._create_run(*APRIL, fee_item_ids=[Command.set(fee.ids)])
        again.action_generate()
        self.assertEqual(again.invoice_count, 0)

    def test_shared_cost_split_by_area(self):
        fee, _meter = self._create_shared_fee("area")
        run = self._create_run(*APRIL, fee_item_ids=[Command.set(fee.ids)])
        run.action_generate()
        charges = run.charge_ids.sorted(lambda c: c.unit_id.code)
        self.assertEqual(charges.mapped("amount"), [26.07, 34.96, 38.97])

    def test_shared_cost_skipped_for_partial_run(self):
        fee, meter = self._create_shared_fee("equal")
        run = self._create_run(
            *APRIL,
            fee_item_ids=[Command.set(fee.ids)],
            unit_ids=[Command.set(self.unit_1.ids)],
        )
        run.action_generate()
        self.assertEqual(run.invoice_count, 0)
        self.assertEqual(meter.reading_ids.state, "confirmed")
