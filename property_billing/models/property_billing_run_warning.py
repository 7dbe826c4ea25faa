from odoo import fields, models


class PropertyBillingRunWarning(models.Model):
    """Something a billing run left out on purpose, with the reason.

    Unlike an error, a warning does not make the run fail: it names what the
    run did not bill, such as a unit without a confirmed reading, so that
    nothing is skipped silently.
    """

    _name = "property.billing.run.warning"
    _description = "Property Billing Run Warning"
    _order = "run_id, id"

    run_id = fields.Many2one(
        comodel_name="property.billing.run",
        required=True,
        index=True,
        ondelete="cascade",
    )
    unit_id = fields.Many2one(comodel_name="property.unit", ondelete="cascade")
    meter_id = fields.Many2one(comodel_name="property.meter", ondelete="cascade")
    fee_item_id = fields.Many2one(comodel_name="property.fee.item", ondelete="cascade")
    shared_cost_id = fields.Many2one(
        comodel_name="property.shared.cost", ondelete="cascade"
    )
    message = fields.Text(required=True)
