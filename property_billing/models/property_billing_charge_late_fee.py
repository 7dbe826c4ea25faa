from odoo import fields, models


class PropertyBillingCharge(models.Model):
    # Meters and late fees extend this model in their own files, one
    # feature per file, rather than in one file for every feature.
    _inherit = "property.billing.charge"  # pylint: disable=consider-merging-classes-inherited

    late_fee_line_ids = fields.One2many(
        comodel_name="property.late.fee.line",
        inverse_name="charge_id",
        string="Late Fees Billed",
        readonly=True,
    )
