from odoo import fields, models


class AccountMove(models.Model):
    # Each feature extends invoices in its own file.
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    property_notification_ids = fields.One2many(
        comodel_name="property.notification",
        inverse_name="move_id",
        string="Owner Notifications",
        readonly=True,
    )
    property_notification_count = fields.Integer(
        compute="_compute_property_notification_count",
        groups="property_billing.property_billing_group_user",
    )

    def _compute_property_notification_count(self):
        counts = dict(
            self.env["property.notification"]._read_group(
                [("move_id", "in", self.ids)], ["move_id"], ["__count"]
            )
        )
        for move in self:
            move.property_notification_count = counts.get(move, 0)

    def _get_property_notification_community(self):
        """Return the community whose schedule notifies about this invoice."""
        self.ensure_one()
        return self.property_community_id

    def _property_reminders_opted_out(self):
        """Tell whether the bill's partner, or his company, refuses reminders."""
        self.ensure_one()
        partner = self.partner_id
        return bool(
            partner.property_notify_opt_out
            or partner.commercial_partner_id.property_notify_opt_out
        )

    def action_view_property_notifications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "property_billing.property_notification_action"
        )
        action["domain"] = [("move_id", "=", self.id)]
        action["context"] = {"create": False}
        return action
