import re
import threading
from datetime import date

from odoo import Command
from odoo.tests import tagged

from .common import PropertyBillingCommon


@tagged("post_install", "-at_install")
class TestInvoiceLines(PropertyBillingCommon):
    """A billing run writes the receivable lines of untaxed bills itself.

    Each test bills a community, then creates the same bill through Odoo's own
    line computation and compares every journal item of the two, so that a
    difference in accounts, amounts, due dates or analytics fails here.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unit_1 = cls._create_unit(cls.building_1, "101", 89.50, cls.owner_a)
        cls.unit_2 = cls._create_unit(cls.building_1, "102", 120.05, cls.owner_a)
        cls.unit_3 = cls._create_unit(cls.building_2, "201", 133.80, cls.owner_b)
        cls.units = cls.unit_1 | cls.unit_2 | cls.unit_3
        cls._apply_fee(cls.units, cls.fee_management, date(2026, 1, 1))
        cls._apply_fee(cls.units, cls.fee_garbage, date(2026, 1, 1))

    def _bill(self):
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        run.action_generate()
        self.assertEqual(run.state, "done")
        self.assertEqual(len(run.invoice_ids), 2)
        return run

    def _standard_invoice(self, run, move):
        """Create and post ``move``'s bill again, with Odoo computing its lines."""
        vals = run._prepare_invoice_values(move.partner_id, move.property_charge_ids)
        for command in vals["line_ids"]:
            command[2].pop("property_charge_id")
        standard = self.env["account.move"].create(vals)
        standard.action_post()
        return standard

    def _journal_items(self, move):
        return sorted(
            (
                line.display_type,
                line.account_id.code,
                # A receivable line is named after its own invoice's number.
                "" if line.display_type == "payment_term" else line.name,
                line.balance,
                line.amount_currency,
                line.amount_residual,
                str(line.date_maturity),
                line.partner_id.id,
                tuple(line.tax_ids.ids),
                str(line.analytic_distribution),
                line.discount_date,
            )
            for line in move.line_ids
        )

    def _totals(self, move):
        return (
            move.state,
            move.payment_state,
            move.amount_untaxed,
            move.amount_tax,
            move.amount_total,
            move.amount_residual,
            move.invoice_date_due,
            move.invoice_payment_term_id,
        )

    def _assert_same_as_standard(self, run):
        for move in run.invoice_ids:
            standard = self._standard_invoice(run, move)
            self.assertEqual(self._journal_items(move), self._journal_items(standard))
            self.assertEqual(self._totals(move), self._totals(standard))
            terms = move.line_ids.filtered(
                lambda line: line.display_type == "payment_term"
            )
            # Named after the invoice, with "installment #N" when there are several.
            for term in terms:
                self.assertTrue(term.name.startswith(move.payment_reference))

    def test_due_date_without_payment_term(self):
        run = self._bill()
        move = run.invoice_ids.filtered(lambda m: m.partner_id == self.owner_a)
        # 89.50 × 2.80 = 250.60, 120.05 × 2.80 = 336.14, two garbage fees of 10.00.
        self.assertEqual(move.amount_total, 606.74)
        receivable = move.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        self.assertEqual(len(receivable), 1)
        self.assertEqual(receivable.balance, 606.74)
        self.assertEqual(receivable.date_maturity, date(2026, 4, 16))
        self.assertEqual(
            receivable.account_id,
            self.owner_a.with_company(self.company).property_account_receivable_id,
        )
        self._assert_same_as_standard(run)

    def test_payment_term_in_installments(self):
        term = self.env["account.payment.term"].create(
            {
                "name": "30% now, balance in 30 days",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 30.0, "nb_days": 0}
                    ),
                    Command.create(
                        {"value": "percent", "value_amount": 70.0, "nb_days": 30}
                    ),
                ],
            }
        )
        self.community.payment_term_id = term
        run = self._bill()
        move = run.invoice_ids.filtered(lambda m: m.partner_id == self.owner_a)
        receivables = move.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        ).sorted("date_maturity")
        # 30% of 606.74 is 182.022, rounded to 182.02; the rest is 424.72.
        self.assertEqual(receivables.mapped("balance"), [182.02, 424.72])
        self.assertEqual(
            receivables.mapped("date_maturity"), [date(2026, 4, 1), date(2026, 5, 1)]
        )
        self.assertEqual(move.invoice_date_due, date(2026, 5, 1))
        self._assert_same_as_standard(run)

    def test_analytic_account_of_community(self):
        plan = self.env["account.analytic.plan"].create({"name": "Communities"})
        analytic = self.env["account.analytic.account"].create(
            {"name": "Sunshine Garden", "plan_id": plan.id}
        )
        self.community.analytic_account_id = analytic
        run = self._bill()
        analytic_lines = self.env["account.analytic.line"].search(
            [("move_line_id", "in", run.invoice_ids.line_ids.ids)]
        )
        # One analytic item per fee line: 4 for owner A, 2 for owner B,
        # together the bills' untaxed total, as income.
        self.assertEqual(len(analytic_lines), 6)
        self.assertEqual(
            self.cny.compare_amounts(
                sum(analytic_lines.mapped("amount")), 606.74 + 384.64
            ),
            0,
        )
        self._assert_same_as_standard(run)

    def test_taxed_fee_computed_by_odoo(self):
        tax = self.env["account.tax"].create(
            {"name": "VAT 6%", "amount": 6.0, "type_tax_use": "sale"}
        )
        self.fee_garbage.product_id.taxes_id = tax
        run = self._bill()
        move = run.invoice_ids.filtered(lambda m: m.partner_id == self.owner_a)
        # 6% of two garbage fees of 10.00.
        self.assertEqual(move.amount_tax, 1.20)
        self.assertEqual(move.amount_total, 607.94)
        self.assertEqual(
            len(move.line_ids.filtered(lambda line: line.display_type == "tax")), 1
        )
        self._assert_same_as_standard(run)

    def test_tax_of_income_account_computed_by_odoo(self):
        # A product without taxes takes the default taxes of its income
        # account, so that bill needs Odoo's own tax computation.
        tax = self.env["account.tax"].create(
            {"name": "VAT 6% by account", "amount": 6.0, "type_tax_use": "sale"}
        )
        product = self.fee_garbage.product_id
        self.assertFalse(product.taxes_id)
        product.property_account_income_id = self.env["account.account"].create(
            {
                "name": "Garbage Collection Income",
                "code": "700950",
                "account_type": "income",
                "tax_ids": [Command.set(tax.ids)],
            }
        )
        run = self._bill()
        move = run.invoice_ids.filtered(lambda m: m.partner_id == self.owner_a)
        # 6% of two garbage fees of 10.00.
        self.assertEqual(move.amount_tax, 1.20)
        self.assertEqual(move.amount_total, 607.94)
        self._assert_same_as_standard(run)

    def test_early_payment_discount_computed_by_odoo(self):
        term = self.env["account.payment.term"].create(
            {
                "name": "2% discount within 10 days, net 30",
                "early_discount": True,
                "discount_percentage": 2.0,
                "discount_days": 10,
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 100.0, "nb_days": 30}
                    )
                ],
            }
        )
        self.community.payment_term_id = term
        run = self._bill()
        move = run.invoice_ids.filtered(lambda m: m.partner_id == self.owner_a)
        receivable = move.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        self.assertEqual(receivable.discount_date, date(2026, 4, 11))
        # 98% of 606.74 is 594.6052, rounded to 594.61.
        self.assertEqual(receivable.discount_balance, 594.61)
        self._assert_same_as_standard(run)

    def test_bill_paid_in_full(self):
        run = self._bill()
        move = run.invoice_ids.filtered(lambda m: m.partner_id == self.owner_a)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids
        ).create({"payment_date": date(2026, 4, 10)})._create_payments()
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        self.assertEqual(move.amount_residual, 0.0)

    def test_ledger_statistics_refreshed_when_outgrown(self):
        run = self._bill()
        self.env.cr.execute("SELECT COUNT(*) FROM account_move_line")
        line_count = self.env.cr.fetchone()[0]
        # A table never analyzed: PostgreSQL's estimate is -1.
        run._refresh_ledger_statistics(-1)
        self.assertEqual(run._get_ledger_row_estimate(), line_count)

    def test_customer_rank_per_bill(self):
        other = self.env["res.partner"].create({"name": "Not Billed"})
        self.assertEqual(self.owner_a.customer_rank, 0)
        self._bill()
        run = self._create_run(date(2026, 5, 1), date(2026, 5, 31))
        run.action_generate()
        self.assertEqual(run.state, "done")
        self.env["res.partner"].invalidate_model(["customer_rank"])
        # One rank per posted bill: April's and May's.
        self.assertEqual(self.owner_a.customer_rank, 2)
        self.assertEqual(self.owner_b.customer_rank, 2)
        self.assertEqual(other.customer_rank, 0)

    def test_sequence_gap_flag_stored(self):
        run = self._bill()
        moves = run.invoice_ids
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT made_sequence_gap FROM account_move WHERE id IN %s",
            [tuple(moves.ids)],
        )
        # Consecutive numbers: no invoice of the run starts a gap.
        self.assertEqual([row[0] for row in self.env.cr.fetchall()], [False, False])
        numbers = sorted(moves.mapped("sequence_number"))
        self.assertEqual(numbers[1], numbers[0] + 1)

    def test_journal_items_written_once_when_posted(self):
        """Posting writes each journal item's state, number and label together."""
        updates = []

        def hook(cr, query, params, start, delay):
            text = query.decode() if isinstance(query, bytes) else str(query)
            if re.match(r'\s*UPDATE "account_move_line"', text):
                updates.append(re.search(r"SET (.*?) FROM", text, re.S).group(1))

        thread = threading.current_thread()
        hooks = getattr(thread, "query_hooks", ())
        thread.query_hooks = (*hooks, hook)
        try:
            run = self._bill()
        finally:
            thread.query_hooks = hooks
        state_updates = [text for text in updates if '"parent_state"' in text]
        # One update for the product lines, one for the receivable lines,
        # whose label also changes; each sets the number with the state.
        self.assertEqual(len(state_updates), 2)
        for text in state_updates:
            self.assertIn('"move_name"', text)
        self.assertFalse(
            [
                text
                for text in updates
                if '"move_name"' in text and text not in state_updates
            ]
        )
        self.env.cr.execute(
            """
            SELECT line.parent_state, line.move_name = move.name,
                   line.display_type,
                   line.display_type != 'payment_term'
                       OR line.name = move.payment_reference
              FROM account_move_line line
              JOIN account_move move ON move.id = line.move_id
             WHERE move.id IN %s
            """,
            [tuple(run.invoice_ids.ids)],
        )
        rows = self.env.cr.fetchall()
        self.assertEqual(len(rows), 8)
        for state, same_number, _display_type, label_ok in rows:
            self.assertEqual(state, "posted")
            self.assertTrue(same_number)
            self.assertTrue(label_ok)
