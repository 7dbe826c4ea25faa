from odoo import api, fields, models, tools
from odoo.tools import SQL

LIVE_CHARGE_INDEX = "property_billing_charge_live_uniq"


class PropertyBillingCharge(models.Model):
    """One fee of one unit for one period: the unit of billing.

    A charge starts as a preview line of a billing run and becomes live once
    it is on an invoice. PostgreSQL refuses a second live charge for the same
    unit, fee item and period start, whichever run or user creates it, except
    for the parts of shared costs, which have an index of their own. A charge
    whose invoice is cancelled or deleted is no longer live.
    """

    _name = "property.billing.charge"
    _description = "Property Billing Charge"
    _order = "period_start desc, community_id, unit_id, fee_item_id, id"
    _check_company_auto = True

    run_id = fields.Many2one(
        comodel_name="property.billing.run",
        string="Billing Run",
        index=True,
        ondelete="cascade",
    )
    unit_id = fields.Many2one(
        comodel_name="property.unit",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    community_id = fields.Many2one(
        comodel_name="property.community", required=True, index=True
    )
    company_id = fields.Many2one(comodel_name="res.company", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    fee_item_id = fields.Many2one(
        comodel_name="property.fee.item",
        required=True,
        index=True,
        ondelete="restrict",
    )
    unit_fee_id = fields.Many2one(
        comodel_name="property.unit.fee",
        string="Unit Fee",
        ondelete="set null",
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Billed To",
        required=True,
        index=True,
    )
    cycle_start = fields.Date(
        required=True, help="First day of the billing cycle the charge belongs to."
    )
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    quantity = fields.Float(
        digits=(16, 2), help="Area in m² for a per-m² fee, 1 for a fixed fee."
    )
    rate = fields.Monetary()
    months = fields.Float(
        digits=(16, 4), help="Months billed, a part of a month counted by its days."
    )
    amount = fields.Monetary()
    label = fields.Char(help="Text of the invoice line.")
    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Invoice",
        index="btree_not_null",
        ondelete="set null",
        copy=False,
    )
    move_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Invoice Line",
        index="btree_not_null",
        ondelete="set null",
        copy=False,
    )
    was_invoiced = fields.Boolean(copy=False)
    state = fields.Selection(
        selection=[
            ("draft", "Preview"),
            ("invoiced", "Invoiced"),
            ("cancelled", "Cancelled"),
        ],
        compute="_compute_state",
        store=True,
        index=True,
        copy=False,
    )

    def init(self):
        # A partial unique index, because cancelled charges must not block
        # billing the same period again; _sql_constraints cannot express that.
        if not tools.index_exists(self.env.cr, LIVE_CHARGE_INDEX):
            self.env.cr.execute(
                SQL(
                    """
                    CREATE UNIQUE INDEX %s
                        ON property_billing_charge (unit_id, fee_item_id, period_start)
                     WHERE state = 'invoiced' AND shared_cost_id IS NULL
                    """,
                    SQL.identifier(LIVE_CHARGE_INDEX),
                )
            )

    @api.depends("move_id.state", "was_invoiced")
    def _compute_state(self):
        for charge in self:
            if charge.move_id:
                charge.state = (
                    "cancelled" if charge.move_id.state == "cancel" else "invoiced"
                )
            else:
                charge.state = "cancelled" if charge.was_invoiced else "draft"

    @api.depends("unit_id", "fee_item_id", "period_start", "period_end")
    def _compute_display_name(self):
        for charge in self:
            charge.display_name = (
                f"{charge.unit_id.display_name} / {charge.fee_item_id.name} "
                f"{charge.period_start} – {charge.period_end}"
            )

    def _unlink_preview(self):
        """Delete the preview charges among these, for the run that made them.

        Billing users may not delete charges, because invoiced charges record
        what was billed. A run still removes its own preview charges when it
        previews again or leaves a charge out.
        """
        self.sudo().filtered(lambda charge: charge.state == "draft").unlink()
