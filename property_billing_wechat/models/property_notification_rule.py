from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import templates


class PropertyNotificationRule(models.Model):
    _inherit = "property.notification.rule"

    wechat_template_id = fields.Char(
        string="WeChat Template ID",
        help="The template_id of the Official Account template message this "
        "step sends on the WeChat channel.",
    )
    wechat_template_fields = fields.Char(
        string="WeChat Template Fields",
        default=templates.DEFAULT_FIELDS,
        help="Which value fills each field of the template, as "
        "key=value pairs separated by commas. Values: "
        + ", ".join(templates.VALUE_NAMES)
        + ".",
    )

    @api.constrains("wechat_template_fields")
    def _check_wechat_template_fields(self):
        for rule in self.filtered("wechat_template_fields"):
            try:
                templates.parse_fields(rule.wechat_template_fields)
            except ValueError as error:
                raise ValidationError(
                    _(
                        "The WeChat template fields of %(rule)s have an invalid "
                        "entry %(entry)r: write key=value, such as thing1=community, "
                        "with a value among %(values)s.",
                        rule=rule.display_name,
                        entry=str(error),
                        values=", ".join(templates.VALUE_NAMES),
                    )
                ) from error
