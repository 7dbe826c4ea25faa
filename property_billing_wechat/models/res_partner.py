from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    wechat_binding_ids = fields.One2many(
        comodel_name="property.wechat.binding",
        inverse_name="partner_id",
        string="WeChat Bindings",
        readonly=True,
        groups="property_billing.property_billing_group_user",
        help="The owner's openid under each Official Account, bound by the owner "
        "on the portal.",
    )
