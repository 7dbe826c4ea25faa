from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

STAGES = [
    ("before_due", "Before the Due Date"),
    ("on_due", "On the Due Date"),
    ("after_due", "After the Due Date"),
    ("payment", "Payment Received"),
    ("package_end", "Before a Package Ends"),
]
# Stages that remind an owner of money due: owners may opt out of them, and
# they are skipped for bills whose late fee is on hold.
REMINDER_STAGES = ("before_due", "on_due", "after_due")


class PropertyNotificationRule(models.Model):
    """One step of a community's notification schedule."""

    _name = "property.notification.rule"
    _description = "Property Notification Rule"
    _order = "community_id, stage, days desc, id"
    _check_company_auto = True

    community_id = fields.Many2one(
        comodel_name="property.community",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        related="community_id.company_id", store=True, index=True
    )
    active = fields.Boolean(default=True)
    stage = fields.Selection(selection=STAGES, required=True)
    days = fields.Integer(
        help="Before the due date or a package's end: days before it. After the "
        "due date: days between two reminders. Not used by other stages.",
    )
    max_count = fields.Integer(
        string="At Most",
        default=3,
        help="After the due date: reminders sent at most per bill.",
    )
    channel_ids = fields.Many2many(
        comodel_name="property.notification.channel",
        string="Channels",
        required=True,
    )
    mail_template_id = fields.Many2one(
        comodel_name="mail.template",
        string="Message Template",
        domain="[('model', '=', 'property.notification')]",
        required=True,
        help="Subject and body of the message, rendered in the owner's language. "
        "SMS send the subject only.",
    )

    @api.depends("stage", "days", "max_count")
    def _compute_display_name(self):
        stages = dict(self._fields["stage"]._description_selection(self.env))
        for rule in self:
            stage = stages.get(rule.stage)
            if rule.stage in ("before_due", "package_end"):
                rule.display_name = (
                    _("%(stage)s: 1 day", stage=stage)
                    if rule.days == 1
                    else _("%(stage)s: %(days)s days", stage=stage, days=rule.days)
                )
            elif rule.stage == "after_due":
                rule.display_name = rule._get_after_due_name(stage)
            else:
                rule.display_name = stage

    def _get_after_due_name(self, stage):
        # One whole message per singular and plural case, so that each
        # language can word them as it needs.
        self.ensure_one()
        if self.days == 1 and self.max_count == 1:
            return _("%(stage)s: every day, at most once", stage=stage)
        if self.days == 1:
            return _(
                "%(stage)s: every day, at most %(count)s times",
                stage=stage,
                count=self.max_count,
            )
        if self.max_count == 1:
            return _(
                "%(stage)s: every %(days)s days, at most once",
                stage=stage,
                days=self.days,
            )
        return _(
            "%(stage)s: every %(days)s days, at most %(count)s times",
            stage=stage,
            days=self.days,
            count=self.max_count,
        )

    @api.constrains("stage", "days", "max_count")
    def _check_days(self):
        for rule in self:
            if rule.stage in ("before_due", "after_due", "package_end") and (
                rule.days < 1
            ):
                raise ValidationError(
                    _(
                        "The notification rule %(rule)s needs 1 day or more, not "
                        "%(days)s: enter the number of days.",
                        rule=rule.display_name,
                        days=rule.days,
                    )
                )
            if rule.stage == "after_due" and rule.max_count < 1:
                raise ValidationError(
                    _(
                        "The notification rule %(rule)s sends at most %(count)s "
                        "reminders: enter 1 or more.",
                        rule=rule.display_name,
                        count=rule.max_count,
                    )
                )
