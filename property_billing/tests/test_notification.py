import unittest
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from freezegun import freeze_time
from lxml import html

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import BaseCase, HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.sms.tools.sms_api import SmsApi

from ..tools import notifications as schedule
from .common import PropertyBillingCommon
from .sms_emulator import SmsEmulator


@tagged("post_install", "-at_install")
class TestNotificationSchedule(BaseCase):
    """The sending hours and reminder days, on plain values."""

    def test_daytime_sends_now(self):
        # 10:00 in Shanghai is 02:00 UTC.
        now = datetime(2026, 3, 24, 2, 0)
        self.assertEqual(schedule.next_send_time(now, "Asia/Shanghai"), now)

    def test_evening_waits_for_morning(self):
        # 22:00 in Shanghai waits for 08:00 the next day, 00:00 UTC.
        now = datetime(2026, 3, 30, 14, 0)
        self.assertEqual(
            schedule.next_send_time(now, "Asia/Shanghai"), datetime(2026, 3, 31, 0, 0)
        )

    def test_early_morning_waits_same_day(self):
        # 07:59 in Shanghai waits one minute.
        now = datetime(2026, 3, 30, 23, 59)
        self.assertEqual(
            schedule.next_send_time(now, "Asia/Shanghai"), datetime(2026, 3, 31, 0, 0)
        )

    def test_quiet_start_is_quiet(self):
        now = datetime(2026, 3, 30, 13, 0)
        self.assertEqual(
            schedule.next_send_time(now, "Asia/Shanghai"), datetime(2026, 3, 31, 0, 0)
        )

    def test_retry_delay_doubles(self):
        self.assertEqual(schedule.retry_delay(1), timedelta(minutes=5))
        self.assertEqual(schedule.retry_delay(3), timedelta(minutes=20))

    def test_before_due_window(self):
        days = [7, 1]
        self.assertFalse(schedule.reminder_stage_due(8, 7, days))
        self.assertTrue(schedule.reminder_stage_due(7, 7, days))
        self.assertTrue(schedule.reminder_stage_due(2, 7, days))
        self.assertFalse(schedule.reminder_stage_due(1, 7, days))
        self.assertTrue(schedule.reminder_stage_due(1, 1, days))
        self.assertFalse(schedule.reminder_stage_due(0, 1, days))

    def test_e164_number(self):
        self.assertEqual(schedule.e164_number("138 0013 8000", 86), "+8613800138000")
        self.assertEqual(
            schedule.e164_number("+86 (139) 0013-9000", 86), "+8613900139000"
        )
        self.assertEqual(schedule.e164_number("0044 20 7946 0958", 86), "+442079460958")
        self.assertEqual(schedule.e164_number("020 7946 0958", 44), "+442079460958")
        self.assertIsNone(schedule.e164_number("138 0013 8000", None))
        self.assertIsNone(schedule.e164_number("12345", 86))
        self.assertIsNone(schedule.e164_number("call me", 86))
        self.assertIsNone(schedule.e164_number(False, 86))

    def test_overdue_occurrence(self):
        self.assertEqual(schedule.overdue_occurrence(6, 7, 3), 0)
        self.assertEqual(schedule.overdue_occurrence(7, 7, 3), 1)
        self.assertEqual(schedule.overdue_occurrence(20, 7, 3), 2)
        self.assertEqual(schedule.overdue_occurrence(60, 7, 3), 3)


