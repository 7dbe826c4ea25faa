from datetime import date

from freezegun import freeze_time

from odoo.tests import TransactionCase, tagged

from .test_late_fee_accrual import LateFeeCommon


@tagged("post_install", "-at_install")
class TestLateFeeNextBill(LateFeeCommon):
    """Late fees billed with the next bill of the owner."""

    def _bill_april(self, **values):
        with freeze_time("2026-04-10 02:00:00"):
            run = self._create_run(
                date(2026, 4, 1),
                date(2026, 4, 30),
                invoice_date=date(2026, 4, 10),
                due_date=date(2026, 4, 30),
                **values,
            )
            run.action_generate()
        return run

    def _late_fee_lines(self, invoices):
        return invoices.invoice_line_ids.filtered(
            lambda line: line.product_id == self.fee_late.product_id
        )

    def test_next_bill_has_late_fee_line(self):
        march = self._bill_march()
        run = self._bill_april()
        invoice = run.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.partner_id, self.owner_a)
        late_line = self._late_fee_lines(invoice)
        self.assertEqual(len(late_line), 1)
        self.assertEqual(late_line.price_subtotal, 5.00)
        self.assertIn(march.name, late_line.name)
        self.assertEqual(invoice.amount_total, 1005.00)
        fee = self._late_fee_of(march)
        self.assertRecordValues(fee, [{"amount_billed": 5.00, "amount_unbilled": 0.00}])
        self.assertRecordValues(
            fee.line_ids,
            [{"amount": 5.00, "date_to": date(2026, 4, 10), "state": "invoiced"}],
        )

    def test_billing_again_bills_no_second_time(self):
        march = self._bill_march()
        first = self._bill_april()
        second = self._bill_april()
        self.assertEqual(len(first.invoice_ids), 1)
        self.assertFalse(second.invoice_ids)
        # The service fee is skipped as billed. The late fee has nothing left
        # to bill, so the second run makes no late-fee charge at all.
        self.assertEqual(second.skipped_count, 1)
        self.assertFalse(
            second.charge_ids.filtered(lambda c: c.fee_item_id == self.fee_late)
        )
        late_lines = self._late_fee_lines(
            self.env["account.move"].search([("partner_id", "=", self.owner_a.id)])
        )
        self.assertEqual(len(late_lines), 1)
        self.assertEqual(late_lines.price_subtotal, 5.00)
        self.assertEqual(self._late_fee_of(march).amount_billed, 5.00)

    def test_following_run_bills_only_the_increase(self):
        march = self._bill_march()
        april = self._bill_april().invoice_ids
        with freeze_time("2026-05-01 02:00:00"):
            run = self._create_run(
                date(2026, 5, 1), date(2026, 5, 31), due_date=date(2026, 5, 31)
            )
            run.action_generate()
        late_line = self._late_fee_lines(run.invoice_ids)
        # March bill: 31 days (1 April - 1 May) on 1,000.00 = 15.50, of which
        # 5.00 was billed in April. April bill (1,005.00, due 30 April): 1 day
        # on its 1,000.00 base = 0.50. Together 10.50 + 0.50 = 11.00.
        self.assertEqual(len(late_line), 1)
        self.assertEqual(late_line.price_subtotal, 11.00)
        self.assertIn(march.name, late_line.name)
        self.assertIn(april.name, late_line.name)
        self.assertEqual(self._late_fee_of(march).amount_billed, 15.50)
        self.assertEqual(self._late_fee_of(april).amount_billed, 0.50)

    def test_waived_part_is_not_billed(self):
        march = self._bill_march()
        self._run_job(date(2026, 4, 10))
        fee = self._late_fee_of(march)
        with freeze_time("2026-04-10 02:00:00"):
            fee._waive(2.00, "Owner was abroad")
        run = self._bill_april()
        late_line = self._late_fee_lines(run.invoice_ids)
        self.assertEqual(late_line.price_subtotal, 3.00)
        self.assertRecordValues(
            fee,
            [
                {
                    "amount_accrued": 5.00,
                    "amount_waived": 2.00,
                    "amount_billed": 3.00,
                    "amount_unbilled": 0.00,
                }
            ],
        )
        self.assertRecordValues(
            fee.waiver_ids,
            [
                {
                    "amount": 2.00,
                    "reason": "Owner was abroad",
                    "user_id": self.env.user.id,
                }
            ],
        )

    def test_cancelled_invoice_is_billed_again(self):
        march = self._bill_march()
        first = self._bill_april()
        first.invoice_ids.button_cancel()
        self.assertEqual(self._late_fee_of(march).amount_billed, 0.00)
        second = self._bill_april()
        self.assertEqual(self._late_fee_lines(second.invoice_ids).price_subtotal, 5.00)

    def test_cancelled_bill_owes_no_late_fee(self):
        march = self._bill_march()
        self._run_job(date(2026, 4, 10))
        self.assertEqual(self._late_fee_of(march).amount_accrued, 5.00)
        march.button_draft()
        march.button_cancel()
        run = self._bill_april()
        self.assertFalse(self._late_fee_lines(run.invoice_ids))

    def test_run_of_other_fee_items_bills_no_late_fee(self):
        self._bill_march()
        run = self._bill_april(fee_item_ids=[(6, 0, self.fee_service.ids)])
        self.assertFalse(self._late_fee_lines(run.invoice_ids))

    def test_monthly_policy_adds_nothing_to_runs(self):
        self.policy.billing_mode = "monthly"
        self._bill_march()
        run = self._bill_april()
        self.assertFalse(self._late_fee_lines(run.invoice_ids))


@tagged("post_install", "-at_install")
class TestLateFeeMonthly(LateFeeCommon):
    """Late fees billed on their own invoice, every month."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.billing_mode = "monthly"

    def _late_fee_runs(self):
        return self.env["property.billing.run"].search(
            [("fee_item_ids", "in", self.fee_late.ids)]
        )

    def test_own_invoice_for_last_month(self):
        march = self._bill_march()
        self._run_job(date(2026, 5, 1))
        run = self._late_fee_runs()
        self.assertRecordValues(
            run,
            [
                {
                    "state": "done",
                    "period_start": date(2026, 4, 1),
                    "period_end": date(2026, 4, 30),
                    "invoice_date": date(2026, 5, 1),
                }
            ],
        )
        invoice = run.invoice_ids
        # 30 days of April on 1,000.00.
        self.assertRecordValues(
            invoice,
            [{"partner_id": self.owner_a.id, "amount_total": 15.00, "state": "posted"}],
        )
        self.assertEqual(invoice.invoice_line_ids.product_id, self.fee_late.product_id)
        self.assertEqual(self._late_fee_of(march).amount_billed, 15.00)

    def test_job_twice_bills_once(self):
        self._bill_march()
        self._run_job(date(2026, 5, 1))
        self._run_job(date(2026, 5, 1))
        self._run_job(date(2026, 5, 2))
        runs = self._late_fee_runs()
        self.assertEqual(len(runs), 1)
        self.assertEqual(len(runs.invoice_ids), 1)
        self.assertEqual(runs.invoice_ids.amount_total, 15.00)


@tagged("post_install", "-at_install")
class TestLateFeeLabels(TransactionCase):
    def test_field_labels_distinct(self):
        # Odoo warns at install when two fields of a model share a label.
        labels = {}
        for name, field in self.env["property.late.fee"]._fields.items():
            labels.setdefault(field.string, []).append(name)
        shared = {label: names for label, names in labels.items() if len(names) > 1}
        self.assertEqual(shared, {})
