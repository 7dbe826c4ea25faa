from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import WeChatPayCommon

CONTROLLER_LOGGER = "odoo.addons.property_billing_wechat.controllers.main"


@tagged("post_install", "-at_install")
class TestWeChatPayNotifications(WeChatPayCommon, HttpCase):
    def _assert_unpaid(self, tx):
        tx.invalidate_recordset()
        self.assertRecordValues(
            tx, [{"state": "pending", "provider_reference": False, "payment_id": False}]
        )

    def test_payment_notification_pays_bill(self):
        tx = self._create_order()
        invoice = tx.invoice_ids
        self.assertEqual(self.emulator.pay(tx.wechat_pay_out_trade_no), 204)
        tx.invalidate_recordset()
        order = self.emulator.orders[tx.wechat_pay_out_trade_no]
        self.assertRecordValues(
            tx,
            [
                {
                    "state": "done",
                    "provider_reference": order["transaction_id"],
                    "wechat_pay_needs_review": False,
                }
            ],
        )
        self.assertTrue(tx.wechat_pay_success_time)
        tx._post_process()
        self.assertEqual(tx.payment_id.amount, 257.80)
        self.assertEqual(
            invoice.payment_state,
            self.env["account.move"]._get_invoice_in_payment_state(),
        )
        self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))

    def test_duplicate_notification_one_payment(self):
        tx = self._create_order()
        self.assertEqual(self.emulator.pay(tx.wechat_pay_out_trade_no), 204)
        tx.invalidate_recordset()
        tx._post_process()
        payment = tx.payment_id
        self.assertEqual(len(payment), 1)
        # WeChat Pay retries, and an old copy arrives again.
        for _i in range(2):
            status = self.emulator.notify_payment(tx.wechat_pay_out_trade_no)
            self.assertEqual(status, 204)
        tx.invalidate_recordset()
        tx._post_process()
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.payment_id, payment)
        payments = self.env["account.payment"].search(
            [("payment_transaction_id", "=", tx.id)]
        )
        self.assertEqual(len(payments), 1)

    def test_notification_before_browser_returns(self):
        tx = self._create_order()
        self.emulator.pay(tx.wechat_pay_out_trade_no)
        queries_before = len(self.emulator.requests)
        self.authenticate(None, None)
        response = self.make_jsonrpc_request(
            "/payment/wechat_pay/status",
            {"reference": tx.reference, "access_token": tx._wechat_pay_access_token()},
        )
        self.assertEqual(response["state"], "done")
        # The page learnt the state from the database, without a query.
        self.assertEqual(len(self.emulator.requests), queries_before)

    def test_browser_before_notification_queries(self):
        tx = self._create_order()
        self.emulator.pay(tx.wechat_pay_out_trade_no, notify=False)
        self.authenticate(None, None)
        response = self.make_jsonrpc_request(
            "/payment/wechat_pay/status",
            {"reference": tx.reference, "access_token": tx._wechat_pay_access_token()},
        )
        self.assertEqual(response["state"], "done")
        # The late notification changes nothing.
        self.assertEqual(self.emulator.notify_payment(tx.wechat_pay_out_trade_no), 204)
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")

    def test_status_route_needs_token(self):
        tx = self._create_order()
        response = self.url_open(
            f"/payment/wechat_pay/native?reference={tx.reference}&access_token=wrong",
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 404)
        response = self.url_open(
            "/payment/wechat_pay/native?"
            f"reference={tx.reference}&access_token={tx._wechat_pay_access_token()}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_wechat_pay_qr", response.text)
        self.assertIn("/report/barcode?barcode_type=QR", response.text)

    def test_certificate_mode_notification(self):
        self.provider.write(self.emulator.provider_values("certificate"))
        self.emulator.verification_mode = "certificate"
        tx = self._create_order()
        status = self.emulator.pay(tx.wechat_pay_out_trade_no, mode="certificate")
        self.assertEqual(status, 204)
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")

    def test_migrating_merchant_both_modes(self):
        self.provider.write(self.emulator.provider_values("both"))
        self.emulator.verification_mode = "both"
        tx_1 = self._create_order()
        tx_2 = self._create_order(invoice=self._invoice(19.90))
        self.assertEqual(
            self.emulator.pay(tx_1.wechat_pay_out_trade_no, mode="certificate"), 204
        )
        self.assertEqual(
            self.emulator.pay(tx_2.wechat_pay_out_trade_no, mode="public_key"), 204
        )
        (tx_1 | tx_2).invalidate_recordset()
        self.assertEqual((tx_1 | tx_2).mapped("state"), ["done", "done"])

    @mute_logger(CONTROLLER_LOGGER)
    def test_forged_notifications_rejected(self):
        tx = self._create_order()
        self.emulator.pay(tx.wechat_pay_out_trade_no, notify=False)
        cases = {
            "bad signature": ({"wrong_key": True}, 401),
            "tampered body": ({"tamper": True}, 401),
            "stale timestamp": ({"age": 6 * 60}, 401),
            "future timestamp": ({"age": -6 * 60}, 401),
            "signature probe": ({"probe": True}, 401),
            "certificate not configured": ({"mode": "certificate"}, 401),
            "wrong API v3 key": ({"apiv3_key": "k" * 32}, 500),
        }
        for name, (options, expected) in cases.items():
            with self.subTest(name):
                status = self.emulator.notify_payment(
                    tx.wechat_pay_out_trade_no, **options
                )
                self.assertEqual(status, expected)
                self._assert_unpaid(tx)
        # The genuine notification still goes through afterwards.
        self.assertEqual(self.emulator.notify_payment(tx.wechat_pay_out_trade_no), 204)
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")

    @mute_logger(CONTROLLER_LOGGER)
    def test_missing_headers_rejected(self):
        tx = self._create_order()
        self.emulator.pay(tx.wechat_pay_out_trade_no, notify=False)
        headers, body = self.emulator.build_notification(
            "TRANSACTION.SUCCESS",
            "transaction",
            self.emulator.transaction_data(tx.wechat_pay_out_trade_no),
        )
        del headers["Wechatpay-Signature"]
        response = self.url_open(
            f"/payment/wechat_pay/notify/{self.provider.id}", data=body, headers=headers
        )
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["code"], "FAIL")
        self._assert_unpaid(tx)

    @mute_logger(
        CONTROLLER_LOGGER,
        "odoo.addons.property_billing_wechat.models.payment_transaction",
    )
    def test_wrong_amount_recorded_not_paid(self):
        cases = {
            "amount": {"amount": {"total": 1}},
            "currency": {"amount": {"currency": "USD"}},
            "merchant": {"mchid": "1900000999"},
            "app": {"appid": "wx0000000000000000"},
        }
        for name, overrides in cases.items():
            with self.subTest(name):
                tx = self._create_order(invoice=self._invoice(263.90))
                self.emulator.pay(tx.wechat_pay_out_trade_no, notify=False)
                status = self.emulator.notify_payment(
                    tx.wechat_pay_out_trade_no, overrides=overrides
                )
                # Acknowledged, because a retry would carry the same data.
                self.assertEqual(status, 204)
                tx.invalidate_recordset()
                self.assertRecordValues(
                    tx,
                    [
                        {
                            "state": "error",
                            "payment_id": False,
                            "wechat_pay_needs_review": True,
                        }
                    ],
                )
                tx._post_process()
                self.assertFalse(tx.payment_id)

    @mute_logger(CONTROLLER_LOGGER)
    def test_unknown_order_retried(self):
        tx = self._create_order()
        number = tx.wechat_pay_out_trade_no
        # The order exists at WeChat Pay but not in this database (a creation
        # rolled back, or a restored copy).
        tx.wechat_pay_out_trade_no = "PBTESTUNKNOWN0001"
        self.env.flush_all()
        status = self.emulator.pay(number)
        self.assertEqual(status, 404)
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "pending")

    @mute_logger(CONTROLLER_LOGGER)
    def test_notification_for_other_provider(self):
        other = self.provider.copy({"name": "WeChat Pay 2", "state": "disabled"})
        tx = self._create_order()
        self.emulator.pay(tx.wechat_pay_out_trade_no, notify=False)
        headers, body = self.emulator.build_notification(
            "TRANSACTION.SUCCESS",
            "transaction",
            self.emulator.transaction_data(tx.wechat_pay_out_trade_no),
        )
        response = self.url_open(
            f"/payment/wechat_pay/notify/{other.id}", data=body, headers=headers
        )
        self.assertEqual(response.status_code, 503)
        self._assert_unpaid(tx)

    def test_paid_after_local_cancel(self):
        tx = self._create_order()
        tx._set_canceled()
        self.assertEqual(tx.state, "cancel")
        self.assertEqual(self.emulator.pay(tx.wechat_pay_out_trade_no), 204)
        tx.invalidate_recordset()
        self.assertRecordValues(
            tx, [{"state": "done", "wechat_pay_needs_review": True}]
        )
        self.assertIn(
            "after the transaction was cancelled", tx.wechat_pay_review_reason
        )
        tx._post_process()
        self.assertEqual(tx.payment_id.amount, 257.80)

    def test_bill_paid_by_other_channel_kept_as_credit(self):
        tx = self._create_order()
        invoice = tx.invoice_ids
        # The owner pays at the front desk while the QR code is open.
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(
            {"journal_id": self.company_data["default_journal_cash"].id}
        )._create_payments()
        self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))
        self.assertEqual(self.emulator.pay(tx.wechat_pay_out_trade_no), 204)
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")
        tx._post_process()
        self.assertTrue(tx.wechat_pay_needs_review)
        self.assertIn("owner's credit", tx.wechat_pay_review_reason)
        payment = tx.payment_id
        self.assertEqual(payment.amount, 257.80)
        self.assertEqual(
            payment.state, "in_process" if not payment.move_id else payment.state
        )
        # The WeChat payment is not reconciled: the owner has 257.80 of credit.
        receivable = payment.move_id.line_ids.filtered(
            lambda line: line.account_id == payment.destination_account_id
        )
        self.assertEqual(receivable.amount_residual, -257.80)
        self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))

    def test_cancelled_bill_payment_kept_as_credit(self):
        tx = self._create_order()
        invoice = tx.invoice_ids
        invoice.button_draft()
        invoice.button_cancel()
        self.assertEqual(self.emulator.pay(tx.wechat_pay_out_trade_no), 204)
        tx.invalidate_recordset()
        tx._post_process()
        self.assertTrue(tx.is_post_processed)
        self.assertEqual(tx.payment_id.amount, 257.80)
        self.assertTrue(tx.wechat_pay_needs_review)