class NotificationCommon(PropertyBillingCommon):
    """Sunshine Garden (Asia/Shanghai) with a full schedule and a March bill.

    The March run bills A 88.50 m² × 2.80 = 247.80 and B 120 m² × 2.80 =
    336.00, both due on 31 March 2026.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.email = "billing@sunshine.example.com"
        cls.owner_a.email = "owner.a@example.com"
        cls.owner_b.email = "owner.b@example.com"
        cls.unit_a = cls._create_unit(cls.building_1, "101", 88.50, cls.owner_a)
        cls.unit_b = cls._create_unit(cls.building_1, "102", 120.00, cls.owner_b)
        cls._apply_fee(cls.unit_a | cls.unit_b, cls.fee_management, date(2026, 1, 1))
        cls.email = cls.env.ref("property_billing.property_notification_channel_email")
        cls.portal = cls.env.ref(
            "property_billing.property_notification_channel_portal"
        )
        cls.sms = cls.env.ref("property_billing.property_notification_channel_sms")
        Rule = cls.env["property.notification.rule"]
        template = "property_billing.mail_template_property_%s"
        cls.rules = Rule.create(
            [
                {
                    "community_id": cls.community.id,
                    "stage": "before_due",
                    "days": 7,
                    "channel_ids": [Command.set((cls.email | cls.portal).ids)],
                    "mail_template_id": cls.env.ref(template % "before_due").id,
                },
                {
                    "community_id": cls.community.id,
                    "stage": "before_due",
                    "days": 1,
                    "channel_ids": [Command.set(cls.email.ids)],
                    "mail_template_id": cls.env.ref(template % "before_due").id,
                },
                {
                    "community_id": cls.community.id,
                    "stage": "on_due",
                    "channel_ids": [Command.set(cls.email.ids)],
                    "mail_template_id": cls.env.ref(template % "on_due").id,
                },
                {
                    "community_id": cls.community.id,
                    "stage": "after_due",
                    "days": 7,
                    "max_count": 3,
                    "channel_ids": [Command.set(cls.email.ids)],
                    "mail_template_id": cls.env.ref(template % "after_due").id,
                },
                {
                    "community_id": cls.community.id,
                    "stage": "payment",
                    "channel_ids": [Command.set((cls.email | cls.portal).ids)],
                    "mail_template_id": cls.env.ref(template % "payment").id,
                },
            ]
        )

    def setUp(self):
        super().setUp()
        run = self._create_run(
            date(2026, 3, 1), date(2026, 3, 31), due_date=date(2026, 3, 31)
        )
        run.action_generate()
        self.bill_a = run.invoice_ids.filtered(lambda m: m.partner_id == self.owner_a)
        self.bill_b = run.invoice_ids.filtered(lambda m: m.partner_id == self.owner_b)
        self.assertEqual(self.bill_a.amount_total, 247.80)
        self.assertEqual(self.bill_b.amount_total, 336.00)

    def _run_job(self, now):
        self.env["property.notification"]._cron_send_notifications(now=now)

    def _notifications(self, bill, **filters):
        domain = [("move_id", "=", bill.id)]
        domain += [(name, "=", value) for name, value in filters.items()]
        return self.env["property.notification"].search(domain, order="id")

    def _pay(self, bill, amount, day):
        return (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=bill.ids)
            .create({"amount": amount, "payment_date": day})
            ._create_payments()
        )


@tagged("post_install", "-at_install")
class TestNotificationReminders(NotificationCommon):
    def test_rule_names_count_days(self):
        self.assertEqual(
            self.rules.mapped("display_name"),
            [
                "Before the Due Date: 7 days",
                "Before the Due Date: 1 day",
                "On the Due Date",
                "After the Due Date: every 7 days, at most 3 times",
                "Payment Received",
            ],
        )
        after_due = self.rules[3]
        cases = [
            ({"days": 1}, "After the Due Date: every day, at most 3 times"),
            ({"max_count": 1}, "After the Due Date: every day, at most once"),
            ({"days": 7}, "After the Due Date: every 7 days, at most once"),
        ]
        for values, name in cases:
            with self.subTest(values=values):
                after_due.write(values)
                self.assertEqual(after_due.display_name, name)
        self.rules[1].stage = "package_end"
        self.assertEqual(self.rules[1].display_name, "Before a Package Ends: 1 day")

    def test_seven_days_before_sent_once(self):
        # 24 March 10:00 in Shanghai: the bill is due in 7 days.
        now = datetime(2026, 3, 24, 2, 0)
        self._run_job(now)
        self._run_job(now + timedelta(hours=1))
        sent = self._notifications(self.bill_a)
        self.assertEqual(len(sent), 2)
        self.assertEqual(sent.mapped("key"), ["before_due:7", "before_due:7"])
        self.assertEqual(sent.channel_id, self.email | self.portal)
        self.assertEqual(sent.mapped("state"), ["sent", "sent"])
        self.assertEqual(sent.mapped("date_sent"), [now, now])
        self.assertEqual(sent.partner_id, self.owner_a)
        mail = sent.filtered(lambda n: n.channel_id == self.email).mail_id
        self.assertEqual(
            mail.subject,
            f"{self.company.name}: bill {self.bill_a.name} of ¥\xa0247.80 is due "
            "on 03/31/2026",
        )
        self.assertEqual(mail.recipient_ids, self.owner_a)
        self.assertIn("247.80", str(mail.body_html))

    def test_portal_message_on_bill(self):
        self._run_job(datetime(2026, 3, 24, 2, 0))
        notification = self._notifications(self.bill_a, channel_id=self.portal.id)
        message = notification.message_id
        self.assertEqual(message.model, "account.move")
        self.assertEqual(message.res_id, self.bill_a.id)
        self.assertEqual(message.message_type, "comment")
        self.assertFalse(message.subtype_id.internal)
        self.assertFalse(message.is_internal)
        self.assertIn(self.bill_a.name, message.subject)
        self.assertIn(message, self.bill_a.message_ids)

    def test_quiet_hours_wait_for_morning(self):
        # 30 March 22:00 in Shanghai: the 1-day reminder waits for 08:00.
        evening = datetime(2026, 3, 30, 14, 0)
        self._run_job(evening)
        reminder = self._notifications(self.bill_a, key="before_due:1")
        self.assertEqual(reminder.state, "queued")
        self.assertEqual(reminder.scheduled_at, datetime(2026, 3, 31, 0, 0))
        self.assertFalse(reminder.mail_id)
        self._run_job(datetime(2026, 3, 30, 23, 0))
        self.assertEqual(reminder.state, "queued")
        self._run_job(datetime(2026, 3, 31, 0, 0))
        self.assertEqual(reminder.state, "sent")
        # 31 March is also the due date.
        self.assertEqual(self._notifications(self.bill_a, key="on_due").state, "sent")

    def test_after_due_every_seven_days_at_most_three(self):
        self._run_job(datetime(2026, 4, 7, 2, 0))
        self.assertEqual(
            self._notifications(self.bill_a, stage="after_due").mapped("key"),
            ["after_due:7:1"],
        )
        # The job did not run from 8 to 24 April: on 25 April, 25 days after
        # the due date, only the third reminder is sent, not the second.
        self._run_job(datetime(2026, 4, 25, 2, 0))
        self._run_job(datetime(2026, 4, 28, 2, 0))
        self._run_job(datetime(2026, 6, 20, 2, 0))
        after = self._notifications(self.bill_a, stage="after_due")
        self.assertEqual(after.mapped("key"), ["after_due:7:1", "after_due:7:3"])
        self.assertEqual(after.mapped("state"), ["sent"] * 2)

    def test_after_due_sends_each_on_time(self):
        for day in (7, 14, 21, 28, 35):
            self._run_job(datetime(2026, 3, 31, 2, 0) + timedelta(days=day))
        after = self._notifications(self.bill_a, stage="after_due")
        self.assertEqual(
            after.mapped("key"), ["after_due:7:1", "after_due:7:2", "after_due:7:3"]
        )

    def test_opted_out_owner_gets_no_reminder(self):
        self.owner_b.property_notify_opt_out = True
        self._run_job(datetime(2026, 3, 24, 2, 0))
        self._run_job(datetime(2026, 4, 7, 2, 0))
        self.assertFalse(self._notifications(self.bill_b))
        self.assertEqual(len(self._notifications(self.bill_a)), 3)

    def test_opt_out_cancels_queued_reminder(self):
        self._run_job(datetime(2026, 3, 30, 14, 0))
        reminder = self._notifications(self.bill_b, key="before_due:1")
        self.assertEqual(reminder.state, "queued")
        self.owner_b.property_notify_opt_out = True
        self._run_job(datetime(2026, 3, 31, 0, 0))
        self.assertEqual(reminder.state, "cancelled")
        self.assertEqual(reminder.error, "The owner opted out of reminders.")
        self.assertFalse(reminder.mail_id)

    def test_bill_on_hold_gets_no_reminder(self):
        self.bill_b.property_late_fee_on_hold = True
        self._run_job(datetime(2026, 4, 7, 2, 0))
        self.assertFalse(self._notifications(self.bill_b))
        self.assertEqual(len(self._notifications(self.bill_a)), 1)

    def test_paid_bill_gets_no_reminder(self):
        self._pay(self.bill_a, 247.80, date(2026, 3, 20))
        self._run_job(datetime(2026, 3, 24, 2, 0))
        self.assertFalse(self._notifications(self.bill_a, stage="before_due"))

    def test_owner_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        template = self.env.ref("property_billing.mail_template_property_before_due")
        template.with_context(lang="zh_CN").subject = (
            "账单 {{ object.move_id.name }} 将于 "
            "{{ format_date(object.move_id.invoice_date_due) }} 到期"
        )
        self.owner_a.lang = "zh_CN"
        self._run_job(datetime(2026, 3, 24, 2, 0))
        notification = self._notifications(self.bill_a, channel_id=self.email.id)
        self.assertEqual(notification.lang, "zh_CN")
        self.assertEqual(
            notification.mail_id.subject,
            f"账单 {self.bill_a.name} 将于 2026年03月31日 到期",
        )
        english = self._notifications(self.bill_b, channel_id=self.email.id)
        self.assertTrue(english.mail_id.subject.startswith(self.company.name))

    def test_staff_views_per_bill_and_partner(self):
        self._run_job(datetime(2026, 3, 24, 2, 0))
        self.assertEqual(self.bill_a.property_notification_count, 2)
        self.assertEqual(self.owner_a.property_notification_count, 2)
        action = self.owner_a.action_view_property_notifications()
        self.assertEqual(
            self.env["property.notification"].search(action["domain"]),
            self._notifications(self.bill_a),
        )
        action = self.bill_b.action_view_property_notifications()
        self.assertEqual(
            len(self.env["property.notification"].search(action["domain"])), 2
        )


@tagged("post_install", "-at_install")
class TestNotificationFailures(NotificationCommon):
    def test_failure_retried_with_backoff(self):
        self.owner_a.email = False
        now = datetime(2026, 3, 24, 2, 0)
        self._run_job(now)
        failed = self._notifications(self.bill_a, channel_id=self.email.id)
        self.assertEqual(failed.state, "retry")
        self.assertEqual(failed.attempt_count, 1)
        self.assertEqual(
            failed.error, "Owner A has no email address: enter one on the contact."
        )
        self.assertEqual(failed.scheduled_at, now + timedelta(minutes=5))
        self._run_job(now + timedelta(minutes=4))
        self.assertEqual(failed.attempt_count, 1)
        self._run_job(now + timedelta(minutes=5))
        self.assertEqual(failed.attempt_count, 2)
        self.assertEqual(failed.scheduled_at, now + timedelta(minutes=15))
        self.owner_a.email = "owner.a@example.com"
        self._run_job(now + timedelta(minutes=15))
        self.assertEqual(failed.state, "sent")
        self.assertEqual(failed.attempt_count, 3)
        self.assertFalse(failed.error)
        # The portal message of the same stage went on the first try.
        portal = self._notifications(self.bill_a, channel_id=self.portal.id)
        self.assertEqual(portal.attempt_count, 1)

    def test_failed_after_max_attempts(self):
        self.owner_a.email = False
        now = datetime(2026, 3, 24, 2, 0)
        failed = self.env["property.notification"]
        for _attempt in range(schedule.MAX_ATTEMPTS):
            self._run_job(now)
            failed = self._notifications(self.bill_a, channel_id=self.email.id)
            now = failed.scheduled_at
        self.assertEqual(failed.state, "failed")
        self.assertEqual(failed.attempt_count, schedule.MAX_ATTEMPTS)
        self._run_job(now + timedelta(days=1))
        self.assertEqual(failed.attempt_count, schedule.MAX_ATTEMPTS)
        failed.action_retry()
        self.assertEqual(failed.state, "retry")

    def test_sms_without_number_fails(self):
        self.owner_a.mobile = False
        self.owner_a.phone = False
        self.rules[0].channel_ids = [Command.set(self.sms.ids)]
        self._run_job(datetime(2026, 3, 24, 2, 0))
        notification = self._notifications(self.bill_a)
        self.assertEqual(notification.state, "retry")
        self.assertEqual(notification.attempt_count, 1)
        if "sms.sms" in self.env:
            self.assertEqual(
                notification.error,
                "Owner A has no valid mobile number (none): enter one in "
                "international form, such as +86 138 0013 8000.",
            )
        else:
            self.assertIn("SMS is not configured", notification.error)


@tagged("post_install", "-at_install")
class TestNotificationSms(NotificationCommon):
    """SMS through Odoo's sms addon, sent to a local emulator of its service."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "sms.sms" not in cls.env:
            raise unittest.SkipTest("the sms addon is not installed")
        cls.account = cls.env["iap.account"].get("sms")
        cls.account.account_token = "test-sms-token"
        cls.rules[0].channel_ids = [Command.set(cls.sms.ids)]
        cls.cn = cls.env.ref("base.cn")
        cls.owner_a.write({"mobile": "138 0013 8000", "country_id": cls.cn.id})
        cls.owner_b.write({"mobile": "+86 139 0013 9000", "country_id": cls.cn.id})

    def _run_with_emulator(self, emulator, now):
        with emulator.routed(self.env):
            self._run_job(now)

    def test_sms_sent_in_e164(self):
        with SmsEmulator("test-sms-token") as emulator:
            self._run_with_emulator(emulator, datetime(2026, 3, 24, 2, 0))
        self.assertEqual(
            sorted(message["number"] for message in emulator.sent),
            ["+8613800138000", "+8613900139000"],
        )
        sent_a = next(m for m in emulator.sent if m["number"] == "+8613800138000")
        self.assertEqual(
            sent_a["content"],
            f"{self.company.name}: bill {self.bill_a.name} of ¥\xa0247.80 is due "
            "on 03/31/2026",
        )
        notification = self._notifications(self.bill_a)
        self.assertEqual(notification.state, "sent")
        sms = self.env["sms.sms"].search(
            [("uuid", "=", notification.provider_reference)]
        )
        self.assertEqual(sms.state, "pending")

    def test_wrong_token_retried(self):
        with SmsEmulator("another-token") as emulator:
            self._run_with_emulator(emulator, datetime(2026, 3, 24, 2, 0))
        self.assertFalse(emulator.sent)
        notification = self._notifications(self.bill_a)
        self.assertEqual(notification.state, "retry")
        self.assertEqual(
            notification.error,
            "The SMS to +8613800138000 failed: Unregistered Account.",
        )

    def test_no_credit_retried_then_sent(self):
        now = datetime(2026, 3, 24, 2, 0)
        with SmsEmulator("test-sms-token", credit=1) as emulator:
            self._run_with_emulator(emulator, now)
        self.assertEqual(len(emulator.sent), 1)
        failed = self.env["property.notification"].search(
            [("state", "=", "retry"), ("channel_id", "=", self.sms.id)]
        )
        self.assertEqual(len(failed), 1)
        self.assertIn("Insufficient Credit", failed.error)
        with SmsEmulator("test-sms-token") as emulator:
            self._run_with_emulator(emulator, now + timedelta(minutes=5))
        self.assertEqual(len(emulator.sent), 1)
        self.assertEqual(failed.state, "sent")
        self.assertEqual(failed.attempt_count, 2)

    def test_no_result_retried(self):
        now = datetime(2026, 3, 24, 2, 0)
        with SmsEmulator("test-sms-token", drop_results=True) as emulator:
            self._run_with_emulator(emulator, now)
        self.assertEqual(len(emulator.requests), 2)
        notification = self._notifications(self.bill_a)
        self.assertEqual(notification.state, "retry")
        self.assertEqual(notification.attempt_count, 1)
        self.assertEqual(
            notification.error,
            "The SMS service returned no result for the SMS to +8613800138000.",
        )
        self.assertEqual(notification.scheduled_at, now + timedelta(minutes=5))
        with SmsEmulator("test-sms-token") as emulator:
            self._run_with_emulator(emulator, now + timedelta(minutes=5))
        self.assertEqual(notification.state, "sent")
        self.assertEqual(notification.attempt_count, 2)

    def test_service_down_retried(self):
        now = datetime(2026, 3, 24, 2, 0)
        with SmsEmulator("test-sms-token") as emulator:
            pass
        # The emulator is stopped: nothing listens on its port any more.
        with mute_logger("odoo.addons.iap.tools.iap_tools", "odoo.tools.translate"):
            self._run_with_emulator(emulator, now)
        notification = self._notifications(self.bill_a)
        self.assertEqual(notification.state, "retry")
        self.assertEqual(
            notification.error, "The SMS to +8613800138000 failed: Server Error."
        )

    def test_emulator_checks_number_and_text(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "database.uuid", "test-database-uuid"
        )
        with SmsEmulator("test-sms-token") as emulator, emulator.routed(self.env):
            results = SmsApi(self.env)._send_sms_batch(
                [
                    {
                        "content": "Bill due",
                        "numbers": [
                            {"uuid": "a", "number": "+8613800138000"},
                            {"uuid": "b", "number": "13800138000"},
                        ],
                    },
                    {"content": "  ", "numbers": [{"uuid": "c", "number": "+86139"}]},
                ],
                delivery_reports_url="http://127.0.0.1/sms/status",
            )
        self.assertEqual(
            results,
            [
                {"uuid": "a", "state": "success"},
                {"uuid": "b", "state": "wrong_number_format"},
                {"uuid": "c", "state": "server_error"},
            ],
        )
        self.assertEqual(
            emulator.requests[0]["params"]["account_token"], "test-sms-token"
        )
        self.assertEqual(emulator.requests[0]["params"]["dbuuid"], "test-database-uuid")
        self.assertEqual(
            emulator.sent, [{"number": "+8613800138000", "content": "Bill due"}]
        )

    def test_emulator_rejects_invalid_call(self):
        with SmsEmulator("test-sms-token", expect_errors=True) as emulator:
            with emulator.routed(self.env), self.assertRaises(AccessError):
                with mute_logger(
                    "odoo.addons.iap.tools.iap_tools", "odoo.tools.translate"
                ):
                    SmsApi(self.env)._contact_iap(
                        "/api/sms/3/send", {"messages": [{"content": "Hi"}]}
                    )
        self.assertEqual(emulator.errors, ["the request has no dbuuid"])
        with self.assertRaisesRegex(AssertionError, "no uuid"):
            with SmsEmulator("test-sms-token") as emulator, emulator.routed(self.env):
                with mute_logger(
                    "odoo.addons.iap.tools.iap_tools", "odoo.tools.translate"
                ):
                    with self.assertRaises(AccessError):
                        SmsApi(self.env)._send_sms_batch(
                            [{"content": "Hi", "numbers": [{"number": "+86138"}]}]
                        )


