from datetime import date

from odoo import Command
from odoo.tests import tagged

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
