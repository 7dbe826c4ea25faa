from datetime import timedelta

from odoo import _, api, fields, models

from ..tools import notifications as schedule


class PropertyNotification(models.Model):
    # Package reminders extend notifications in their own file.
    _inherit = "property.notification"  # pylint: disable=consider-merging-classes-inherited

    package_subscription_id = fields.Many2one(
        comodel_name="property.package.subscription",
        readonly=True,
        index="btree_not_null",
        help="Package-end stage: the subscription that ends. The bill is its invoice.",
    )

    @api.model
    def _queue_reminders(self, now):
        created = super()._queue_reminders(now)
        rules = (
            self.env["property.notification.rule"]
            .sudo()
            .search([("stage", "=", "package_end")])
        )
        for community, community_rules in rules.grouped("community_id").items():
            today = self._get_local_date(now, community.tz)
            created |= self._queue_package_reminders(
                community, community_rules, today, now
            )
        return created

    def _queue_package_reminders(self, community, rules, today, now):
        all_days = rules.mapped("days")
        subscriptions = (
            self.env["property.package.subscription"]
            .sudo()
            .search(
                [
                    ("community_id", "=", community.id),
                    ("state", "=", "paid"),
                    ("date_ended_early", "=", False),
                    ("date_end", ">", today),
                    ("date_end", "<=", today + timedelta(days=max(all_days))),
                ]
            )
        )
        items = []
        for subscription in subscriptions:
            if subscription._get_renewal() or (
                subscription.move_id._property_reminders_opted_out()
            ):
                continue
            days_left = (subscription.date_end - today).days
            for rule in rules:
                if schedule.reminder_stage_due(days_left, rule.days, all_days):
                    items.append(
                        (
                            subscription.move_id,
                            rule,
                            f"package_end:{rule.days}",
                            subscription.partner_id,
                            {"package_subscription_id": subscription.id},
                        )
                    )
        return self._queue_batch(items, now)

    def _get_cancel_reason(self):
        reason = super()._get_cancel_reason()
        if reason or self.stage != "package_end":
            return reason
        if self.package_subscription_id._get_renewal():
            return _("The package was renewed.")
        if self.move_id._property_reminders_opted_out():
            return _("The owner opted out of reminders.")
        return None
