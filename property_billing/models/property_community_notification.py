from odoo import fields, models


class PropertyCommunity(models.Model):
    # Each feature extends communities in its own file.
    _inherit = "property.community"  # pylint: disable=consider-merging-classes-inherited

    notification_rule_ids = fields.One2many(
        comodel_name="property.notification.rule",
        inverse_name="community_id",
        string="Notification Schedule",
    )
