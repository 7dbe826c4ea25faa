from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import RefundCommon


@tagged("post_install", "-at_install")
class TestRefundDeadline(RefundCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Monday to Friday, 8 hours a day.
        cls.company.resource_calendar_id = cls.env.ref(
            "resource.resource_calendar_std"
        ).copy({"company_id": cls.company.id})

    def _submitted_request(self, paid_on, unit=None):
        bill = self._create_bill(unit or self.unit_a, 1200.00)
        self._pay(bill, 1200.00, paid_on)
        request = self._new_request(bill, amount=100.00)
        request.action_submit()
        return request

    def test_deadline_in_working_days(self):
        # Friday 4 December 2026: five working days are 7 to 11 December.
        with freeze_time("2026-12-04 10:00:00"):
            request = self._submitted_request(date(2026, 12, 1))
        self.assertEqual(request.date_deadline, date(2026, 12, 11))

    def test_deadline_without_calendar(self):
        self.company.resource_calendar_id = False
        with freeze_time("2026-12-04 10:00:00"):
            request = self._submitted_request(date(2026, 12, 1))
        self.assertEqual(request.date_deadline, date(2026, 12, 9))

    def test_decided_late(self):
        with freeze_time("2026-12-04 10:00:00"):
            on_time = self._submitted_request(date(2026, 12, 1))
            late = self._submitted_request(date(2026, 12, 1), self.unit_b)
        with freeze_time("2026-12-11 03:00:00"):
            on_time.action_approve()
        with freeze_time("2026-12-14 09:00:00"):
            late.action_approve()
        self.assertFalse(on_time.decided_late)
        self.assertTrue(late.decided_late)
        late_list = self.env["property.refund.request"].search(
            [("decided_late", "=", True)]
        )
        self.assertEqual(late_list, late)

    def test_cron_flags_late_requests_once(self):
        with freeze_time("2026-12-04 10:00:00"):
            request = self._submitted_request(date(2026, 12, 1))
        with freeze_time("2026-12-11 10:00:00"):
            self.assertEqual(
                self.env["property.refund.request"]._cron_flag_late_requests(), 0
            )
        Request = self.env["property.refund.request"]
        with freeze_time("2026-12-14 10:00:00"):
            self.assertTrue(request.with_context(tz="UTC").is_late)
            self.assertEqual(Request.search([("is_late", "=", True)]), request)
            flagged = Request._cron_flag_late_requests()
            again = Request._cron_flag_late_requests()
        managers = self.env.ref(
            "property_billing.property_billing_group_manager"
        ).users.filtered(
            lambda user: self.company in user.company_ids and not user.share
        )
        self.assertIn(self.billing_manager, managers)
        self.assertEqual(flagged, len(managers))
        self.assertEqual(again, 0)
        self.assertEqual(request.activity_ids.user_id, managers)
        self.assertNotIn(self.billing_user, request.activity_ids.user_id)

    def test_today_not_late(self):
        request = self._submitted_request(self._community_today() - timedelta(days=1))
        self.assertFalse(request.is_late)
        self.assertGreater(
            datetime.combine(request.date_deadline, datetime.min.time()),
            datetime.now() - timedelta(days=1),
        )
