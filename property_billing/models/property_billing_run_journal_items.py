from collections import defaultdict

from odoo import Command, fields, models

from .account_analytic_account import EXISTING_ANALYTIC_ACCOUNTS_CONTEXT
from .account_move import BATCH_SEQUENCE_CONTEXT
from .res_partner import RANK_INCREASES_CONTEXT


class PropertyBillingRun(models.Model):
    """Billing run extension that writes and posts its invoices in bulk."""

    _inherit = "property.billing.run"  # pylint: disable=consider-merging-classes-inherited

    def _can_prepare_dynamic_lines(self, charges):
        """Tell whether the run may write the receivable lines of these invoices.

        That is the case for the usual bills of a property company: untaxed
        fees in the company currency, due on one or more dates without an
        early payment discount. Anything else (taxes, early payment
        discounts) goes through Odoo's own computation of the invoice lines.
        """
        self.ensure_one()
        company = self.company_id
        products = charges.fee_item_id.product_id
        taxes = products.taxes_id.filtered(
            lambda tax: tax.company_id in company.parent_ids
        )
        if not taxes:
            # Odoo 18 gives a product line without product taxes the sale
            # taxes of its income account (_get_computed_taxes).
            taxes = self._get_income_accounts(products).tax_ids.filtered(
                lambda tax: tax.type_tax_use == "sale"
            )
        term = self.community_id.payment_term_id
        return not taxes and not (term and term.early_discount)

    def _get_income_accounts(self, products):
        """Return every account Odoo may book the income of ``products`` on.

        These are the products' income accounts (or the sales journal's
        default account when a product has none), and the accounts the
        company's fiscal positions map them to.
        """
        company = self.company_id
        accounts = self.community_id._get_sale_journal().default_account_id
        for template in products.product_tmpl_id.with_company(company):
            accounts |= template._get_product_accounts()["income"]
        mappings = self.env["account.fiscal.position.account"].search(
            [
                ("account_src_id", "in", accounts.ids),
                ("position_id.company_id", "in", company.parent_ids.ids),
            ]
        )
        return accounts | mappings.account_dest_id

    def _add_payment_term_lines(self, vals):
        """Add the receivable lines Odoo would add to an untaxed invoice's values.

        The lines are those of the invoice's payment term, or one line due on
        the run's due date. They have the same keys, amounts and due dates as
        Odoo's own computation, so posting and paying the invoice work as for
        any other invoice. ``account.move`` checks on creation that the
        lines balance.
        """
        currency = self.company_id.currency_id
        total = currency.round(
            sum(command[2]["price_unit"] for command in vals["line_ids"])
        )
        term = self.env["account.payment.term"].browse(
            vals.get("invoice_payment_term_id")
        )
        if term:
            computed = term._compute_terms(
                date_ref=vals["invoice_date"],
                currency=currency,
                company=self.company_id,
                tax_amount=0.0,
                tax_amount_currency=0.0,
                untaxed_amount=total,
                untaxed_amount_currency=total,
                sign=1,
            )
            due = defaultdict(float)
            for term_line in computed["line_ids"]:
                due[fields.Date.to_date(term_line["date"])] += term_line[
                    "company_amount"
                ]
            # Odoo's own value: the last due date of the receivable lines.
            # Given, it is not computed again from them when posting.
            vals["invoice_date_due"] = max(due)
        else:
            due = {vals["invoice_date_due"]: total}
        for date_maturity, amount in due.items():
            vals["line_ids"].append(
                Command.create(
                    {
                        "display_type": "payment_term",
                        "date_maturity": date_maturity,
                        "balance": amount,
                        "amount_currency": amount,
                        "discount_date": False,
                        "discount_balance": 0.0,
                        "discount_amount_currency": 0.0,
                    }
                )
            )

    def _add_precomputed_line_values(self, vals_list):
        """Add to each journal item the values Odoo would precompute for it.

        ``account.move.line.create`` computes every missing precomputed field
        on a draft copy of each item first. The bills that
        ``_can_prepare_dynamic_lines`` accepts are untaxed and in the company
        currency, so Odoo 18's computations give known values. These are the
        customer's commercial partner, the invoice's currency, no taxes, the
        product's unit of measure, and the default sequence of the item's
        type. Debit and credit are left out: Odoo drops them when a balance
        is given, and computes them from it.
        """
        partners = self.env["res.partner"].browse(
            {vals["partner_id"] for vals in vals_list}
        )
        commercial_partner = {
            partner.id: partner.commercial_partner_id.id for partner in partners
        }
        products = self.env["product.product"].browse(
            {
                command[2]["product_id"]
                for vals in vals_list
                for command in vals["line_ids"]
                if command[2].get("product_id")
            }
        )
        uom_by_product = {product.id: product.uom_id.id for product in products}
        for vals in vals_list:
            for command in vals["line_ids"]:
                line = command[2]
                is_term = line["display_type"] == "payment_term"
                uom_id = uom_by_product.get(line.get("product_id"), False)
                line.update(
                    {
                        "partner_id": commercial_partner[vals["partner_id"]],
                        "currency_id": vals["currency_id"],
                        "tax_ids": [Command.clear()],
                        "product_uom_id": uom_id,
                        "sequence": 12000 if is_term else 100,
                    }
                )
                line.update(self._get_draft_line_values(vals, line, is_term))

    def _get_draft_line_values(self, vals, line, is_term):
        """Return the stored computed values of a new draft journal item.

        Odoo computes these fields after inserting the item and updates the
        row when a value differs from the inserted one. Inserted with the
        values Odoo computes for an untaxed draft item, the row needs no
        update. Odoo still computes them, so a value that differs here only
        costs that update. The exception is ``tax_tag_invert``, which is
        editable and so keeps the given value: False, as Odoo computes it
        for an item without taxes or tax tags.
        """
        if is_term:
            residual = line["balance"]
            residual_currency = line["amount_currency"]
            subtotal = 0.0
        else:
            residual = residual_currency = 0.0
            subtotal = line["price_unit"] * line["quantity"]
        return {
            "parent_state": "draft",
            "move_name": False,
            "date": vals["invoice_date"],
            "invoice_date": vals["invoice_date"],
            "amount_residual": residual,
            "amount_residual_currency": residual_currency,
            "reconciled": False,
            "price_subtotal": subtotal,
            "price_total": subtotal,
            "tax_tag_invert": False,
            "ref": False,
            "payment_id": False,
            "statement_id": False,
            "statement_line_id": False,
        }

    def _post_invoices(self, moves):
        """Post the run's invoices as one batch.

        Posting does some work invoice by invoice, which the run does once
        for the batch:

        - ``checked``: posting sets it from the journal, a write and a balance
          query per invoice, and the run created the invoices with that same
          value (see ``_prepare_invoice_values``);
        - ``invoice_date_due``: the new state marks it for recomputation from
          the payment terms, and numbering each invoice recomputes it then,
          one invoice at a time. Posting changes none of its inputs (terms,
          invoice date, currency, amounts), so it stays protected;
        - ``made_sequence_gap``: numbering each invoice checks for a gap
          before it with a search. It is computed once for the batch after
          posting, when all the numbers exist;
        - customer ranks: posting increases each partner's with its own
          query, and ``res.partner`` collects them here instead;
        - analytic items: posting checks that the community's analytic
          account exists once per journal item; it is checked once here;
        - journal items: their state and number are written together.
        """
        moves = moves.with_context(**{BATCH_SEQUENCE_CONTEXT: True})
        sequence_gap = moves._fields["made_sequence_gap"]
        protected = [
            moves._fields["checked"],
            moves._fields["invoice_date_due"],
            sequence_gap,
        ]
        rank_increases = defaultdict(int)
        analytic_accounts = self.community_id.analytic_account_id.exists()
        with self.env.protecting(protected, moves):
            moves.with_context(
                **{
                    RANK_INCREASES_CONTEXT: rank_increases,
                    EXISTING_ANALYTIC_ACCOUNTS_CONTEXT: frozenset(
                        analytic_accounts.ids
                    ),
                }
            ).action_post()
        self.env.add_to_compute(sequence_gap, moves)
        self.env["res.partner"]._apply_rank_increases(rank_increases)
        # Computed now, a journal item's new state, number and label go out in
        # one update, before a later query (advance payments) flushes the state alone.
        moves.line_ids.flush_recordset(["parent_state", "move_name", "name"])
