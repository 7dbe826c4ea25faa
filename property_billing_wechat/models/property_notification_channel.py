from odoo import _, fields, models
from odoo.exceptions import UserError

from ..tools import errors, templates


class PropertyNotificationChannel(models.Model):
    _inherit = "property.notification.channel"

    code = fields.Selection(
        selection_add=[("wechat", "WeChat")], ondelete={"wechat": "cascade"}
    )

    def _send_wechat(self, notification):
        """Send ``notification`` as an Official Account template message.

        Any notification kind works: the rule names the template and which
        values fill its fields. A refused message raises a UserError naming
        the errcode, so the framework records it and retries later.
        """
        rule = notification.rule_id
        company = notification.company_id
        provider = self.env["payment.provider"]._wechat_oa_get_provider(company)
        openid = self.env["property.wechat.binding"]._get_openid(
            notification.partner_id, provider.sudo().wechat_pay_appid
        )
        if not openid:
            raise UserError(
                _(
                    "%(partner)s has not bound WeChat on the portal.",
                    partner=notification.partner_id.display_name,
                )
            )
        if not rule.wechat_template_id:
            raise UserError(
                _(
                    "The notification rule %(rule)s has no WeChat template ID: "
                    "enter the template's ID from the Official Account platform.",
                    rule=rule.display_name,
                )
            )
        pairs = templates.parse_fields(
            rule.wechat_template_fields or templates.DEFAULT_FIELDS
        )
        move = notification.move_id.sudo()
        message = {
            "touser": openid,
            "template_id": rule.wechat_template_id,
            "url": move.get_base_url() + move.get_portal_url(),
            "data": templates.build_data(
                pairs,
                notification._wechat_template_values(),
                move.currency_id.decimal_places,
            ),
            # WeChat drops a second send with the same id within 10 minutes,
            # so a retry after a lost response does not send it twice.
            "client_msg_id": f"pbn{notification.id}",
        }
        try:
            msgid = provider._wechat_oa_send_template(message)
        except errors.WeChatOfficialAccountError as error:
            raise UserError(
                _(
                    "WeChat refused the template message (errcode %(errcode)s: "
                    "%(errmsg)s).",
                    errcode=error.errcode,
                    errmsg=error.errmsg,
                )
            ) from error
        return {"provider_reference": str(msgid or "")}
