from datetime import date

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RefundCommon


@tagged("post_install", "-at_install")
class TestRefundPackage(RefundCommon):
    """A 12-month management package at 100.00 a month, 10% off: 1,080.00.

    Unit 101 (88.50 m²) is billed 88.50 × 2.80 = 247.80 of management fee a
    month when no package covers it.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._apply_fee(cls.unit_a, cls.fee_management, date(2026, 1, 1))
        cls.package = cls.env["property.package"].create(
            {
                "name": "Management fee, 12 months",
                "months": 12,
                "discount": 10.0,
                "line_ids": [
                    Command.create(
                        {"fee_item_id": cls.fee_management.id, "monthly_price": 100.00}
                    )
                ],
            }
        )
        # The package was paid in January: no refund window, so that the
        # tests do not depend on today's date.
        cls.policy.window_days = 0

    def setUp(self):
        super().setUp()
        self.subscription = self.env["property.package.subscription"].create(
            {
                "package_id": self.package.id,
                "unit_id": self.unit_a.id,
                "date_start": date(2026, 1, 1),
            }
        )
        self.subscription.action_confirm()
        self.invoice = self.subscription.move_id
        self.assertEqual(self.invoice.amount_total, 1080.00)
        self._pay(self.invoice, 1080.00, date(2025, 12, 20))
        self.assertEqual(self.subscription.state, "paid")

    def _preview(self, period_start, period_end):
        run = self._create_run(period_start, period_end)
        run.action_preview()
        return run

    def _management_charge(self, run):
        return run.charge_ids.filtered(
            lambda charge: charge.unit_id == self.unit_a
            and charge.fee_item_id == self.fee_management
        )

    def test_three_unused_months_propose_270(self):
        request = self._new_request(self.invoice, service_end_date=date(2026, 9, 30))
        self.assertRecordValues(
            request,
            [
                {
                    "package_subscription_id": self.subscription.id,
                    "community_id": self.community.id,
                    "policy_id": self.policy.id,
                    "amount_paid": 1080.00,
                    "amount_proposed": 270.00,
                    "amount_handling_fee": 0.0,
                }
            ],
        )
        self.assertEqual(request.fee_item_ids, self.fee_management)

    def test_mid_month_end_keeps_the_month(self):
        # Used until 15 September: September stays paid, 3 whole months left.
        request = self._new_request(self.invoice, service_end_date=date(2026, 9, 15))
        self.assertEqual(request.amount_proposed, 270.00)

    def test_unused_days_policy(self):
        self.policy.proposal_method = "days"
        # 1,080.00 × 92 days of 365 left after 30 September = 272.22.
        request = self._new_request(self.invoice, service_end_date=date(2026, 9, 30))
        self.assertEqual(request.amount_proposed, 272.22)

    def test_refund_ends_package_and_billing_resumes(self):
        # Before the refund, the package covers October.
        run = self._preview(date(2026, 10, 1), date(2026, 10, 31))
        self.assertFalse(self._management_charge(run))
        self.assertEqual(run.package_covered_count, 1)
        run.unlink()

        request = self._new_request(self.invoice, service_end_date=date(2026, 9, 15))
        request.action_submit()
        self.assertEqual(request.amount, 270.00)
        request.action_approve()
        # Not done yet: the package still covers its whole year.
        self.assertEqual(self.subscription.date_end, date(2026, 12, 31))
        self._confirm_transfer(request)
        self.assertEqual(request.state, "done")
        self.assertRecordValues(
            self.subscription,
            [
                {
                    "state": "paid",
                    "date_ended_early": date(2026, 9, 30),
                    "date_end": date(2026, 9, 30),
                }
            ],
        )
        self.assertRecordValues(
            self.invoice,
            [
                {
                    "payment_state": "paid",
                    "property_refund_status": "partial",
                    "property_amount_refunded": 270.00,
                }
            ],
        )
        credit_line = request.credit_note_id.invoice_line_ids
        self.assertEqual(credit_line.product_id, self.fee_management.product_id)
        self.assertEqual(credit_line.price_total, 270.00)

        september = self._preview(date(2026, 9, 1), date(2026, 9, 30))
        self.assertFalse(self._management_charge(september))
        self.assertEqual(september.package_covered_count, 1)
        september.unlink()

        october = self._preview(date(2026, 10, 1), date(2026, 10, 31))
        self.assertEqual(october.package_covered_count, 0)
        self.assertFalse(october.package_covered_note)
        charge = self._management_charge(october)
        self.assertEqual(charge.amount, 247.80)
        self.assertEqual(charge.period_start, date(2026, 10, 1))
        october.action_generate()
        bill = october.invoice_ids.filtered(
            lambda move: move.partner_id == self.owner_a
        )
        self.assertEqual(bill.amount_total, 247.80)

    def test_refund_without_end_date_keeps_package(self):
        # A package paid twice is refunded without ending it.
        request = self._new_request(self.invoice, reason="duplicate", amount=100.00)
        request.action_submit()
        request.action_approve()
        self._confirm_transfer(request)
        self.assertEqual(request.state, "done")
        self.assertFalse(self.subscription.date_ended_early)
        self.assertEqual(self.subscription.date_end, date(2026, 12, 31))

    def test_end_early_checks_the_day(self):
        with self.assertRaisesRegex(UserError, r"cannot end on 2026-12-31"):
            self.subscription._end_early(date(2026, 12, 31))
        with self.assertRaisesRegex(UserError, r"cannot end on 2025-12-30"):
            self.subscription._end_early(date(2025, 12, 30))
        self.assertFalse(self.subscription.date_ended_early)

    def test_mid_month_end_bills_remaining_days(self):
        # With the days method the package ends on the service end date, and
        # the next run bills only the rest of that month: 16 to 30 September,
        # 247.80 × 15/30 = 123.90, so no day is paid twice.
        self.policy.proposal_method = "days"
        request = self._new_request(self.invoice, service_end_date=date(2026, 9, 15))
        request.action_submit()
        request.action_approve()
        self._confirm_transfer(request)
        self.assertEqual(request.state, "done")
        self.assertEqual(self.subscription.date_end, date(2026, 9, 15))

        september = self._preview(date(2026, 9, 1), date(2026, 9, 30))
        charge = self._management_charge(september)
        self.assertEqual(len(charge), 1)
        self.assertEqual(charge.period_start, date(2026, 9, 16))
        self.assertEqual(charge.period_end, date(2026, 9, 30))
        self.assertEqual(charge.amount, 123.90)
