from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    property_owned_unit_ids = fields.One2many(
        comodel_name="property.unit",
        inverse_name="owner_id",
        string="Owned Units",
    )
    property_billed_unit_ids = fields.One2many(
        comodel_name="property.unit",
        inverse_name="billing_partner_id",
        string="Units Billed",
    )
