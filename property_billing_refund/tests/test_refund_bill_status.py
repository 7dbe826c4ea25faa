from odoo.tests import tagged

from .common import RefundCommon


@tagged("post_install", "-at_install")
class TestRefundBillStatus(RefundCommon):
    """The bill's refund status follows the money paid back, by itself."""

    def setUp(self):
        super().setUp()
        self.today = self._community_today()
        self.bill = self._create_bill(self.unit_a, 1200.00)
        self._pay(self.bill, 1200.00, self.today)
        self.payment_date = self._last_payment_date()

    def _last_payment_date(self):
        return max(
            self.bill.line_ids.filtered(
                lambda line: line.display_type == "payment_term"
            ).matched_credit_ids.mapped("max_date")
        )

    def _refund(self, amount):
        request = self._new_request(self.bill, amount=amount)
        request.action_submit()
        request.with_user(self.billing_manager).action_approve()
        return request

    def test_partial_then_full_refund(self):
        self.assertRecordValues(
            self.bill,
            [{"property_refund_status": "none", "property_amount_refunded": 0.0}],
        )
        first = self._refund(600.00)
        # Approved, the transfer is not sent yet: nothing is refunded.
        self.assertEqual(first.state, "refunding")
        self.assertEqual(self.bill.property_refund_status, "none")
        self.assertEqual(self.bill.property_amount_refunded, 0.0)
        self._confirm_transfer(first)
        self.assertRecordValues(
            self.bill,
            [
                {
                    "property_refund_status": "partial",
                    "property_amount_refunded": 600.00,
                    "payment_state": "paid",
                    "amount_residual": 0.0,
                }
            ],
        )
        second = self._refund(600.00)
        self._confirm_transfer(second)
        self.assertRecordValues(
            self.bill,
            [
                {
                    "property_refund_status": "refunded",
                    "property_amount_refunded": 1200.00,
                    "payment_state": "paid",
                    "amount_residual": 0.0,
                }
            ],
        )
        # The bill's payment is not undone, so late fees keep its date.
        self.assertEqual(self._last_payment_date(), self.payment_date)

    def test_full_refund_at_once(self):
        request = self._refund(1200.00)
        self._confirm_transfer(request)
        self.assertEqual(self.bill.property_refund_status, "refunded")
        self.assertEqual(self.bill.property_amount_refunded, 1200.00)

    def test_cancelled_transfer_refunds_nothing(self):
        request = self._refund(600.00)
        request.payment_id.action_cancel()
        self.assertEqual(request.state, "failed")
        self.assertEqual(self.bill.property_refund_status, "none")
        self.assertEqual(self.bill.property_amount_refunded, 0.0)

    def test_unreconciled_refund_payment_undoes_status(self):
        request = self._refund(600.00)
        self._confirm_transfer(request)
        self.assertEqual(self.bill.property_refund_status, "partial")
        request.payment_id.move_id.line_ids.remove_move_reconcile()
        self.assertEqual(self.bill.property_refund_status, "none")
        self.assertEqual(self.bill.property_amount_refunded, 0.0)

    def test_status_searchable(self):
        request = self._refund(600.00)
        self._confirm_transfer(request)
        Move = self.env["account.move"]
        self.assertEqual(
            Move.search([("property_refund_status", "=", "partial")]), self.bill
        )
        self.assertFalse(Move.search([("property_refund_status", "=", "refunded")]))