@tagged("post_install", "-at_install")
class TestPaymentConfirmation(NotificationCommon):
    def _receivable_line(self, move):
        return move.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )

    @freeze_time("2026-03-20 03:00:00")
    def test_confirmed_once_after_reconcile_again(self):
        payment = self._pay(self.bill_a, 247.80, date(2026, 3, 20))
        confirmations = self._notifications(self.bill_a, stage="payment")
        self.assertEqual(len(confirmations), 2)
        self.assertEqual(confirmations.payment_move_id, payment.move_id)
        payment_line = self._receivable_line(payment.move_id)
        payment_line.remove_move_reconcile()
        self.assertEqual(self.bill_a.payment_state, "not_paid")
        (payment_line | self._receivable_line(self.bill_a)).reconcile()
        self.assertIn(self.bill_a.payment_state, ("paid", "in_payment"))
        confirmations = self._notifications(self.bill_a, stage="payment")
        self.assertEqual(len(confirmations), 2)
        self._run_job(datetime(2026, 3, 20, 3, 0))
        self.assertEqual(confirmations.mapped("state"), ["sent", "sent"])
        payment_line.remove_move_reconcile()
        (payment_line | self._receivable_line(self.bill_a)).reconcile()
        self._run_job(datetime(2026, 3, 20, 4, 0))
        self.assertEqual(
            self._notifications(self.bill_a, stage="payment"), confirmations
        )
        mail = confirmations.filtered(lambda n: n.channel_id == self.email).mail_id
        self.assertEqual(
            mail.subject,
            f"{self.company.name}: payment received for bill {self.bill_a.name}",
        )
        self.assertEqual(
            self.env["mail.mail"].search_count([("subject", "=", mail.subject)]),
            1,
        )

    @freeze_time("2026-03-20 03:00:00")
    def test_confirmation_text(self):
        partial = self._pay(self.bill_a, 100.00, date(2026, 3, 20))
        full = self._pay(self.bill_a, 147.80, date(2026, 3, 20))
        self._run_job(datetime(2026, 3, 20, 3, 0))
        texts = {}
        for payment in (partial, full):
            notifications = self._notifications(
                self.bill_a, payment_move_id=payment.move_id.id
            )
            email = notifications.filtered(lambda n: n.channel_id == self.email)
            portal = notifications.filtered(lambda n: n.channel_id == self.portal)
            text = " ".join(
                html.fromstring(portal.message_id.body).text_content().split()
            )
            self.assertEqual(
                " ".join(
                    html.fromstring(email.mail_id.body_html).text_content().split()
                ),
                text,
            )
            texts[payment] = text
        self.assertEqual(
            texts[partial],
            f"Dear Owner A, We received your payment {partial.move_id.name} for bill "
            f"{self.bill_a.name}. ¥ 147.80 is left to pay. Thank you,"
            f"{self.company.name}",
        )
        self.assertEqual(
            texts[full],
            f"Dear Owner A, We received your payment {full.move_id.name} for bill "
            f"{self.bill_a.name}. The bill is paid in full. Thank you,"
            f"{self.company.name}",
        )

    @freeze_time("2026-03-20 03:00:00")
    def test_opted_out_owner_still_confirmed(self):
        self.owner_a.property_notify_opt_out = True
        self._pay(self.bill_a, 100.00, date(2026, 3, 20))
        self._run_job(datetime(2026, 3, 20, 3, 0))
        confirmations = self._notifications(self.bill_a, stage="payment")
        self.assertEqual(confirmations.mapped("state"), ["sent", "sent"])

    def test_each_partial_payment_confirmed(self):
        self._pay(self.bill_a, 100.00, date(2026, 3, 20))
        self._pay(self.bill_a, 147.80, date(2026, 3, 21))
        confirmations = self._notifications(self.bill_a, stage="payment")
        self.assertEqual(len(confirmations), 4)
        self.assertEqual(len(confirmations.payment_move_id), 2)

    def test_credit_note_is_no_payment(self):
        reversal = self.bill_a._reverse_moves(cancel=True)
        self.assertEqual(reversal.state, "posted")
        self.assertFalse(self._notifications(self.bill_a, stage="payment"))


