from odoo import fields, models


class AccountMove(models.Model):
    # Each feature extends invoices in its own file.
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    property_package_subscription_ids = fields.One2many(
        comodel_name="property.package.subscription",
        inverse_name="move_id",
        string="Package Subscriptions",
        readonly=True,
    )

    def _get_property_notification_community(self):
        """Notify payments of package invoices on the unit's community schedule."""
        community = super()._get_property_notification_community()
        return (
            community or self.sudo().property_package_subscription_ids[:1].community_id
        )
