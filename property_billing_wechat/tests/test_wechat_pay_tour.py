import unittest

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests import common as test_common

from .common import WeChatPayCommon


@tagged("post_install", "-at_install")
class TestWeChatPayTour(WeChatPayCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(
            cls.env,
            login="owner_a_wechat",
            password="owner_a_wechat",
            groups="base.group_portal",
            name=cls.owner_a.name,
            partner_id=cls.owner_a.id,
            company_id=cls.company.id,
            tz="UTC",
        )
        cls.env["ir.config_parameter"].sudo().set_param(
            "account_payment.enable_portal_payment", True
        )

    def test_owner_pays_with_wechat_qr(self):
        # Fail instead of skipping when the browser is missing: this is the
        # only proof that an owner can pay with WeChat Pay on the portal.
        self.assertIsNotNone(test_common.websocket, "websocket-client is missing")
        try:
            test_common._find_executable()
        except unittest.SkipTest as error:
            self.fail(f"Chromium is required for the WeChat Pay tour: {error}")
        invoice = self._bill()
        self.start_tour(
            f"/my/property?emulator={self.emulator.url}",
            "property_billing_wechat_native_pay",
            login="owner_a_wechat",
        )
        # The page may have seen the payment by querying before WeChat Pay's
        # notification arrived; that notification must be accepted too.
        self.emulator.join_timers()
        self.assertEqual(
            [status for _url, status in self.emulator.notifications], [204]
        )
        invoice.invalidate_recordset()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))
        tx = self.env["payment.transaction"].search(
            [("invoice_ids", "in", invoice.ids)]
        )
        self.assertEqual(len(tx), 1)
        order = self.emulator.orders[tx.wechat_pay_out_trade_no]
        self.assertEqual(
            order["request"]["amount"], {"total": 25780, "currency": "CNY"}
        )
        self.assertEqual(order["trade_state"], "SUCCESS")
        self.assertRecordValues(
            tx,
            [
                {
                    "state": "done",
                    "provider_id": self.provider.id,
                    "provider_reference": order["transaction_id"],
                    "amount": 257.80,
                    "is_post_processed": True,
                }
            ],
        )
        self.assertEqual(tx.payment_id.amount, 257.80)
