from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import RefundCommon

# 10 March 2026, 10:00 in Shanghai, the community's time zone.
DAYTIME = "2026-03-10 02:00:00"
PAID_ON = date(2026, 3, 10)


@tagged("post_install", "-at_install")
class TestRefundNotification(RefundCommon):
    """Owner messages on each refund request transition, by email and portal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.email = "billing@sunshine.example.com"
        cls.owner_a.email = "owner.a@example.com"
        cls.email = cls.env.ref("property_billing.property_notification_channel_email")
        cls.portal = cls.env.ref(
            "property_billing.property_notification_channel_portal"
        )
        cls.template = cls.env.ref(
            "property_billing_refund.mail_template_property_refund"
        )
        cls.rule = cls.env["property.notification.rule"].create(
            {
                "community_id": cls.community.id,
                "stage": "refund",
                "channel_ids": [Command.set((cls.email | cls.portal).ids)],
                "mail_template_id": cls.template.id,
            }
        )

    def setUp(self):
        super().setUp()
        with freeze_time(DAYTIME):
            self.bill = self._create_bill(self.unit_a, 1200.00)
            self._pay(self.bill, 1200.00, PAID_ON)

    def _run_job(self, now):
        self.env["property.notification"]._cron_send_notifications(now=now)

    def _refund_notifications(self, request, channel=None):
        domain = [("refund_request_id", "=", request.id)]
        if channel:
            domain.append(("channel_id", "=", channel.id))
        return self.env["property.notification"].search(domain, order="id")

    def test_one_email_per_transition(self):
        with freeze_time(DAYTIME):
            request = self._new_request(self.bill, amount=600.00)
            self.assertFalse(self._refund_notifications(request))
            request.action_submit()
            request.action_approve()
            self._confirm_transfer(request)
            self.assertEqual(request.state, "done")
            self._run_job(datetime(2026, 3, 10, 2, 0))
        emails = self._refund_notifications(request, self.email)
        self.assertEqual(
            emails.mapped("key"),
            [
                f"refund:{request.id}:submitted",
                f"refund:{request.id}:approved",
                f"refund:{request.id}:refunding",
                f"refund:{request.id}:done",
            ],
        )
        self.assertEqual(
            emails.mapped("refund_state"),
            ["submitted", "approved", "refunding", "done"],
        )
        self.assertEqual(set(emails.mapped("state")), {"sent"})
        self.assertEqual(emails.partner_id, self.owner_a)
        self.assertEqual(emails.move_id, self.bill)
        self.assertEqual(set(emails.mapped("stage")), {"refund"})
        self.assertEqual(
            emails[-1].mail_id.subject,
            f"{self.company.name}: refund request {request.name} is now Refunded",
        )
        self.assertIn("600.00", str(emails[-1].mail_id.body_html))
        self.assertEqual(emails[-1].mail_id.recipient_ids, self.owner_a)
        # The portal channel posts each update on the bill, for the owner.
        portal = self._refund_notifications(request, self.portal)
        self.assertEqual(len(portal), 4)
        self.assertEqual(set(portal.mapped("state")), {"sent"})
        self.assertEqual(set(portal.message_id.mapped("res_id")), {self.bill.id})
        self.assertEqual(portal.message_id.partner_ids, self.owner_a)

        # The job running again sends nothing twice.
        self._run_job(datetime(2026, 3, 10, 3, 0))
        self.assertEqual(len(self._refund_notifications(request)), 8)

    def test_rejected_and_cancelled_announced(self):
        with freeze_time(DAYTIME):
            rejected = self._new_request(self.bill, amount=300.00)
            rejected.action_submit()
            rejected.decision_note = "The service was delivered."
            rejected.action_reject()
            cancelled = self._new_request(self.bill, amount=200.00)
            cancelled.action_submit()
            cancelled.action_cancel()
            # A draft is not announced.
            draft = self._new_request(self.bill, amount=100.00)
            self._run_job(datetime(2026, 3, 10, 2, 0))
        self.assertEqual(
            self._refund_notifications(rejected, self.email).mapped("refund_state"),
            ["submitted", "rejected"],
        )
        rejection = self._refund_notifications(rejected, self.email)[-1]
        self.assertIn("The service was delivered.", str(rejection.mail_id.body_html))
        self.assertEqual(
            self._refund_notifications(cancelled, self.email).mapped("refund_state"),
            ["submitted", "cancelled"],
        )
        self.assertFalse(self._refund_notifications(draft))

    def test_failed_transfer_announced_once(self):
        with freeze_time(DAYTIME):
            request = self._new_request(self.bill, amount=600.00)
            request.action_submit()
            request.action_approve()
            request.payment_id.action_cancel()
            self.assertEqual(request.state, "failed")
            request.action_retry()
            request.payment_id.action_cancel()
            self.assertEqual(request.state, "failed")
            self._run_job(datetime(2026, 3, 10, 2, 0))
        emails = self._refund_notifications(request, self.email)
        # Once per request and state: the second failure sends no new message.
        self.assertEqual(
            emails.mapped("refund_state"),
            ["submitted", "approved", "refunding", "failed"],
        )
        self.assertEqual(set(emails.mapped("state")), {"sent"})

    def test_owner_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        subject = "退款申请 {{ object.refund_request_id.name }}：" + (
            "{{ object.refund_state_label }}"
        )
        self.template.with_context(lang="zh_CN").subject = subject
        self.owner_a.lang = "zh_CN"
        with freeze_time(DAYTIME):
            request = self._new_request(self.bill, amount=600.00)
            request.action_submit()
            self._run_job(datetime(2026, 3, 10, 2, 0))
        email = self._refund_notifications(request, self.email)
        self.assertEqual(email.lang, "zh_CN")
        self.assertEqual(email.partner_id, self.owner_a)
        self.assertEqual(email.mail_id.subject, f"退款申请 {request.name}：Submitted")

    def test_quiet_hours_wait_for_morning(self):
        # 22:00 in Shanghai: the submission is announced at 08:00 next morning.
        with freeze_time("2026-03-10 14:00:00"):
            request = self._new_request(self.bill, amount=600.00)
            request.action_submit()
            self._run_job(datetime(2026, 3, 10, 14, 0))
        email = self._refund_notifications(request, self.email)
        self.assertEqual(email.state, "queued")
        self.assertEqual(email.scheduled_at, datetime(2026, 3, 11, 0, 0))
        self.assertFalse(email.mail_id)
        self._run_job(datetime(2026, 3, 10, 23, 59))
        self.assertEqual(email.state, "queued")
        self.assertFalse(email.mail_id)
        self._run_job(datetime(2026, 3, 11, 0, 0))
        self.assertEqual(email.state, "sent")
        self.assertTrue(email.mail_id)

    def test_opted_out_owner_still_told(self):
        # Opting out of payment reminders does not silence refund updates.
        self.owner_a.property_notify_opt_out = True
        with freeze_time(DAYTIME):
            request = self._new_request(self.bill, amount=600.00)
            request.action_submit()
            self._run_job(datetime(2026, 3, 10, 2, 0))
        email = self._refund_notifications(request, self.email)
        self.assertEqual(email.state, "sent")
        self.assertFalse(email.error)

    def test_failed_email_retried(self):
        self.owner_a.email = False
        with freeze_time(DAYTIME):
            request = self._new_request(self.bill, amount=600.00)
            request.action_submit()
            self._run_job(datetime(2026, 3, 10, 2, 0))
        email = self._refund_notifications(request, self.email)
        self.assertEqual(email.state, "retry")
        self.assertEqual(email.attempt_count, 1)
        self.assertIn("has no email address", email.error)
        self.assertEqual(email.scheduled_at, datetime(2026, 3, 10, 2, 5))
        self.owner_a.email = "owner.a@example.com"
        self._run_job(datetime(2026, 3, 10, 2, 5))
        self.assertEqual(email.state, "sent")
        self.assertEqual(email.attempt_count, 2)

    def test_community_without_rule_sends_nothing(self):
        self.rule.unlink()
        with freeze_time(DAYTIME):
            request = self._new_request(self.bill, amount=600.00)
            request.action_submit()
        self.assertFalse(self._refund_notifications(request))
        self.assertEqual(request.state, "submitted")
