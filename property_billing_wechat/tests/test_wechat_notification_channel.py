from datetime import date, datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import WeChatPayCommon

# 24 March 2026 10:00 in Shanghai: the March bills are due in 7 days.
REMINDER_TIME = datetime(2026, 3, 24, 2, 0)
PROVIDER_LOGGER = (
    "odoo.addons.property_billing_wechat.models.payment_provider_official_account"
)
NOTIFICATION_LOGGER = "odoo.addons.property_billing.models.property_notification"


@tagged("post_install", "-at_install")
class TestWeChatNotificationChannel(WeChatPayCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.community.tz = "Asia/Shanghai"
        cls.unit_b = cls._create_unit(cls.building_1, "102", 120.00, cls.owner_b)
        cls._apply_fee(cls.unit_b, cls.fee_management, date(2024, 1, 1))
        cls.wechat = cls.env.ref(
            "property_billing_wechat.property_notification_channel_wechat"
        )
        template = "property_billing.mail_template_property_%s"
        cls.reminder_rule, cls.payment_rule = cls.env[
            "property.notification.rule"
        ].create(
            [
                {
                    "community_id": cls.community.id,
                    "stage": "before_due",
                    "days": 7,
                    "channel_ids": [Command.set(cls.wechat.ids)],
                    "mail_template_id": cls.env.ref(template % "before_due").id,
                    "wechat_template_id": "TPL_BILL_DUE",
                },
                {
                    "community_id": cls.community.id,
                    "stage": "payment",
                    "channel_ids": [Command.set(cls.wechat.ids)],
                    "mail_template_id": cls.env.ref(template % "payment").id,
                    "wechat_template_id": "TPL_PAYMENT",
                    "wechat_template_fields": "thing1=community,"
                    "character_string2=bill,amount3=amount",
                },
            ]
        )

    def setUp(self):
        super().setUp()
        # Owner A bound WeChat on the portal and follows the Official Account;
        # owner B did not bind.
        self.openid_a = self.emulator.openid_for("owner-a")
        self.emulator.followers.add(self.openid_a)
        self.env["property.wechat.binding"].create(
            {
                "partner_id": self.owner_a.id,
                "appid": self.emulator.appid,
                "openid": self.openid_a,
            }
        )
        run = self._create_run(
            date(2026, 3, 1), date(2026, 3, 31), due_date=date(2026, 3, 31)
        )
        run.action_generate()
        self.bill_a = run.invoice_ids.filtered(lambda m: m.partner_id == self.owner_a)
        self.bill_b = run.invoice_ids.filtered(lambda m: m.partner_id == self.owner_b)
        self.assertEqual(self.bill_a.amount_total, 257.80)
        self.assertEqual(self.bill_b.amount_total, 336.00)

    def _run_job(self, now):
        self.env["property.notification"]._cron_send_notifications(now=now)

    def _notifications(self, bill):
        return self.env["property.notification"].search(
            [("move_id", "=", bill.id), ("channel_id", "=", self.wechat.id)]
        )

    def test_reminder_once_per_bill_and_stage_to_bound_owner(self):
        self._run_job(REMINDER_TIME)
        self._run_job(REMINDER_TIME + timedelta(hours=1))
        self.assertEqual(len(self.emulator.template_messages), 1)
        message = self.emulator.template_messages[0]
        self.assertEqual(message["touser"], self.openid_a)
        self.assertEqual(message["template_id"], "TPL_BILL_DUE")
        self.assertEqual(
            message["data"],
            {
                "thing1": {"value": "Sunshine Garden"},
                "character_string2": {"value": self.bill_a.name},
                "amount3": {"value": "257.80元"},
                "time4": {"value": "2026-03-31"},
            },
        )
        self.assertEqual(
            message["url"], self.bill_a.get_base_url() + self.bill_a.get_portal_url()
        )
        notification_a = self._notifications(self.bill_a)
        self.assertRecordValues(
            notification_a,
            [
                {
                    "state": "sent",
                    "key": "before_due:7",
                    "attempt_count": 1,
                    "provider_reference": str(message["msgid"]),
                }
            ],
        )
        # No message, not even a refused one, to the owner who did not bind.
        self.assertEqual(
            [request[0] for request in self.emulator.template_requests],
            [self.openid_a],
        )
        self.assertRecordValues(
            self._notifications(self.bill_b),
            [
                {
                    "state": "cancelled",
                    "attempt_count": 0,
                    "error": "The owner has not bound WeChat on the portal.",
                }
            ],
        )
        # One token for both runs, cached with its expiry.
        self.assertEqual(self.emulator.token_requests, 1)
        provider = self.provider.sudo()
        self.assertIn(provider.wechat_oa_access_token, self.emulator.access_tokens)
        expected_expiry = fields.Datetime.now() + timedelta(seconds=7200)
        self.assertLess(
            abs(provider.wechat_oa_token_expires_at - expected_expiry),
            timedelta(seconds=30),
        )

    def test_payment_confirmation_sent_after_commit(self):
        tx = self._create_order(invoice=self.bill_a)
        self.assertEqual(self.emulator.pay(tx.wechat_pay_out_trade_no), 204)
        tx.invalidate_recordset()
        tx._post_process()
        self.assertEqual(tx.payment_id.amount, 257.80)
        notification = self._notifications(self.bill_a)
        self.assertRecordValues(
            notification,
            [{"state": "queued", "key": f"payment:{tx.payment_id.move_id.id}"}],
        )
        # Nothing is sent by the callback or the post-processing: the job
        # sends it in its own transaction once this one has committed.
        self.assertEqual(self.emulator.template_requests, [])
        cron = self.env.ref("property_billing.ir_cron_property_notification")
        self.assertTrue(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        )
        self._run_job(notification.scheduled_at)
        self._run_job(notification.scheduled_at + timedelta(hours=1))
        self.assertEqual(len(self.emulator.template_messages), 1)
        message = self.emulator.template_messages[0]
        self.assertEqual(message["template_id"], "TPL_PAYMENT")
        self.assertEqual(
            message["data"],
            {
                "thing1": {"value": "Sunshine Garden"},
                "character_string2": {"value": self.bill_a.name},
                "amount3": {"value": "257.80元"},
            },
        )
        self.assertEqual(notification.state, "sent")

    @mute_logger(PROVIDER_LOGGER, NOTIFICATION_LOGGER)
    def test_token_renewed_once_after_40001(self):
        provider = self.provider.sudo()
        old_token = provider._wechat_oa_get_access_token()
        self.assertEqual(self.emulator.token_requests, 1)
        # Another system refreshed the token, so WeChat returns 40001.
        self.emulator.revoke_access_tokens()
        self._run_job(REMINDER_TIME)
        self.assertEqual(
            self.emulator.template_requests,
            [
                (self.openid_a, "TPL_BILL_DUE", 40001),
                (self.openid_a, "TPL_BILL_DUE", 0),
            ],
        )
        self.assertEqual(self.emulator.token_requests, 2)
        self.assertEqual(len(self.emulator.template_messages), 1)
        self.assertNotEqual(provider.wechat_oa_access_token, old_token)
        self.assertEqual(self._notifications(self.bill_a).state, "sent")

    @mute_logger(PROVIDER_LOGGER, NOTIFICATION_LOGGER)
    def test_token_renewed_before_expiry_and_after_42001(self):
        provider = self.provider.sudo()
        provider._wechat_oa_get_access_token()
        # Four minutes left: within the renewal margin, so renewed first.
        provider.wechat_oa_token_expires_at = fields.Datetime.now() + timedelta(
            minutes=4
        )
        self.emulator.expire_access_tokens()
        self._run_job(REMINDER_TIME)
        self.assertEqual(self.emulator.token_requests, 2)
        self.assertEqual(
            [request[2] for request in self.emulator.template_requests], [0]
        )
        # An expired token the cache still thinks valid: 42001, renewed once.
        self.emulator.expire_access_tokens()
        self._notifications(self.bill_a).write({"state": "retry"})
        self._run_job(REMINDER_TIME + timedelta(hours=1))
        self.assertEqual(
            [request[2] for request in self.emulator.template_requests],
            [0, 42001, 0],
        )
        self.assertEqual(self.emulator.token_requests, 3)

    def test_refusal_logged_and_retried_with_backoff(self):
        self.emulator.faults["template"] = 45009  # Daily quota reached.
        with self.assertLogs("odoo.addons", "INFO") as logs:
            self._run_job(REMINDER_TIME)
        notification = self._notifications(self.bill_a)
        self.assertRecordValues(
            notification,
            [
                {
                    "state": "retry",
                    "attempt_count": 1,
                    "scheduled_at": REMINDER_TIME + timedelta(minutes=5),
                    "error": "WeChat refused the template message (errcode 45009: "
                    "fault requested by the test).",
                }
            ],
        )
        output = "\n".join(logs.output)
        self.assertIn("errcode 45009", output)
        self.assertNotIn(self.emulator.app_secret, output)
        self.assertEqual(len(self.emulator.access_tokens), 1)
        for token in self.emulator.access_tokens:
            self.assertNotIn(token, output)
        self.assertEqual(self.emulator.template_messages, [])
        # The framework's next run after the delay sends it.
        self._run_job(REMINDER_TIME + timedelta(minutes=4))
        self.assertEqual(notification.state, "retry")
        self._run_job(REMINDER_TIME + timedelta(minutes=5))
        self.assertRecordValues(notification, [{"state": "sent", "attempt_count": 2}])
        self.assertEqual(len(self.emulator.template_messages), 1)

    @mute_logger(PROVIDER_LOGGER, NOTIFICATION_LOGGER)
    def test_unknown_template_and_unfollowed_owner_refused(self):
        self.reminder_rule.wechat_template_id = "TPL_UNKNOWN"
        self._run_job(REMINDER_TIME)
        notification = self._notifications(self.bill_a)
        self.assertEqual(notification.state, "retry")
        self.assertIn("errcode 40037", notification.error)
        self.reminder_rule.wechat_template_id = "TPL_BILL_DUE"
        self.emulator.followers.clear()
        self._run_job(notification.scheduled_at)
        self.assertEqual(notification.state, "retry")
        self.assertIn("errcode 43004", notification.error)
        self.assertEqual(self.emulator.template_messages, [])

    def test_app_secret_for_system_administrators_only(self):
        manager = new_test_user(
            self.env,
            login="billing_manager",
            groups="account.group_account_manager,"
            "property_billing.property_billing_group_manager",
            company_id=self.company.id,
        )
        provider = self.provider.with_user(manager)
        for field in ("wechat_oa_app_secret", "wechat_oa_access_token"):
            with self.subTest(field=field), self.assertRaises(AccessError):
                provider.read([field])
