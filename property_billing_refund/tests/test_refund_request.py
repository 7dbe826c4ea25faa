from datetime import date, timedelta

from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import RefundCommon


@tagged("post_install", "-at_install")
class TestRefundRequest(RefundCommon):
    def setUp(self):
        super().setUp()
        self.today = self._community_today()
        self.bill = self._create_bill(self.unit_a, 1200.00)
        self._pay(self.bill, 1200.00, self.today)

    # ------------------------------------------------------------
    # AMOUNTS
    # ------------------------------------------------------------

    def test_negative_amount_names_request(self):
        with self.assertRaises(ValidationError) as caught:
            self._new_request(self.bill, amount=-5.00, name="RFD/TEST/1")
        self.assertEqual(
            str(caught.exception),
            "The amount of refund request RFD/TEST/1 is negative (-5.00): enter "
            "a positive amount.",
        )

    def test_unpaid_bill_asks_staff_for_payment(self):
        unpaid = self._create_bill(self.unit_b, 300.00)
        request = self._new_request(unpaid, amount=50.00)
        with self.assertRaises(UserError) as caught:
            request.action_submit()
        self.assertEqual(
            str(caught.exception),
            f"Bill {unpaid.name} has no payment, so there is nothing to refund: "
            "register its payment first.",
        )

    def test_second_request_capped_by_first(self):
        first = self._new_request(self.bill, amount=600.00)
        self.assertRecordValues(
            first,
            [
                {
                    "amount_paid": 1200.00,
                    "amount_reserved": 0.0,
                    "amount_refundable": 1200.00,
                }
            ],
        )
        first.action_submit()
        first.action_approve()
        self.assertEqual(first.state, "refunding")
        self._confirm_transfer(first)
        self.assertEqual(first.state, "done")

        second = self._new_request(self.bill, amount=700.00)
        self.assertRecordValues(
            second,
            [
                {
                    "amount_paid": 1200.00,
                    "amount_reserved": 600.00,
                    "amount_refundable": 600.00,
                }
            ],
        )
        with self.assertRaisesRegex(
            UserError, r"at most 600\.00 can still be refunded"
        ):
            second.action_submit()
        self.assertEqual(second.state, "draft")

        second.amount = 600.00
        second.action_submit()
        self.assertEqual(second.state, "submitted")

    def test_approval_rechecks_maximum(self):
        # The bill's payment is corrected from 1,200.00 to 1,000.00 after both
        # were submitted: the approval checks again what was paid.
        first = self._new_request(self.bill, amount=500.00)
        second = self._new_request(self.bill, amount=700.00)
        (first | second).action_submit()
        self.assertEqual(second.amount_reserved, 500.00)
        payment = self.bill._get_reconciled_payments()
        self.assertEqual(payment.amount, 1200.00)
        payment.action_draft()
        self._pay(self.bill, 1000.00, self.today)
        self.assertEqual(second.amount_paid, 1000.00)
        with self.assertRaisesRegex(
            UserError, r"at most 500\.00 can still be refunded"
        ):
            second.action_approve()
        self.assertEqual(second.state, "submitted")
        self.assertFalse(second.credit_note_id)

    def test_submitted_request_reserves_amount(self):
        bill = self._create_bill(self.unit_b, 1092.86)
        self._pay(bill, 1092.86, self.today)
        first = self._new_request(bill, amount=500.00)
        first.action_submit()
        second = self._new_request(bill, amount=700.00)
        self.assertRecordValues(
            second,
            [
                {
                    "amount_paid": 1092.86,
                    "amount_reserved": 500.00,
                    "amount_refundable": 592.86,
                }
            ],
        )
        with self.assertRaisesRegex(
            UserError, r"asks for 700\.00 but at most 592\.86 can still be refunded"
        ):
            second.action_submit()
        self.assertEqual(second.state, "draft")
        # Once the first one is cancelled, its amount is free again.
        first.action_cancel()
        second.action_submit()
        self.assertEqual(second.state, "submitted")

    def test_credit_note_lines(self):
        request = self._new_request(self.bill, amount=600.00)
        request.action_submit()
        request.action_approve()
        credit_note = request.credit_note_id
        bill_line = self.bill.invoice_line_ids
        self.assertRecordValues(
            credit_note,
            [
                {
                    "move_type": "out_refund",
                    "state": "posted",
                    "partner_id": self.owner_a.id,
                    "reversed_entry_id": False,
                    "property_refund_bill_id": self.bill.id,
                    "amount_total": 600.00,
                    "property_community_id": self.community.id,
                }
            ],
        )
        self.assertRecordValues(
            credit_note.invoice_line_ids,
            [
                {
                    "product_id": bill_line.product_id.id,
                    "account_id": bill_line.account_id.id,
                    "price_subtotal": 600.00,
                    "analytic_distribution": bill_line.analytic_distribution,
                }
            ],
        )
        self.assertEqual(credit_note.invoice_line_ids.tax_ids, bill_line.tax_ids)

    def test_transfer_reconciles_credit_note(self):
        request = self._new_request(self.bill, amount=600.00)
        request.action_submit()
        request.action_approve()
        payment = request.payment_id
        self.assertRecordValues(
            payment,
            [
                {
                    "state": "draft",
                    "payment_type": "outbound",
                    "partner_id": self.owner_a.id,
                    "amount": 600.00,
                }
            ],
        )
        self.assertEqual(request.credit_note_id.amount_residual, 600.00)

        self._confirm_transfer(request)
        self.assertEqual(request.state, "done")
        self.assertEqual(request.credit_note_id.amount_residual, 0.0)
        self.assertIn(request.credit_note_id.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.bill.payment_state, "paid")
        self.assertEqual(self.bill.property_amount_refunded, 600.00)
        self.assertFalse(self.bill.property_refund_open)

    def test_cancelled_transfer_fails_then_retry(self):
        request = self._new_request(self.bill, amount=600.00)
        request.action_submit()
        request.action_approve()
        first_payment = request.payment_id
        first_payment.action_cancel()
        self.assertEqual(request.state, "failed")
        self.assertIn("was cancelled", request.failure_reason)
        self.assertFalse(request.payment_id)

        request.action_retry()
        self.assertEqual(request.state, "refunding")
        self.assertNotEqual(request.payment_id, first_payment)
        self._confirm_transfer(request)
        self.assertEqual(request.state, "done")
        self.assertEqual(
            self.env["account.move"].search_count(
                [("property_refund_bill_id", "=", self.bill.id)]
            ),
            1,
        )
        posted = self.env["account.payment"].search(
            [
                ("partner_id", "=", self.owner_a.id),
                ("payment_type", "=", "outbound"),
                ("state", "!=", "canceled"),
            ]
        )
        self.assertEqual(posted.mapped("amount"), [600.00])

    def test_policy_access(self):
        Policy = self.env["property.refund.policy"]
        with self.assertRaises(AccessError):
            Policy.with_user(self.billing_user).create(
                {"community_id": self.community.id, "fee_item_id": self.fee_garbage.id}
            )
        self.assertEqual(
            Policy.with_user(self.billing_user).search(
                [("community_id", "=", self.community.id)]
            ),
            self.policy,
        )
        own = Policy.with_user(self.billing_manager).create(
            {"community_id": self.community.id, "fee_item_id": self.fee_garbage.id}
        )
        self.assertEqual(own.fee_item_id, self.fee_garbage)

    def test_tax_included_in_refund(self):
        tax = self.env["account.tax"].create(
            {"name": "VAT 6%", "amount": 6.0, "type_tax_use": "sale"}
        )
        self.fee_package.product_id.taxes_id = tax
        bill = self._create_bill(self.unit_b, 1000.00)
        self.assertEqual(bill.amount_total, 1060.00)
        self._pay(bill, 1060.00, self.today)
        request = self._new_request(bill, amount=530.00)
        request.action_submit()
        request.action_approve()
        self.assertRecordValues(
            request.credit_note_id,
            [{"amount_untaxed": 500.00, "amount_tax": 30.00, "amount_total": 530.00}],
        )
        self.assertEqual(request.credit_note_id.invoice_line_ids.tax_ids, tax)

    def test_unpaid_bill_rejected(self):
        bill = self._create_bill(self.unit_b, 1200.00)
        request = self._new_request(bill, amount=100.00)
        self.assertEqual(request.amount_refundable, 0.0)
        with self.assertRaisesRegex(UserError, "has no payment"):
            request.action_submit()

    def test_partly_paid_bill(self):
        bill = self._create_bill(self.unit_b, 1200.00)
        self._pay(bill, 300.00, self.today)
        request = self._new_request(bill, amount=400.00)
        self.assertEqual(request.amount_refundable, 300.00)
        with self.assertRaisesRegex(UserError, r"at most 300\.00"):
            request.action_submit()

    def test_amount_above_chosen_lines(self):
        bill = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.owner_b.id,
                "invoice_date": self.today,
                "property_community_id": self.community.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.fee_garbage.product_id.id,
                            "price_unit": 200.00,
                        }
                    ),
                    Command.create(
                        {
                            "product_id": self.fee_package.product_id.id,
                            "price_unit": 1000.00,
                        }
                    ),
                ],
            }
        )
        bill.action_post()
        self._pay(bill, 1200.00, self.today)
        garbage_line = bill.invoice_line_ids.filtered(
            lambda line: line.product_id == self.fee_garbage.product_id
        )
        request = self._new_request(bill, amount=300.00, line_ids=garbage_line.ids)
        self.assertEqual(request.fee_item_ids, self.fee_garbage)
        self.assertEqual(request.amount_refundable, 1200.00)
        with self.assertRaisesRegex(UserError, r"its lines were paid 200\.00"):
            request.action_submit()
        request.amount = 200.00
        request.action_submit()
        request.action_approve()
        self.assertRecordValues(
            request.credit_note_id.invoice_line_ids,
            [{"product_id": self.fee_garbage.product_id.id, "price_subtotal": 200.00}],
        )

    def test_negative_amount_rejected(self):
        with self.assertRaises(ValidationError):
            self._new_request(self.bill, amount=-5.00)

    # ------------------------------------------------------------
    # PROPOSAL
    # ------------------------------------------------------------

    def test_proposal_from_discounted_price(self):
        bill = self._create_bill(self.unit_b, 1200.00, discount=10.0)
        self.assertEqual(bill.amount_total, 1080.00)
        self._pay(bill, 1080.00, self.today)
        request = self._new_request(bill, service_end_date=date(2026, 9, 30))
        self.assertEqual(request.amount_proposed, 270.00)
        request.action_submit()
        self.assertEqual(request.amount, 270.00)

    def test_proposal_by_days_with_percent_fee(self):
        self.policy.write(
            {
                "proposal_method": "days",
                "handling_fee_type": "percent",
                "handling_fee": 10,
            }
        )
        bill = self._create_bill(self.unit_b, 1200.00, discount=10.0)
        self._pay(bill, 1080.00, self.today)
        request = self._new_request(bill, service_end_date=date(2026, 12, 21))
        # 1,080.00 × 10/365 = 29.59, less 10% (2.96).
        self.assertEqual(request.amount_handling_fee, 2.96)
        self.assertEqual(request.amount_proposed, 26.63)

    def test_fee_item_policy_wins(self):
        own = self.env["property.refund.policy"].create(
            {
                "community_id": self.community.id,
                "fee_item_id": self.fee_package.id,
                "refundable": False,
            }
        )
        request = self._new_request(self.bill, amount=100.00)
        self.assertEqual(request.policy_id, own)
        with self.assertRaisesRegex(UserError, "cannot be refunded"):
            request.action_submit()

    def test_one_default_policy_per_community(self):
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.cr.savepoint(),
        ):
            self.env["property.refund.policy"].create(
                {"community_id": self.community.id}
            )

    # ------------------------------------------------------------
    # WINDOW
    # ------------------------------------------------------------

    def test_window_closed_rejected_with_date(self):
        paid_on = self.today - timedelta(days=45)
        bill = self._create_bill(self.unit_b, 1200.00)
        self._pay(bill, 1200.00, paid_on)
        closed_on = paid_on + timedelta(days=30)
        request = self._new_request(bill, amount=100.00)
        self.assertEqual(request.window_end_date, closed_on)
        with self.assertRaisesRegex(UserError, f"closed on {closed_on}"):
            request.action_submit()

        with self.assertRaises(AccessError):
            request.with_user(self.billing_user).action_override_window()
        self.assertFalse(request.window_override)

        request.with_user(self.billing_manager).action_override_window()
        self.assertTrue(request.window_override)
        self.assertEqual(request.window_override_user_id, self.billing_manager)
        self.assertIn(
            f"overridden by {self.billing_manager.name}",
            request.message_ids[0].body,
        )
        request.action_submit()
        self.assertEqual(request.state, "submitted")

    def test_window_open_on_last_day(self):
        paid_on = self.today - timedelta(days=30)
        bill = self._create_bill(self.unit_b, 1200.00)
        self._pay(bill, 1200.00, paid_on)
        request = self._new_request(bill, amount=100.00)
        request.action_submit()
        self.assertEqual(request.state, "submitted")

    # ------------------------------------------------------------
    # APPROVAL AND STATES
    # ------------------------------------------------------------

    def test_threshold_needs_manager(self):
        request = self._new_request(self.bill, amount=1100.00)
        request.action_submit()
        with self.assertRaisesRegex(AccessError, "billing manager must approve"):
            request.with_user(self.billing_user).action_approve()
        self.assertEqual(request.state, "submitted")
        request.with_user(self.billing_manager).action_approve()
        self.assertEqual(request.state, "refunding")
        self.assertEqual(request.decided_by_id, self.billing_manager)

    def test_billing_user_approves_below_threshold(self):
        request = self._new_request(self.bill, amount=1000.00)
        request.action_submit()
        request.with_user(self.billing_user).action_approve()
        self.assertEqual(request.state, "refunding")

    def test_reject_needs_note(self):
        request = self._new_request(self.bill, amount=100.00)
        request.action_submit()
        with self.assertRaisesRegex(UserError, "reason for rejecting"):
            request.action_reject()
        request.decision_note = "The service was delivered in full."
        request.action_reject()
        self.assertEqual(request.state, "rejected")
        self.assertFalse(request.credit_note_id)
        self.assertIn("The service was delivered in full.", request.message_ids[0].body)

    def test_transitions_in_chatter(self):
        request = self._new_request(self.bill, amount=600.00)
        request.action_submit()
        request.action_approve()
        self._confirm_transfer(request)
        bodies = request.message_ids.sorted("id").mapped("body")
        expected = [
            "Submitted for 600.00",
            "Approved for 600.00",
            "Credit note",
            "Bank transfer",
            "Refunded 600.00",
        ]
        self.assertEqual(len(bodies), len(expected))
        for body, text in zip(bodies, expected, strict=True):
            self.assertIn(text, body)

    def test_cancel_only_open(self):
        request = self._new_request(self.bill, amount=100.00)
        request.action_submit()
        request.action_cancel()
        self.assertEqual(request.state, "cancelled")
        with self.assertRaises(UserError):
            request.action_approve()

    def test_late_fee_hold_while_open(self):
        request = self._new_request(self.bill, amount=100.00)
        self.assertFalse(self.bill.property_late_fee_on_hold)
        request.action_submit()
        self.assertTrue(self.bill.property_late_fee_on_hold)
        self.assertEqual(request.late_fee_hold_id.move_id, self.bill)
        request.decision_note = "Not eligible."
        request.action_reject()
        self.assertFalse(self.bill.property_late_fee_on_hold)
        self.assertTrue(request.late_fee_hold_id.date_end)

    def test_report_by_fee_item(self):
        request = self._new_request(self.bill, amount=600.00, reason="not_delivered")
        request.action_submit()
        request.action_approve()
        self._confirm_transfer(request)
        self.env.flush_all()
        rows = self.env["property.refund.report"].search(
            [("request_id", "=", request.id)]
        )
        self.assertRecordValues(
            rows,
            [
                {
                    "fee_item_id": self.fee_package.id,
                    "reason": "not_delivered",
                    "amount": 600.00,
                    "date": request.date_refunded,
                }
            ],
        )
