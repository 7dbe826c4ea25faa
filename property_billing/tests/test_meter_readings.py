import base64
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .meter_common import MeterBillingCommon


@tagged("post_install", "-at_install")
class TestMeterReadings(MeterBillingCommon):
    def test_value_below_previous_rejected(self):
        self._read(self.meter_1, date(2026, 4, 25), 131)
        with self.assertRaisesRegex(
            ValidationError,
            r"meter W-1-101 on 2026-05-25: 120 is below the previous "
            r"reading 131",
        ):
            self._read(self.meter_1, date(2026, 5, 25), 120)

    def test_equal_value_accepted(self):
        self._read(self.meter_1, date(2026, 4, 25), 131)
        reading = self._read(self.meter_1, date(2026, 5, 25), 131)
        self.assertEqual(reading.consumption, 0)
        self.assertEqual(reading.state, "confirmed")

    def test_rollover_counts_through_maximum_and_is_flagged(self):
        self.meter_1.digits = 5
        self._read(self.meter_1, date(2026, 3, 25), 99950)
        with (
            self.assertRaisesRegex(
                ValidationError,
                r"meter W-1-101 on 2026-04-25: 12 is below the previous "
                r"reading 99950",
            ),
            self.env.cr.savepoint(),
        ):
            self._read(self.meter_1, date(2026, 4, 25), 12)
        reading = self._read(self.meter_1, date(2026, 4, 25), 12, is_rollover=True)
        self.assertEqual(reading.consumption, 62)
        self.assertEqual(reading.previous_value, 99950)
        self.assertEqual(reading.anomaly, "rollover")
        self.assertEqual(reading.state, "draft")
        self.assertTrue(reading.to_review)

        reading.action_accept()
        self.assertEqual(reading.state, "confirmed")
        self.assertFalse(reading.to_review)
        self.assertEqual(reading.reviewed_by_id, self.env.user)

    def test_multiplier_applied(self):
        self.meter_1.multiplier = 40
        reading = self._read(self.meter_1, date(2026, 4, 25), 102.5)
        self.assertEqual(reading.consumption, 100)

    def test_high_consumption_flagged(self):
        for month, value in ((1, 110), (2, 120), (3, 130)):
            self._read(self.meter_1, date(2026, month, 25), value)
        normal = self._read(self.meter_1, date(2026, 4, 25), 160)
        self.assertFalse(normal.anomaly)
        self.assertEqual(normal.state, "confirmed")
        # Average of 10, 10, 10, 30 is 15: 46 is above three times that.
        high = self._read(self.meter_1, date(2026, 5, 25), 206)
        self.assertEqual(high.anomaly, "high")
        self.assertEqual(high.state, "draft")
        self.assertTrue(high.to_review)

    def test_stuck_meter_flagged(self):
        for month in (1, 2):
            reading = self._read(self.meter_1, date(2026, month, 25), 100)
            self.assertFalse(reading.anomaly)
        stuck = self._read(self.meter_1, date(2026, 3, 25), 100)
        self.assertEqual(stuck.anomaly, "stuck")
        self.assertEqual(stuck.state, "draft")

    def test_confirmed_reading_needs_draft_to_change(self):
        reading = self._read(self.meter_1, date(2026, 4, 25), 131)
        with self.assertRaisesRegex(UserError, "set it back to draft"):
            reading.value = 130
        reading.action_reset_draft()
        reading.value = 130
        self.assertEqual(reading.consumption, 30)

    def test_billed_reading_locked(self):
        reading = self._read(self.meter_1, date(2026, 4, 25), 131)
        self._create_run(date(2026, 4, 1), date(2026, 4, 30)).action_generate()
        self.assertEqual(reading.state, "billed")
        with self.assertRaisesRegex(UserError, "use Correct"):
            reading.value = 130
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            reading.unlink()

    def test_replaced_meter_counts_both(self):
        self._read(self.meter_1, date(2026, 4, 10), 118)
        self.meter_1.active = False
        new_meter = self.env["property.meter"].create(
            {
                "serial_number": "W-1-101-B",
                "meter_type": "water",
                "unit_id": self.unit_1.id,
                "initial_value": 0,
                "replaced_meter_id": self.meter_1.id,
            }
        )
        self._read(new_meter, date(2026, 4, 25), 13)
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        run.action_generate()
        charge = run.charge_ids.filtered(lambda c: c.unit_id == self.unit_1)
        # 18 + 13 = 31 m³, priced over the tiers as one consumption.
        self.assertEqual(charge.quantity, 31)
        self.assertAlmostEqual(charge.amount, 168.85, places=2)
        self.assertIn("Meter W-1-101: 100 → 118 = 18 m³", charge.label)
        self.assertIn("Meter W-1-101-B: 0 → 13 = 13 m³", charge.label)

    def test_entry_screen_lists_meters_and_saves(self):
        self._read(self.meter_1, date(2026, 3, 25), 120)
        wizard = self.env["property.meter.reading.entry"].create(
            {
                "community_id": self.community.id,
                "building_id": self.building_1.id,
                "date": date(2026, 4, 25),
            }
        )
        wizard.action_load()
        self.assertEqual(wizard.line_ids.meter_id, self.meter_1 | self.meter_2)
        line_1 = wizard.line_ids.filtered(lambda line: line.meter_id == self.meter_1)
        line_2 = wizard.line_ids - line_1
        self.assertEqual(line_1.last_value, 120)
        self.assertEqual(line_2.last_value, 100)
        line_1.value = 131
        line_2.value = 90
        with self.assertRaisesRegex(UserError, "W-1-102 on 2026-04-25: 90 is below"):
            wizard.action_save()
        self.assertFalse(self.meter_2.reading_ids)
        line_2.value = 0  # taken as not read
        wizard.action_save()
        self.assertEqual(self.meter_1.last_value, 131)
        self.assertFalse(self.meter_2.reading_ids)

    def _import(self, content, **values):
        wizard = self.env["property.meter.reading.import"].create(
            {
                "community_id": self.community.id,
                "file": base64.b64encode(content.encode()),
                "filename": "readings.csv",
                "date": date(2026, 4, 25),
                **values,
            }
        )
        wizard.action_import()
        return wizard

    def test_import_all_or_nothing(self):
        wizard = self._import(
            "表号,本期读数,抄表日期\n"
            "W-1-101,131,2026-04-25\n"
            "W-1-102,90,\n"
            "W-9-999,10,\n"
            "W-2-201,abc,\n"
        )
        self.assertEqual(wizard.state, "error")
        self.assertEqual(wizard.line_ids.mapped("line_number"), [3, 4, 5])
        self.assertIn(
            "90 is below the previous reading 100", wizard.line_ids[0].message
        )
        self.assertIn("serial number W-9-999", wizard.line_ids[1].message)
        self.assertIn("not a number", wizard.line_ids[2].message)
        self.assertFalse(self.env["property.meter.reading"].search_count([]))
        report = base64.b64decode(wizard.error_report).decode("utf-8-sig")
        self.assertEqual(len(report.strip().splitlines()), 4)

    def test_import_several_months(self):
        wizard = self._import(
            "serial,value,date,rollover\n"
            "W-1-101,131,2026-05-25,\n"
            "W-1-101,120,2026-04-25,\n"
            "W-1-102,112,,\n"
        )
        self.assertEqual(wizard.state, "done")
        self.assertEqual(wizard.imported_count, 3)
        readings = self.meter_1.reading_ids.sorted("date")
        self.assertEqual(readings.mapped("consumption"), [20, 11])
        self.assertEqual(readings.mapped("state"), ["confirmed", "confirmed"])
        self.assertEqual(readings.mapped("source"), ["imported", "imported"])
        self.assertEqual(self.meter_2.reading_ids.date, date(2026, 4, 25))

    def test_import_rejects_below_previous_row_of_file(self):
        wizard = self._import(
            "serial,value,date\nW-1-101,131,2026-04-25\nW-1-101,125,2026-05-25\n"
        )
        self.assertEqual(wizard.state, "error")
        self.assertIn("125 is below the previous reading 131", wizard.line_ids.message)
        self.assertFalse(self.meter_1.reading_ids)

    def test_portal_sees_own_meters_and_readings_only(self):
        portal = new_test_user(
            self.env,
            login="meter_owner",
            groups="base.group_portal",
            partner_id=self.owner_b.id,
            company_id=self.company.id,
        )
        self._read(self.meter_1, date(2026, 4, 25), 131)
        own = self._read(self.meter_3, date(2026, 4, 25), 125)
        Reading = self.env["property.meter.reading"].with_user(portal)
        self.assertEqual(Reading.search([]), own)
        self.assertEqual(
            self.env["property.meter"].with_user(portal).search([]), self.meter_3
        )
        with self.assertRaises(AccessError):
            own.with_user(portal).write({"value": 130})

    def test_accepting_older_reading_updates_later(self):
        for month, value in ((1, 110), (2, 120), (3, 130)):
            self._read(self.meter_1, date(2026, month, 25), value)
        high = self._read(self.meter_1, date(2026, 4, 25), 200)
        later = self._read(self.meter_1, date(2026, 5, 25), 210)
        # Until April is accepted, May counts from March.
        self.assertEqual(high.anomaly, "high")
        self.assertEqual(later.previous_value, 130)
        self.assertEqual(later.anomaly, "high")

        high.action_accept()
        later.action_confirm()
        self.assertEqual(later.previous_value, 200)
        self.assertEqual(later.consumption, 10)
        self.assertFalse(later.anomaly)
        self.assertEqual(later.state, "confirmed")

    def test_rollover_blocks_next_reading_until_accepted(self):
        self.meter_1.digits = 5
        self._read(self.meter_1, date(2026, 3, 25), 99950)
        flagged = self._read(self.meter_1, date(2026, 4, 25), 12, is_rollover=True)
        with self.assertRaisesRegex(ValidationError, "30 is below"):
            with self.env.cr.savepoint():
                self._read(self.meter_1, date(2026, 5, 25), 30)
        flagged.action_accept()
        later = self._read(self.meter_1, date(2026, 5, 25), 30)
        self.assertEqual(later.consumption, 18)
        self.assertEqual(later.state, "confirmed")


