from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RefundCommon


@tagged("post_install", "-at_install")
class TestRefundPartlyPaid(RefundCommon):
    """Refunds of a bill the owner has not paid in full."""

    def setUp(self):
        super().setUp()
        self.today = self._community_today()
        self.bill = self._create_bill(self.unit_b, 606.74)
        self._pay(self.bill, 300.00, self.today)

    def test_refund_does_not_settle_the_bill(self):
        request = self._new_request(self.bill, amount=299.99)
        request.action_submit()
        request.action_approve()
        credit_note = request.credit_note_id
        self.assertEqual(request.state, "refunding")
        self.assertEqual(credit_note.amount_total, 299.99)
        # The owner still owes what he did not pay; the credit note waits
        # for the transfer that pays the money back.
        self.assertEqual(self.bill.amount_residual, 306.74)
        self.assertEqual(self.bill.payment_state, "partial")
        self.assertEqual(credit_note.amount_residual, 299.99)
        self.assertFalse(credit_note.reversed_entry_id)
        self.assertEqual(credit_note.property_refund_bill_id, self.bill)
        self.assertEqual(request.payment_id.amount, 299.99)

        self._confirm_transfer(request)
        self.assertEqual(request.state, "done")
        self.assertEqual(credit_note.amount_residual, 0.0)
        self.assertEqual(self.bill.amount_residual, 306.74)
        counterpart = credit_note.line_ids.matched_debit_ids.debit_move_id
        self.assertEqual(counterpart.move_id, request.payment_id.move_id)
        self.assertEqual(self.bill.property_amount_refunded, 299.99)
        # The owner paid 300.00 and got 299.99 back: one cent is left.
        other = self._new_request(self.bill, amount=0.02)
        self.assertRecordValues(
            other,
            [
                {
                    "amount_paid": 300.00,
                    "amount_reserved": 299.99,
                    "amount_refundable": 0.01,
                }
            ],
        )


@tagged("post_install", "-at_install")
class TestRefundPaidAmount(RefundCommon):
    """Only payments count as paid, never credit notes."""

    def setUp(self):
        super().setUp()
        self.today = self._community_today()
        self.bill = self._create_bill(self.unit_b, 606.74)

    def test_refund_is_not_paid_again(self):
        self._pay(self.bill, 606.74, self.today)
        request = self._new_request(self.bill, amount=200.00)
        request.action_submit()
        request.action_approve()
        self._confirm_transfer(request)
        self.assertEqual(request.state, "done")
        self.assertEqual(self.bill.property_amount_paid, 606.74)
        self.assertEqual(self.bill.property_amount_refunded, 200.00)
        self.assertEqual(self.bill.amount_residual, 0.0)

        second = self._new_request(self.bill, amount=406.75)
        self.assertRecordValues(
            second,
            [
                {
                    "amount_paid": 606.74,
                    "amount_reserved": 200.00,
                    "amount_refundable": 406.74,
                }
            ],
        )
        with self.assertRaisesRegex(UserError, r"at most 406\.74 can still"):
            second.action_submit()
        second.amount = 406.74
        second.action_submit()
        self.assertEqual(second.state, "submitted")

    def test_credit_note_on_bill_is_not_paid(self):
        # 406.74 paid, and 200.00 taken off the bill by a credit note that
        # Odoo reconciles with it: the owner paid 406.74, not 606.74.
        self._pay(self.bill, 406.74, self.today)
        credit_note = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.owner_b.id,
                "invoice_date": self.today,
                "reversed_entry_id": self.bill.id,
                "invoice_line_ids": [
                    Command.create({"name": "Discount", "price_unit": 200.00})
                ],
            }
        )
        credit_note.action_post()
        self.assertEqual(self.bill.amount_residual, 0.0)
        self.assertEqual(self.bill.property_amount_paid, 406.74)
        request = self._new_request(self.bill, amount=606.74)
        self.assertRecordValues(
            request,
            [{"amount_paid": 406.74, "amount_refundable": 406.74}],
        )
        with self.assertRaisesRegex(UserError, r"at most 406\.74 can still"):
            request.action_submit()


@tagged("post_install", "-at_install")
class TestRefundLineSplit(RefundCommon):
    def test_paid_amount_split_to_the_cent(self):
        # 300.00 × 200.07 / 606.74 and the other two lines each round to a
        # cent less than their exact share would: the parts must still add
        # up to the 300.00 paid.
        today = self._community_today()
        bill = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.owner_b.id,
                "invoice_date": today,
                "property_community_id": self.community.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.fee_package.product_id.id,
                            "price_unit": price,
                        }
                    )
                    for price in (200.07, 202.25, 204.42)
                ],
            }
        )
        bill.action_post()
        self.assertEqual(bill.amount_total, 606.74)
        self._pay(bill, 300.00, today)
        request = self._new_request(bill, amount=300.00)
        paid = request._get_line_paid_amounts()
        self.assertEqual(
            [paid[line] for line in bill.invoice_line_ids], [98.92, 100.00, 101.08]
        )
        request.action_submit()
        request.action_approve()
        self.assertEqual(request.state, "refunding")
        self.assertEqual(request.credit_note_id.amount_total, 300.00)
        self.assertEqual(
            request.credit_note_id.invoice_line_ids.mapped("price_subtotal"),
            [98.92, 100.00, 101.08],
        )
