from datetime import date

from odoo import Command
from odoo.tests import new_test_user, tagged

from .meter_common import MeterBillingCommon

APRIL = (date(2026, 4, 1), date(2026, 4, 30))


@tagged("post_install", "-at_install")
class TestRunWarnings(MeterBillingCommon):
    """A billing run names the metered fees and shared costs it leaves out."""

    def _water_run(self, **values):
        run = self._create_run(
            *APRIL, fee_item_ids=[Command.set(self.fee_water.ids)], **values
        )
        run.action_preview()
        return run

    def _warnings(self, run):
        return [
            (
                warning.unit_id.code or False,
                warning.meter_id.serial_number,
                warning.message,
            )
            for warning in run.warning_ids.sorted(lambda w: w.unit_id.code or "")
        ]

    def test_missing_readings_listed(self):
        self._read(self.meter_1, date(2026, 4, 25), 131)
        self._read(self.meter_2, date(2026, 4, 25), 112, confirm=False)
        run = self._water_run()

        self.assertEqual(run.charge_ids.unit_id, self.unit_1)
        self.assertEqual(run.error_count, 0)
        self.assertEqual(run.warning_count, 2)
        self.assertEqual(
            self._warnings(run),
            [
                (
                    "1-102",
                    "W-1-102",
                    "Unit 1-102: the reading of meter W-1-102 on 2026-04-25 is "
                    "still a draft, so fee Water Fee is not billed for 2026-04: "
                    "confirm the reading, then bill again.",
                ),
                (
                    "2-201",
                    "W-2-201",
                    "Unit 2-201 has no confirmed reading of meter W-2-201 for "
                    "2026-04, so fee Water Fee is not billed: enter the reading, "
                    "then bill again.",
                ),
            ],
        )
        # Warnings do not make a run fail.
        run.action_generate()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.warning_count, 2)

    def test_flagged_reading_and_missing_meter_listed(self):
        history = self.env["property.meter.reading"]
        for month, value in ((1, 110), (2, 120), (3, 130)):
            history |= self._read(self.meter_1, date(2026, month, 25), value)
        # As if earlier runs billed them, so that April has nothing to bill.
        history.write({"state": "billed"})
        flagged = self._read(self.meter_1, date(2026, 4, 25), 200)
        self.assertTrue(flagged.to_review)
        self.meter_3.active = False
        self._read(self.meter_2, date(2026, 4, 25), 112)
        run = self._water_run()
        self.assertEqual(
            self._warnings(run),
            [
                (
                    "1-101",
                    "W-1-101",
                    "Unit 1-101: the reading of meter W-1-101 on 2026-04-25 is "
                    "flagged for review, so fee Water Fee is not billed for "
                    "2026-04: accept or correct the reading, then bill again.",
                ),
                (
                    "2-201",
                    False,
                    "Unit 2-201 has no active water meter, so fee Water Fee is "
                    "not billed for 2026-04: add the meter or end the fee.",
                ),
            ],
        )

    def test_billed_period_not_warned_again(self):
        for meter, value in (
            (self.meter_1, 131),
            (self.meter_2, 112),
            (self.meter_3, 125),
        ):
            self._read(meter, date(2026, 4, 25), value)
        first = self._water_run()
        first.action_generate()
        self.assertEqual(first.warning_count, 0)
        again = self._water_run()
        self.assertEqual(again.charge_count, 0)
        self.assertEqual(again.warning_count, 0)

    def test_restricted_run_names_common_meter(self):
        fee = self._create_fee_item(
            "Lift Electricity",
            "LIFT",
            "metered",
            0.50,
            meter_type="electricity",
            is_shared_cost=True,
            allocation_basis="equal",
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
        run = self._create_run(
            *APRIL,
            fee_item_ids=[Command.set(fee.ids)],
            unit_ids=[Command.set(self.unit_1.ids)],
        )
        run.action_preview()
        self.assertEqual(run.charge_count, 0)
        self.assertEqual(run.warning_count, 1)
        self.assertEqual(run.warning_ids.meter_id, meter)
        self.assertEqual(run.warning_ids.fee_item_id, fee)
        self.assertEqual(
            run.warning_ids.message,
            "Common meter L-01 not billed: 2 of the units sharing its cost "
            "(1-102, 2-201) are outside this run's buildings or units. Bill fee "
            "Lift Electricity with a run that covers them all.",
        )
        # Previewing again replaces the warnings rather than adding to them.
        run.action_preview()
        self.assertEqual(run.warning_count, 1)


MAY = (date(2026, 5, 1), date(2026, 5, 31))


@tagged("post_install", "-at_install")
class TestRepeatRunWarnings(MeterBillingCommon):
    """A run of a period already billed gives no false warning, and names the
    readings confirmed since then instead of counting them as billed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Read in March, so the April run bills readings dated before April.
        cls.march_readings = cls.env["property.meter.reading"]
        for meter, value in (
            (cls.meter_1, 131),
            (cls.meter_2, 112),
            (cls.meter_3, 125),
        ):
            cls.march_readings |= cls._read(meter, date(2026, 3, 25), value)

    def _water_run(self, period=APRIL, **values):
        return self._create_run(
            *period, fee_item_ids=[Command.set(self.fee_water.ids)], **values
        )

    def _bill_april(self):
        first = self._water_run()
        first.action_generate()
        self.assertEqual(first.state, "done")
        self.assertEqual(first.invoice_count, 2)
        self.assertEqual(self.march_readings.mapped("state"), ["billed"] * 3)
        return first

    def _invoice_of(self, unit):
        return self._live_charges(unit).move_id

    def test_repeat_run_without_new_readings(self):
        self._bill_april()
        # A draft in the billed period would only be billed with May.
        self._read(self.meter_2, date(2026, 4, 25), 120, confirm=False)

        again = self._water_run()
        again.action_generate()

        self.assertEqual(again.state, "done")
        self.assertEqual(again.warning_count, 0)
        self.assertEqual(again.invoice_count, 0)
        self.assertEqual(again.skipped_count, 0)
        self.assertFalse(again.skipped_note)

    def test_repeat_run_warns_new_reading(self):
        self._bill_april()
        invoice = self._invoice_of(self.unit_1)
        reading = self._read(self.meter_1, date(2026, 4, 28), 140)

        again = self._water_run()
        again.action_preview()

        self.assertEqual(again.charge_count, 0)
        self.assertEqual(again.skipped_count, 0)
        self.assertEqual(again.warning_count, 1)
        self.assertEqual(again.warning_ids.unit_id, self.unit_1)
        self.assertEqual(again.warning_ids.meter_id, self.meter_1)
        self.assertEqual(again.warning_ids.fee_item_id, self.fee_water)
        self.assertEqual(
            again.warning_ids.message,
            f"Unit 1-101: fee Water Fee for 2026-04 is already billed on "
            f"{invoice.name}. The unbilled readings of 2026-04-28 (Meter W-1-101: "
            "131 → 140 = 9 m³) are left out of this run, and the run for the "
            "next period bills them.",
        )
        again.action_generate()
        self.assertEqual(again.state, "done")
        self.assertEqual(again.invoice_count, 0)
        self.assertEqual(again.skipped_count, 0)
        self.assertFalse(again.skipped_note)
        self.assertEqual(again.warning_count, 1)
        self.assertEqual(reading.state, "confirmed")

        may = self._water_run(MAY)
        may.action_generate()
        self.assertEqual(may.warning_count, 2)
        self.assertEqual(
            may.invoice_ids.invoice_line_ids.name,
            "Water Fee 2026-05 1-101\n"
            "Meter W-1-101: 131 → 140 = 9 m³\n"
            "9 m³ × 3.50 = 31.50\n"
            "Sewage: 9 m³ × 0.95 = 8.55",
        )
        self.assertAlmostEqual(may.amount_total, 40.05, places=2)
        self.assertEqual(reading.state, "billed")

    def test_repeat_run_keeps_skip_note(self):
        self._apply_fee(self.unit_1, self.fee_garbage, date(2026, 1, 1))
        first = self._create_run(*APRIL, unit_ids=[Command.set(self.unit_1.ids)])
        first.action_generate()
        self.assertEqual(first.invoice_count, 1)
        invoice = first.invoice_ids
        self._read(self.meter_1, date(2026, 4, 28), 140)

        again = self._create_run(*APRIL, unit_ids=[Command.set(self.unit_1.ids)])
        again.action_generate()

        # The garbage fee is already billed, but the water reading is new.
        self.assertEqual(again.skipped_count, 1)
        self.assertEqual(
            again.skipped_note, f"1 charges already billed on {invoice.name}"
        )
        self.assertEqual(again.warning_count, 1)
        self.assertIn("The unbilled readings of 2026-04-28", again.warning_ids.message)

    def test_second_invoicing_warns_new_reading(self):
        # Both runs preview April. The second also bills a reading confirmed
        # in between, which the first does not bill.
        first = self._water_run(unit_ids=[Command.set(self.unit_1.ids)])
        first.action_preview()
        reading = self._read(self.meter_1, date(2026, 4, 28), 140)
        second = self._water_run(unit_ids=[Command.set(self.unit_1.ids)])
        second.action_preview()
        self.assertEqual(
            sorted(second.charge_ids.meter_reading_ids.mapped("value")), [131, 140]
        )
        first._process_charges()
        first._finish()
        invoice = first.invoice_ids

        second._process_charges()
        second._finish()

        self.assertEqual(second.state, "done")
        self.assertEqual(second.invoice_count, 0)
        self.assertEqual(second.skipped_count, 0)
        self.assertFalse(second.charge_ids)
        self.assertEqual(
            second.warning_ids.message,
            f"Unit 1-101: fee Water Fee for 2026-04 is already billed on "
            f"{invoice.name}. The unbilled readings of 2026-04-28 (Meter W-1-101: "
            "131 → 140 = 9 m³) are left out of this run, and the run for the "
            "next period bills them.",
        )
        self.assertEqual(reading.state, "confirmed")
        self.assertEqual(len(self._live_charges(self.unit_1)), 1)

    def test_second_invoicing_by_billing_user(self):
        clerk = new_test_user(
            self.env,
            login="meter_clerk",
            groups="property_billing.property_billing_group_user",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        first = self._water_run(unit_ids=[Command.set(self.unit_1.ids)])
        first.action_preview()
        self._read(self.meter_1, date(2026, 4, 28), 140)
        second = self._water_run(unit_ids=[Command.set(self.unit_1.ids)])
        second.action_preview()
        first._process_charges()

        # A billing user may not delete charges; the run deletes its own.
        second.with_user(clerk)._process_charges()

        self.assertFalse(second.charge_ids)
        self.assertEqual(len(second.warning_ids), 1)

    def test_second_invoicing_skips_same_readings(self):
        first = self._water_run(unit_ids=[Command.set(self.unit_1.ids)])
        first.action_preview()
        second = self._water_run(unit_ids=[Command.set(self.unit_1.ids)])
        second.action_preview()
        first._process_charges()

        second._process_charges()

        self.assertEqual(second.invoice_count, 0)
        self.assertEqual(second.skipped_count, 1)
        self.assertEqual(second.warning_count, 0)

    def test_repeat_run_warns_common_meter(self):
        fee = self._create_fee_item(
            "Lift Electricity",
            "LIFT",
            "metered",
            0.50,
            meter_type="electricity",
            is_shared_cost=True,
            allocation_basis="equal",
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
        lift_run = {"fee_item_ids": [Command.set(fee.ids)]}
        first = self._create_run(*APRIL, **lift_run)
        first.action_generate()
        self.assertEqual(first.invoice_count, 2)
        reading = self._read(meter, date(2026, 4, 28), 1260)

        again = self._create_run(*APRIL, **lift_run)
        again.action_generate()

        self.assertEqual(again.invoice_count, 0)
        self.assertEqual(again.skipped_count, 0)
        self.assertEqual(again.warning_ids.meter_id, meter)
        self.assertEqual(
            again.warning_ids.message,
            "Common meter L-01: fee Lift Electricity for 2026-04 is already "
            "billed to 3 of the units sharing its cost (1-101, 1-102, 2-201). "
            "Its unbilled readings of 2026-04-28 (Meter L-01: 1200 → 1260 = "
            "60 kWh) are left out of this run, and the run for the next period "
            "bills them.",
        )
        may = self._create_run(*MAY, **lift_run)
        may.action_generate()
        self.assertAlmostEqual(may.amount_total, 30.00, places=2)
        self.assertEqual(reading.state, "billed")
