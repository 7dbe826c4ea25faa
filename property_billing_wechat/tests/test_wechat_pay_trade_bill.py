from datetime import datetime, timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..tools import orders
from .common import WeChatPayCommon

PROVIDER_LOGGER = "odoo.addons.property_billing_wechat.models.payment_provider"


@tagged("post_install", "-at_install")
class TestWeChatPayTradeBill(WeChatPayCommon, HttpCase):
    def setUp(self):
        super().setUp()
        self.yesterday = datetime.now(orders.CHINA_TZ).date() - timedelta(days=1)

    def _move_to_yesterday(self, tx):
        """Date the payment of ``tx`` one day back, at WeChat Pay and in Odoo."""
        order = self.emulator.orders[tx.wechat_pay_out_trade_no]
        order["success_time"] -= timedelta(days=1)
        if tx.wechat_pay_success_time:
            tx.wechat_pay_success_time -= timedelta(days=1)

    def _paid_tx(self, amount):
        tx = self._create_order(invoice=self._invoice(amount))
        self.assertEqual(self.emulator.pay(tx.wechat_pay_out_trade_no), 204)
        self.assertEqual(tx.state, "done")
        self._move_to_yesterday(tx)
        return tx

    def test_bill_matches_transactions(self):
        tx = self._paid_tx(263.90)
        tx._post_process()
        tx.action_refund(amount_to_refund=19.90)
        refund_tx = tx.child_transaction_ids
        self.emulator.finish_refund(refund_tx.wechat_pay_out_refund_no)
        self.assertEqual(refund_tx.state, "done")
        refund = self.emulator.refunds[refund_tx.wechat_pay_out_refund_no]
        refund["success_time"] -= timedelta(days=1)
        differences = self.provider._wechat_pay_compare_trade_bill(self.yesterday)
        self.assertEqual(differences, [])
        self.assertIn(
            "2 bill rows, 0 differences", self.provider.wechat_pay_bill_report
        )
        self.assertFalse(tx.wechat_pay_needs_review)

    @mute_logger(PROVIDER_LOGGER)
    def test_bill_differences_reported(self):
        matching = self._paid_tx(19.90)
        # Paid at WeChat Pay, but the notification was lost.
        lost = self._create_order(invoice=self._invoice(263.90))
        self.emulator.pay(lost.wechat_pay_out_trade_no, notify=False)
        self._move_to_yesterday(lost)
        # Done in Odoo without a payment at WeChat Pay.
        phantom = self._create_order(invoice=self._invoice(8.20))
        phantom._set_done()
        phantom.wechat_pay_success_time = fields.Datetime.now() - timedelta(days=1)
        differences = self.provider._wechat_pay_compare_trade_bill(self.yesterday)
        self.assertEqual(len(differences), 2)
        self.assertIn(lost.wechat_pay_out_trade_no, differences[0])
        self.assertIn("is pending in Odoo", differences[0])
        self.assertIn(phantom.wechat_pay_out_trade_no, differences[1])
        self.assertIn("missing from the WeChat Pay bill", differences[1])
        self.assertTrue(lost.wechat_pay_needs_review)
        self.assertTrue(phantom.wechat_pay_needs_review)
        self.assertFalse(matching.wechat_pay_needs_review)
        self.assertIn("2 differences", self.provider.wechat_pay_bill_report)

    @mute_logger(PROVIDER_LOGGER)
    def test_bill_sha1_checked(self):
        self._paid_tx(19.90)
        self.emulator.faults["bill_hash"] = True
        with self.assertRaisesRegex(ValidationError, "does not match its SHA1"):
            self.provider._wechat_pay_compare_trade_bill(self.yesterday)

    @mute_logger(PROVIDER_LOGGER)
    def test_today_bill_not_ready(self):
        today = datetime.now(orders.CHINA_TZ).date()
        with self.assertRaisesRegex(ValidationError, "NO_STATEMENT_EXIST"):
            self.provider._wechat_pay_compare_trade_bill(today)
        # The daily job compares yesterday's bill, empty here.
        self.env["payment.provider"]._cron_wechat_pay_compare_trade_bills()
        self.assertIn(
            "0 bill rows, 0 differences", self.provider.wechat_pay_bill_report
        )
