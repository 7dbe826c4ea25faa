from odoo import _, models


class PropertyNotification(models.Model):
    _inherit = "property.notification"

    def _get_cancel_reason(self):
        """Override of `property_billing`: WeChat goes to bound owners only."""
        reason = super()._get_cancel_reason()
        if reason or self.channel_id.code != "wechat":
            return reason
        provider = (
            self.env["payment.provider"]
            .sudo()
            .search(
                [
                    ("code", "=", "wechat_pay"),
                    ("state", "=", "enabled"),
                    ("company_id", "=", self.company_id.id),
                ]
            )
            .filtered(lambda p: p._wechat_oa_is_ready())[:1]
        )
        if provider and not self.env["property.wechat.binding"]._get_openid(
            self.partner_id, provider.wechat_pay_appid
        ):
            return _("The owner has not bound WeChat on the portal.")
        return None

    def _wechat_template_values(self):
        """Return the values a template message can show, by name.

        See ``tools.templates.VALUE_NAMES``. The amount is the one the
        message is about (``_get_message_amount``): the payment's on a
        payment confirmation, the amount still due on a reminder.
        """
        self.ensure_one()
        move = self.move_id.sudo()
        return {
            "subject": self._render_message()[0],
            "bill": move.name,
            "amount": self._get_message_amount(),
            "amount_total": move.amount_total,
            "due_date": move.invoice_date_due,
            "community": self.community_id.name,
            "owner": self.partner_id.name,
            "company": self.company_id.name,
        }
