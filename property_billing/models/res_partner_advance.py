import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)


class ResPartner(models.Model):
    # Each feature extends partners in its own file.
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    property_advance_balance = fields.Monetary(
        string="Advance Balance",
        compute="_compute_property_advance_balance",
        currency_field="property_advance_currency_id",
        groups="property_billing.property_billing_group_user",
        help="Payments and credits of the partner not applied to any bill yet, "
        "in the current company.",
    )
    property_advance_currency_id = fields.Many2one(
        comodel_name="res.currency",
        compute="_compute_property_advance_balance",
        groups="property_billing.property_billing_group_user",
    )

    def _compute_property_advance_balance(self):
        company = self.env.company
        for partner in self:
            partner.property_advance_currency_id = company.currency_id
            partner.property_advance_balance = (
                partner.commercial_partner_id._get_property_advance_balance(company)
            )

    @api.model
    def _get_property_advance_domain(self, company):
        """Return the domain of receivable lines that are money paid in advance.

        Entries flagged ``property_no_advance`` (a refund credit note waiting
        for the money to go back, for instance) are left out: applying them to
        a bill would pay the owner twice.
        """
        return [
            *self._get_property_receivable_domain(company),
            ("amount_residual", "<", 0.0),
            ("move_id.property_no_advance", "=", False),
        ]

    @api.model
    def _get_property_receivable_domain(self, company):
        return [
            ("company_id", "=", company.id),
            ("account_id.account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("currency_id", "=", company.currency_id.id),
        ]

    def _get_property_advance_lines(self, company):
        """Return the partner's unapplied payments and credits, oldest first."""
        self.ensure_one()
        return (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    *self._get_property_advance_domain(company),
                    ("partner_id", "child_of", self.commercial_partner_id.id),
                ],
                order="date, id",
            )
        )

    def _get_property_advance_balance(self, company):
        """Return what the partner paid in advance and no bill used yet.

        :rtype: float
        """
        self.ensure_one()
        lines = self._get_property_advance_lines(company)
        return company.currency_id.round(-sum(lines.mapped("amount_residual")))

    def _get_property_open_bill_lines(self, company):
        """Return the receivable lines of the partner's open bills, oldest first."""
        self.ensure_one()
        lines = (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    *self._get_property_receivable_domain(company),
                    ("partner_id", "child_of", self.commercial_partner_id.id),
                    ("amount_residual", ">", 0.0),
                    ("move_id.move_type", "=", "out_invoice"),
                    ("move_id.property_community_id", "!=", False),
                ]
            )
        )
        return lines.sorted(
            lambda line: (
                line.move_id.invoice_date_due or line.date_maturity or line.date,
                line.move_id.invoice_date or line.date,
                line.move_id.id,
                line.date_maturity or line.date,
                line.id,
            )
        )

    def _get_property_partners_with_advance(self, company):
        """Return the commercial partners among these that have an advance.

        One query for the whole set, so a billing run that posts bills for
        thousands of partners without advances pays one query per chunk.
        """
        commercial = self.commercial_partner_id
        if not commercial:
            return commercial
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    *self._get_property_advance_domain(company),
                    ("partner_id.commercial_partner_id", "in", commercial.ids),
                ],
                ["partner_id"],
            )
        )
        return (
            self.browse({partner.commercial_partner_id.id for (partner,) in groups})
            .exists()
            .sorted("id")
        )

    def _apply_property_advance_payments(self, companies=None):
        """Apply each partner's unapplied payments and credits to his open bills.

        Bills are paid oldest due date first; a bill is paid in part when the
        advance left is smaller than what it owes.

        :param companies: res.company records; the current company when None
        :return: the bills paid in full or in part
        """
        companies = companies or self.env.company
        paid = self.env["account.move"]
        for company in companies:
            for partner in self._get_property_partners_with_advance(company):
                advances = partner._get_property_advance_lines(company)
                if not advances:
                    continue
                for bill_line in partner._get_property_open_bill_lines(company):
                    advances = advances.filtered(lambda line: not line.reconciled)
                    if not advances:
                        break
                    (bill_line | advances).with_company(company).reconcile()
                    paid |= bill_line.move_id
        if paid:
            _logger.info(
                "advance payments applied to %d bills of %d partners",
                len(paid),
                len(paid.partner_id.commercial_partner_id),
            )
        return paid
