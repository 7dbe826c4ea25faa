from odoo import fields, models


class ResPartner(models.Model):
    # Each feature extends partners in its own file.
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    property_notify_opt_out = fields.Boolean(
        string="No Payment Reminders",
        help="The owner receives no reminders of bills due or overdue. Payment "
        "confirmations are still sent.",
    )
    property_notification_count = fields.Integer(
        compute="_compute_property_notification_count",
        groups="property_billing.property_billing_group_user",
    )

    def _compute_property_notification_count(self):
        counts = dict(
            self.env["property.notification"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.property_notification_count = counts.get(partner, 0)

    def action_view_property_notifications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "property_billing.property_notification_action"
        )
        action["domain"] = [("partner_id", "child_of", self.commercial_partner_id.id)]
        action["context"] = {"create": False}
        return action