# 20:00 UTC on 2026-12-05 is already 2026-12-06 in Asia/Shanghai, the time zone
# of the test community, so the tests below check which day counts as today.
LATE_EVENING_UTC = "2026-12-05 20:00:00"
FUTURE_MESSAGE = (
    "Reading of meter %s on 2026-12-07 is dated in the future: today is "
    "2026-12-06 in the time zone of community Sunshine Garden (Asia/Shanghai). "
    "Enter the day the meter was read."
)


@tagged("post_install", "-at_install")
class TestFutureReadingDate(MeterBillingCommon):
    """Staff cannot enter a reading dated after today in the community's zone."""

    def _entry(self, day):
        wizard = self.env["property.meter.reading.entry"].create(
            {
                "community_id": self.community.id,
                "building_id": self.building_1.id,
                "date": day,
            }
        )
        wizard.action_load()
        wizard.line_ids.filtered(lambda line: line.meter_id == self.meter_1).value = 131
        wizard.line_ids.filtered(lambda line: line.meter_id == self.meter_2).value = 112
        return wizard

    @freeze_time(LATE_EVENING_UTC)
    def test_entry_rejects_future_date(self):
        wizard = self._entry(date(2026, 12, 7))
        with self.assertRaises(UserError) as caught:
            wizard.action_save()
        # One message for the wizard's one date, however many meters it has.
        self.assertEqual(
            caught.exception.args[0],
            "The reading date 2026-12-07 is in the future: today is 2026-12-06 in "
            "the time zone of community Sunshine Garden (Asia/Shanghai). Enter the "
            "day the meters were read.",
        )
        self.assertFalse(self.meter_1.reading_ids)
        self.assertFalse(self.meter_2.reading_ids)
        self.assertEqual(self.meter_1.last_value, 100)

    @freeze_time(LATE_EVENING_UTC)
    def test_entry_accepts_community_today(self):
        self._entry(date(2026, 12, 6)).action_save()
        self.assertEqual(self.meter_1.reading_ids.date, date(2026, 12, 6))
        self.assertEqual(self.meter_1.reading_ids.state, "confirmed")
        self.assertEqual(self.meter_1.last_value, 131)

    @freeze_time(LATE_EVENING_UTC)
    def test_form_rejects_future_date(self):
        form = Form(self.env["property.meter.reading"])
        form.meter_id = self.meter_1
        form.date = date(2026, 12, 7)
        form.value = 131
        with self.assertRaises(ValidationError) as caught:
            form.save()
        self.assertEqual(caught.exception.args[0], FUTURE_MESSAGE % "W-1-101")
        self.assertFalse(self.meter_1.reading_ids)

        reading = self._read(self.meter_1, date(2026, 12, 6), 131, confirm=False)
        with self.assertRaises(ValidationError) as caught:
            reading.date = date(2026, 12, 7)
        self.assertEqual(caught.exception.args[0], FUTURE_MESSAGE % "W-1-101")

    @freeze_time(LATE_EVENING_UTC)
    def test_import_rejects_future_date(self):
        wizard = self.env["property.meter.reading.import"].create(
            {
                "community_id": self.community.id,
                "file": base64.b64encode(
                    b"serial,value,date\n"
                    b"W-1-101,131,2026-12-06\n"
                    b"W-1-101,140,2026-12-07\n"
                    b"W-1-102,112,2026-12-07\n"
                ),
                "filename": "readings.csv",
                "date": date(2026, 12, 6),
            }
        )
        wizard.action_import()
        self.assertEqual(wizard.state, "error")
        self.assertEqual(wizard.line_ids.mapped("line_number"), [3, 4])
        self.assertEqual(
            wizard.line_ids.mapped("message"),
            [FUTURE_MESSAGE % "W-1-101", FUTURE_MESSAGE % "W-1-102"],
        )
        self.assertFalse(self.env["property.meter.reading"].search_count([]))

    @freeze_time(LATE_EVENING_UTC)
    def test_portal_uses_community_today(self):
        self.assertFalse(self.meter_1._check_portal_reading(date(2026, 12, 6), 120))
        self.assertEqual(
            self.meter_1._check_portal_reading(date(2026, 12, 7), 120),
            "The reading date 2026-12-07 is in the future: enter the day you "
            "read the meter.",
        )
