from odoo import fields, models


class PropertyBillingCharge(models.Model):
    _inherit = "property.billing.charge"

    late_fee_line_ids = fields.One2many(
        comodel_name="property.late.fee.line",
        inverse_name="charge_id",
        string="Late Fees Billed",
        readonly=True,
    )
