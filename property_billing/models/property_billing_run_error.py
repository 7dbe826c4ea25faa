from odoo import fields, models


class PropertyBillingRunError(models.Model):
    """A unit that a billing run could not bill, with the reason."""

    _name = "property.billing.run.error"
    _description = "Property Billing Run Error"
    _order = "run_id, id"

    run_id = fields.Many2one(
        comodel_name="property.billing.run",
        required=True,
        index=True,
        ondelete="cascade",
    )
    unit_id = fields.Many2one(comodel_name="property.unit", ondelete="cascade")
    fee_item_id = fields.Many2one(comodel_name="property.fee.item", ondelete="cascade")
    partner_id = fields.Many2one(comodel_name="res.partner", string="Billed To")
    message = fields.Text(required=True)
