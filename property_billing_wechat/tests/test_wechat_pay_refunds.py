from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import WeChatPayCommon


@tagged("post_install", "-at_install")
class TestWeChatPayRefunds(WeChatPayCommon, HttpCase):
    def _paid_tx(self):
        tx = self._create_order()
        self.assertEqual(self.emulator.pay(tx.wechat_pay_out_trade_no), 204)
        self.assertEqual(tx.state, "done")
        tx._post_process()
        self.assertTrue(tx.payment_id)
        return tx

    def _refund(self, tx, amount):
        tx.action_refund(amount_to_refund=amount)
        return tx.child_transaction_ids.sorted("id")[-1]

    def test_partial_refund_by_notification(self):
        tx = self._paid_tx()
        refund_tx = self._refund(tx, 100.0)
        out_refund_no = f"{tx.wechat_pay_out_trade_no}R01"
        self.assertRecordValues(
            refund_tx,
            [
                {
                    "operation": "refund",
                    "amount": -100.0,
                    "state": "pending",
                    "wechat_pay_out_refund_no": out_refund_no,
                }
            ],
        )
        refund = self.emulator.refunds[out_refund_no]
        self.assertEqual(
            refund["request"]["amount"],
            {"refund": 10000, "total": 25780, "currency": "CNY"},
        )
        self.assertEqual(refund_tx.provider_reference, refund["refund_id"])
        self.assertEqual(self.emulator.finish_refund(out_refund_no), 204)
        self.assertEqual(refund_tx.state, "done")
        refund_tx._post_process()
        self.assertRecordValues(
            refund_tx.payment_id, [{"amount": 100.0, "payment_type": "outbound"}]
        )

    def test_refund_result_by_query(self):
        tx = self._paid_tx()
        refund_tx = self._refund(tx, 57.80)
        self.emulator.finish_refund(refund_tx.wechat_pay_out_refund_no, notify=False)
        self.assertEqual(refund_tx.state, "pending")
        self._age(refund_tx)
        self.env["payment.transaction"]._cron_wechat_pay_reconcile()
        self.assertEqual(refund_tx.state, "done")

    def test_pending_refund_counts_against_remainder(self):
        tx = self._paid_tx()
        self._refund(tx, 200.0)
        requests_before = len(self.emulator.requests)
        with self.assertRaisesRegex(UserError, "Only 57.8 of .* can still be refunded"):
            self._refund(tx, 100.0)
        self.assertEqual(len(self.emulator.requests), requests_before)
        # What is left can still be refunded, a minute after the last refund.
        with self.assertRaisesRegex(UserError, "needs a minute between two refunds"):
            self._refund(tx, 57.80)
        self._age(tx.child_transaction_ids)
        last = self._refund(tx, 57.80)
        self.assertEqual(last.state, "pending")
        self.assertEqual(len(self.emulator.refunds), 2)

    @mute_logger("odoo.addons.property_billing_wechat.models.payment_provider")
    def test_refund_retried_with_same_number(self):
        tx = self._paid_tx()
        self.emulator.faults["refund"] = "drop"
        refund_tx = self._refund(tx, 100.0)
        # WeChat Pay accepted the refund, but its response was lost.
        self.assertRecordValues(
            refund_tx, [{"state": "pending", "wechat_pay_order_status": "unknown"}]
        )
        self.assertEqual(len(self.emulator.refunds), 1)
        self._age(refund_tx)
        self.env["payment.transaction"]._cron_wechat_pay_reconcile()
        self.assertEqual(len(self.emulator.refunds), 1)
        refund = self.emulator.refunds[refund_tx.wechat_pay_out_refund_no]
        self.assertRecordValues(
            refund_tx,
            [
                {
                    "state": "pending",
                    "wechat_pay_order_status": "created",
                    "provider_reference": refund["refund_id"],
                }
            ],
        )

    @mute_logger("odoo.addons.property_billing_wechat.models.payment_transaction")
    def test_abnormal_refund_flagged(self):
        tx = self._paid_tx()
        refund_tx = self._refund(tx, 100.0)
        status = self.emulator.finish_refund(
            refund_tx.wechat_pay_out_refund_no, status="ABNORMAL"
        )
        self.assertEqual(status, 204)
        self.assertRecordValues(
            refund_tx, [{"state": "error", "wechat_pay_needs_review": True}]
        )
        self.assertFalse(refund_tx.payment_id)

    def test_closed_refund_refundable_again(self):
        tx = self._paid_tx()
        refund_tx = self._refund(tx, 257.80)
        self.emulator.finish_refund(refund_tx.wechat_pay_out_refund_no, status="CLOSED")
        self.assertEqual(refund_tx.state, "cancel")
        self._age(refund_tx)
        again = self._refund(tx, 257.80)
        self.assertEqual(
            again.wechat_pay_out_refund_no, f"{tx.wechat_pay_out_trade_no}R02"
        )
        self.assertEqual(again.state, "pending")

    @mute_logger("odoo.addons.property_billing_wechat.models.payment_provider")
    def test_refund_rejected_by_wechat(self):
        tx = self._paid_tx()
        # Staff refunded 2.00 in the merchant platform, outside Odoo.
        self.emulator.create_refund(
            {
                "out_trade_no": tx.wechat_pay_out_trade_no,
                "out_refund_no": "MANUAL01",
                "amount": {"refund": 200, "total": 25780, "currency": "CNY"},
            }
        )
        refund_tx = self._refund(tx, 257.80)
        self.assertEqual(refund_tx.state, "error")
        self.assertIn("NOT_ENOUGH", refund_tx.state_message)

    def test_refund_limits(self):
        tx = self._paid_tx()
        tx.wechat_pay_success_time = fields.Datetime.now() - timedelta(days=366)
        with self.assertRaisesRegex(UserError, "for one year only"):
            self._refund(tx, 1.0)
        tx.wechat_pay_success_time = fields.Datetime.now()
        for _i in range(50):
            tx._create_child_transaction(0.01, is_refund=True, state="cancel")
        with self.assertRaisesRegex(UserError, "at most 50 refunds"):
            self._refund(tx, 1.0)
        with self.assertRaisesRegex(UserError, "must be positive"):
            tx._wechat_pay_check_refundable(0.0)

    def _age(self, transactions):
        # The ORM ignores writes to create_date.
        self.env.cr.execute(
            "UPDATE payment_transaction SET create_date = %s WHERE id IN %s",
            [fields.Datetime.now() - timedelta(minutes=5), tuple(transactions.ids)],
        )
        transactions.invalidate_recordset(["create_date"])
