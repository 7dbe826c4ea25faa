from odoo import fields, models


class PropertyNotificationRule(models.Model):
    _inherit = "property.notification.rule"

    stage = fields.Selection(
        selection_add=[("refund", "Refund Request Update")],
        ondelete={"refund": "cascade"},
    )
