from collections import defaultdict

from odoo import _, api, models
from odoo.exceptions import UserError


class ResPartner(models.Model):
    # The statement of account extends this model in its own file, one
    # feature per file, rather than in one file for every feature.
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    def _get_property_statement(self, date_from, date_to, company):
        """Build the statement of account (对账单) of this owner for a date range.

        Every figure is read from the posted journal items on receivable
        accounts of the owner's commercial partner in ``company``, so the
        closing balance is the owner's receivable balance in the ledger on
        ``date_to``. A bill is split into its late fees (lines of a late-fee
        policy's fee item) and the rest.

        :param date date_from: first day of the statement
        :param date date_to: last day of the statement
        :param company: res.company whose books are read
        :return: dict with ``opening``, ``lines`` (list of dicts with date,
            reference, description, kind, bills, late_fees, credit_notes,
            payments, other, balance), ``totals`` and ``closing``
        :rtype: dict
        :raise UserError: when ``date_to`` is before ``date_from``
        """
        self.ensure_one()
        if date_to < date_from:
            raise UserError(
                _(
                    "The statement ends on %(end)s, before it starts on %(start)s: "
                    "choose an end date on or after the start date.",
                    end=date_to,
                    start=date_from,
                )
            )
        partner = self.commercial_partner_id
        Line = self.env["account.move.line"].sudo()
        domain = self._get_property_statement_domain(partner, company)
        opening_groups = Line._read_group(
            [*domain, ("date", "<", date_from)], [], ["balance:sum"]
        )
        currency = company.currency_id
        opening = currency.round(opening_groups[0][0] or 0.0)
        lines = Line.search(
            [*domain, ("date", ">=", date_from), ("date", "<=", date_to)],
            order="date, move_id, id",
        )
        late_fee_items = self._get_property_late_fee_items(company)
        balance = opening
        totals = defaultdict(float)
        statement_lines = []
        for move, move_lines in lines.grouped("move_id").items():
            amount = currency.round(sum(move_lines.mapped("balance")))
            columns = self._get_property_statement_columns(
                move, amount, late_fee_items, currency
            )
            balance = currency.round(balance + amount)
            for key, value in columns.items():
                totals[key] = currency.round(totals[key] + value)
            statement_lines.append(
                {
                    "date": move_lines[0].date,
                    "move": move,
                    "reference": move.name,
                    "description": self._get_property_statement_description(move),
                    "amount": amount,
                    "balance": balance,
                    **columns,
                }
            )
        return {
            "partner": partner,
            "company": company,
            "currency": currency,
            "date_from": date_from,
            "date_to": date_to,
            "opening": opening,
            "lines": statement_lines,
            "totals": dict(totals),
            "closing": balance,
        }

    @api.model
    def _get_property_statement_domain(self, partner, company):
        return [
            ("partner_id", "child_of", partner.id),
            ("company_id", "=", company.id),
            ("parent_state", "=", "posted"),
            ("account_id.account_type", "=", "asset_receivable"),
        ]

    @api.model
    def _get_property_late_fee_items(self, company):
        policies = (
            self.env["property.late.fee.policy"]
            .sudo()
            .with_context(active_test=False)
            .search([("company_id", "=", company.id)])
        )
        return policies.late_fee_item_id

    @api.model
    def _get_property_statement_columns(self, move, amount, late_fee_items, currency):
        """Split a move's receivable amount into the statement's columns.

        Bills and late fees are debits. Credit notes and payments are credits,
        shown as positive amounts. Anything else, such as a write-off or an
        exchange difference, goes to ``other`` with its sign.
        """
        columns = {
            "bills": 0.0,
            "late_fees": 0.0,
            "credit_notes": 0.0,
            "payments": 0.0,
            "other": 0.0,
        }
        if move.move_type == "out_invoice":
            late_fees = currency.round(
                sum(
                    line.price_total
                    for line in move.invoice_line_ids
                    if line.property_charge_id.fee_item_id in late_fee_items
                )
            )
            columns["late_fees"] = late_fees
            columns["bills"] = currency.round(amount - late_fees)
        elif move.move_type == "out_refund":
            columns["credit_notes"] = -amount
        elif move.origin_payment_id or move.statement_line_id:
            columns["payments"] = -amount
        else:
            columns["other"] = amount
        return columns

    @api.model
    def _get_property_statement_description(self, move):
        if move.move_type == "out_invoice":
            if move.property_opening_arrears:
                return _("Opening arrears")
            return move.invoice_origin or _("Bill")
        if move.move_type == "out_refund":
            return move.ref or _("Credit note")
        if move.origin_payment_id or move.statement_line_id:
            return move.ref or _("Payment")
        return move.ref or move.journal_id.name
