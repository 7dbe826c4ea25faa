from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    property_charge_id = fields.Many2one(
        comodel_name="property.billing.charge",
        string="Property Charge",
        index="btree_not_null",
        readonly=True,
        copy=False,
        ondelete="set null",
    )