@tagged("post_install", "-at_install")
class TestNotificationPortal(HttpCase, NotificationCommon):
    def test_owner_opts_out_on_portal(self):
        new_test_user(
            self.env,
            login="owner_a_notify",
            password="owner_a_notify",
            groups="base.group_portal",
            partner_id=self.owner_a.id,
            company_id=self.company.id,
        )
        self.authenticate("owner_a_notify", "owner_a_notify")
        page = html.fromstring(self.url_open("/my/property").content)
        token = page.xpath(
            "//form[hasclass('o_property_reminders')]//input[@name='csrf_token']"
        )
        self.assertEqual(len(token), 1)
        response = self.url_open(
            "/my/property/reminders",
            data={"csrf_token": token[0].get("value"), "opt_out": "1"},
        )
        self.assertEqual(urlsplit(response.url).path, "/my/property")
        self.assertTrue(self.owner_a.property_notify_opt_out)
        checkbox = html.fromstring(response.content).xpath(
            "//input[@id='property_reminder_opt_out']"
        )
        self.assertIsNotNone(checkbox[0].get("checked"))
        self.url_open(
            "/my/property/reminders", data={"csrf_token": token[0].get("value")}
        )
        self.assertFalse(self.owner_a.property_notify_opt_out)


@tagged("post_install", "-at_install")
class TestNotificationAccess(NotificationCommon):
    def test_portal_user_cannot_read_log(self):
        self._run_job(datetime(2026, 3, 24, 2, 0))
        portal_user = new_test_user(
            self.env,
            login="owner_a_log",
            groups="base.group_portal",
            partner_id=self.owner_a.id,
            company_id=self.company.id,
        )
        with self.assertRaises(AccessError):
            self.env["property.notification"].with_user(portal_user).search([])

    def test_billing_user_reads_but_cannot_retry(self):
        self.owner_a.email = False
        for _attempt in range(schedule.MAX_ATTEMPTS):
            self._run_job(datetime(2026, 3, 24, 2, 0) + timedelta(days=_attempt))
        failed = self._notifications(self.bill_a, channel_id=self.email.id)
        self.assertEqual(failed.state, "failed")
        clerk = new_test_user(
            self.env,
            login="billing_clerk",
            groups="base.group_user,property_billing.property_billing_group_user",
            company_id=self.company.id,
        )
        as_clerk = failed.with_user(clerk)
        self.assertEqual(
            as_clerk.error, "Owner A has no email address: enter one on the contact."
        )
        with self.assertRaises(AccessError):
            as_clerk.action_retry()
        self.assertEqual(failed.state, "failed")
