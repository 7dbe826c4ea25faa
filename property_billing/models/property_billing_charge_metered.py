from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError


class PropertyBillingCharge(models.Model):
    """Metered charges: the readings a charge bills and its credit note."""

    # Meters and late fees extend this model in their own files, one
    # feature per file, rather than in one file for every feature.
    _inherit = "property.billing.charge"  # pylint: disable=consider-merging-classes-inherited

    meter_reading_ids = fields.Many2many(
        comodel_name="property.meter.reading",
        relation="property_billing_charge_meter_reading_rel",
        column1="charge_id",
        column2="reading_id",
        string="Meter Readings",
        readonly=True,
        copy=False,
    )
    credit_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Credit Note",
        index="btree_not_null",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="Credit note that cancelled this charge after a reading was "
        "corrected. A credited charge is no longer live.",
    )

    @api.depends("move_id.state", "was_invoiced", "credit_move_id.state")
    def _compute_state(self):
        result = super()._compute_state()
        for charge in self:
            if charge.state == "invoiced" and charge.credit_move_id.state == "posted":
                charge.state = "cancelled"
        return result

    def _credit(self, reason):
        """Cancel live charges with one posted credit note per invoice.

        The credit note is reconciled with the invoice while the invoice is
        unpaid, so the owner owes only the corrected amount.

        :param str reason: text put before each credited line's label
        :return: the credit notes
        """
        refunds = self.env["account.move"]
        for move, charges in self.grouped("move_id").items():
            if not move or any(charge.state != "invoiced" for charge in charges):
                raise UserError(
                    _(
                        "Charges %(charges)s are not on a posted invoice, so "
                        "there is nothing to credit.",
                        charges=", ".join(charges.mapped("display_name")),
                    )
                )
            refund = self.env["account.move"].create(
                {
                    "move_type": "out_refund",
                    "partner_id": move.partner_id.id,
                    "company_id": move.company_id.id,
                    "journal_id": move.journal_id.id,
                    "currency_id": move.currency_id.id,
                    "invoice_date": fields.Date.context_today(self),
                    "invoice_origin": move.name,
                    "reversed_entry_id": move.id,
                    "property_community_id": move.property_community_id.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": charge.fee_item_id.product_id.id,
                                "name": f"{reason}: {charge.label}",
                                "quantity": 1.0,
                                "price_unit": charge.amount,
                                "analytic_distribution": (
                                    charge.move_line_id.analytic_distribution
                                ),
                            }
                        )
                        for charge in charges
                    ],
                }
            )
            refund.action_post()
            charges.credit_move_id = refund
            if move.payment_state in ("not_paid", "partial"):
                (move.line_ids | refund.line_ids).filtered(
                    lambda line: line.account_id.account_type == "asset_receivable"
                    and not line.reconciled
                ).reconcile()
            refunds |= refund
        return refunds
