from odoo import fields
from odoo.tests import tagged

from .common import RefundCommon


@tagged("post_install", "-at_install")
class TestRefundProvider(RefundCommon):
    """Refunds of bills paid online go back through the demo provider."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "demo" not in dict(cls.env["payment.provider"]._fields["code"].selection):
            cls.skipTest(cls, "payment_demo is not installed")
        demo = cls.env.ref("payment.payment_provider_demo")
        cls.provider = demo.sudo().copy({"company_id": cls.company.id, "name": "Demo"})
        cls.provider.write({"state": "test", "journal_id": cls.bank_journal.id})
        cls.payment_method = cls.env.ref("payment_demo.payment_method_demo")
        cls.provider = cls.provider.with_env(cls.env)

    def setUp(self):
        super().setUp()
        self.bill = self._create_bill(self.unit_a, 1200.00)
        self.source_tx = self._pay_online(self.bill, 1200.00)

    def _pay_online(self, bill, amount):
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": self.provider.id,
                    "payment_method_id": self.payment_method.id,
                    "amount": amount,
                    "currency_id": bill.currency_id.id,
                    "partner_id": bill.partner_id.id,
                    "reference": f"{bill.name}-online",
                    "operation": "online_direct",
                    "invoice_ids": [fields.Command.set(bill.ids)],
                }
            )
        )
        tx._handle_notification_data(
            "demo", {"reference": tx.reference, "simulated_state": "done"}
        )
        tx._post_process()
        self.assertEqual(bill.payment_state, "paid")
        return tx

    def _available_for_refund(self):
        # Computed without dependencies by account_payment, so read it fresh.
        payment = self.source_tx.payment_id
        payment.invalidate_recordset(["amount_available_for_refund"])
        return payment.amount_available_for_refund

    def _outbound_payments(self):
        return self.env["account.payment"].search(
            [("partner_id", "=", self.owner_a.id), ("payment_type", "=", "outbound")]
        )

    def test_provider_refund_done(self):
        request = self._new_request(self.bill, amount=600.00)
        request.action_submit()
        request.action_approve()

        self.assertRecordValues(
            request, [{"state": "done", "refund_method": "provider"}]
        )
        refund_tx = request.transaction_id
        self.assertRecordValues(
            refund_tx,
            [
                {
                    "operation": "refund",
                    "state": "done",
                    "amount": -600.00,
                    "source_transaction_id": self.source_tx.id,
                }
            ],
        )
        self.assertEqual(refund_tx.invoice_ids, request.credit_note_id)
        self.assertEqual(request.payment_id, refund_tx.payment_id)
        self.assertEqual(self._outbound_payments().mapped("amount"), [600.00])
        self.assertEqual(request.credit_note_id.amount_residual, 0.0)
        self.assertEqual(self._available_for_refund(), 600.00)
        self.assertFalse(self.bill.property_late_fee_on_hold)

    def test_provider_refund_failure_then_retry(self):
        request = self._new_request(self.bill, amount=600.00)
        request.action_submit()
        # A disabled provider rejects every request, as payment's
        # _ensure_provider_is_not_disabled does before calling it.
        self.provider.state = "disabled"
        request.action_approve()

        self.assertEqual(request.state, "failed")
        self.assertIn("provider is disabled", request.failure_reason)
        self.assertFalse(request.transaction_id)
        credit_note = request.credit_note_id
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(credit_note.amount_residual, 600.00)
        self.assertFalse(self._outbound_payments())
        # Nothing was paid out, so the bill claims no refund.
        self.assertEqual(self.bill.property_refund_status, "none")
        self.assertEqual(self.bill.property_amount_refunded, 0.0)
        self.assertEqual(self.bill.payment_state, "paid")
        self.assertFalse(
            self.env["payment.transaction"].search(
                [("source_transaction_id", "=", self.source_tx.id)]
            )
        )
        # A failed request still reserves its amount, so no other request can
        # claim it meanwhile.
        other = self._new_request(self.bill, amount=700.00)
        self.assertEqual(other.amount_refundable, 600.00)
        self.assertTrue(self.bill.property_late_fee_on_hold)

        self.provider.state = "test"
        request.action_retry()

        self.assertEqual(request.state, "done")
        self.assertEqual(request.credit_note_id, credit_note)
        self.assertEqual(
            self.env["account.move"].search_count(
                [("property_refund_bill_id", "=", self.bill.id)]
            ),
            1,
        )
        self.assertEqual(self._outbound_payments().mapped("amount"), [600.00])
        refunds = self.env["payment.transaction"].search(
            [("source_transaction_id", "=", self.source_tx.id)]
        )
        self.assertEqual(refunds.mapped("amount"), [-600.00])
        self.assertEqual(credit_note.amount_residual, 0.0)
        self.assertEqual(self.bill.property_refund_status, "partial")
        self.assertEqual(self.bill.property_amount_refunded, 600.00)
        self.assertIn("provider is disabled", request.message_ids.sorted("id")[-4].body)

    def test_full_amount_through_provider(self):
        request = self._new_request(self.bill, amount=1200.00)
        request.action_submit()
        request.with_user(self.billing_manager).action_approve()
        self.assertEqual(request.state, "done")
        self.assertEqual(self._available_for_refund(), 0.0)
