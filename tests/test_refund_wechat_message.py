"""Refund progress sent as WeChat template messages.

The refund addon publishes each request transition through the billing
addon's notification framework, and the WeChat addon's channel sends any of
its stages. This test joins the two addons, so it lives outside both.
"""

from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.property_billing_wechat.tests.common import WeChatPayCommon

# 10 March 2026, 10:00 in Shanghai, the community's time zone.
DAYTIME = "2026-03-10 02:00:00"


@tagged("post_install", "-at_install")
# HttpCase: the channel renews the access token in a transaction of its own,
# which reads the test's provider only through HttpCase's shared test cursor.
class TestRefundWeChatMessage(WeChatPayCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.community.tz = "Asia/Shanghai"
        cls.wechat = cls.env.ref(
            "property_billing_wechat.property_notification_channel_wechat"
        )
        cls.env["property.refund.policy"].create(
            {
                "community_id": cls.community.id,
                "window_days": 30,
                "proposal_method": "months",
                "handling_fee_type": "fixed",
                "handling_fee": 0.0,
                "manager_threshold": 1000.00,
                "deadline_days": 5,
            }
        )
        cls.env["property.notification.rule"].create(
            {
                "community_id": cls.community.id,
                "stage": "refund",
                "channel_ids": [Command.set(cls.wechat.ids)],
                "mail_template_id": cls.env.ref(
                    "property_billing_refund.mail_template_property_refund"
                ).id,
                "wechat_template_id": "TPL_REFUND",
                "wechat_template_fields": "thing1=community,"
                "character_string2=bill,amount3=amount",
            }
        )

    def setUp(self):
        super().setUp()
        # The Official Account's refund template, as its admin would add it.
        self.emulator.templates["TPL_REFUND"] = {
            "thing1",
            "character_string2",
            "amount3",
        }
        self.openid = self.emulator.openid_for("owner-a")
        self.emulator.followers.add(self.openid)
        self.env["property.wechat.binding"].create(
            {
                "partner_id": self.owner_a.id,
                "appid": self.emulator.appid,
                "openid": self.openid,
            }
        )
        with freeze_time(DAYTIME):
            run = self._create_run(
                date(2026, 3, 1), date(2026, 3, 31), due_date=date(2026, 3, 31)
            )
            run.action_generate()
            self.bill = run.invoice_ids
            self.assertEqual(self.bill.amount_total, 257.80)
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=self.bill.ids
            ).create(
                {
                    "amount": 257.80,
                    "payment_date": date(2026, 3, 10),
                    "journal_id": self.company_data["default_journal_bank"].id,
                }
            )._create_payments()

    def test_refund_progress_messages(self):
        with freeze_time(DAYTIME):
            request = self.env["property.refund.request"].create(
                {"move_id": self.bill.id, "reason": "ended_early", "amount": 100.00}
            )
            request.action_submit()
            request.action_approve()
            request.payment_id.action_post()
            self.assertEqual(request.state, "done")
            self.env["property.notification"]._cron_send_notifications(
                now=datetime(2026, 3, 10, 2, 0)
            )
        messages = self.emulator.template_messages
        self.assertEqual(len(messages), 4)
        self.assertEqual({m["template_id"] for m in messages}, {"TPL_REFUND"})
        self.assertEqual({m["touser"] for m in messages}, {self.openid})
        self.assertEqual(
            messages[0]["data"],
            {
                "thing1": {"value": "Sunshine Garden"},
                "character_string2": {"value": self.bill.name},
                # The refund's amount, not the paid bill's 0.00 still due.
                "amount3": {"value": "100.00元"},
            },
        )
        notifications = self.env["property.notification"].search(
            [
                ("refund_request_id", "=", request.id),
                ("channel_id", "=", self.wechat.id),
            ],
            order="id",
        )
        self.assertEqual(
            notifications.mapped("key"),
            [
                f"refund:{request.id}:submitted",
                f"refund:{request.id}:approved",
                f"refund:{request.id}:refunding",
                f"refund:{request.id}:done",
            ],
        )
        self.assertEqual(set(notifications.mapped("state")), {"sent"})
        self.assertEqual(
            sorted(notifications.mapped("provider_reference")),
            sorted(str(m["msgid"]) for m in messages),
        )
