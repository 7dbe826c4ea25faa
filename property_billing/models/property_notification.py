import logging
from datetime import timedelta

import pytz
from psycopg2 import OperationalError

from odoo import _, api, fields, models, modules

from ..tools import notifications as schedule
from .property_notification_rule import REMINDER_STAGES, STAGES

_logger = logging.getLogger(__name__)

# Notifications sent per scheduled-action call; the job triggers itself again
# while more are due.
SEND_BATCH_SIZE = 200
# Bills whose due date is further away than this are not reminded of yet,
# whatever reminder days the schedule sets.
MAX_SCHEDULE_DAYS = 366
# Days after the last after-due reminder falls due during which a job that did
# not run still sends it. Older bills are not searched again every hour.
CATCH_UP_DAYS = 7


class PropertyNotification(models.Model):
    """One message to one owner about one bill, on one channel.

    The record is created when the message is due, then sent by the
    scheduled action outside the community's quiet hours. The unique key
    (bill, stage key, channel) makes each message go once, even when the job
    runs twice or a payment is reconciled again.
    """

    _name = "property.notification"
    _description = "Property Owner Notification"
    _order = "create_date desc, id desc"
    _rec_name = "move_id"
    _check_company_auto = True

    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Bill",
        required=True,
        index=True,
        readonly=True,
        ondelete="cascade",
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Owner",
        required=True,
        index=True,
        readonly=True,
    )
    community_id = fields.Many2one(
        comodel_name="property.community", required=True, index=True, readonly=True
    )
    company_id = fields.Many2one(
        related="community_id.company_id", store=True, index=True
    )
    rule_id = fields.Many2one(
        comodel_name="property.notification.rule",
        required=True,
        readonly=True,
        ondelete="cascade",
    )
    stage = fields.Selection(selection=STAGES, required=True, readonly=True)
    key = fields.Char(
        required=True,
        readonly=True,
        help="Which message of the stage this is, such as 'before_due:7' or "
        "'payment:<payment entry id>'.",
    )
    channel_id = fields.Many2one(
        comodel_name="property.notification.channel",
        required=True,
        readonly=True,
        ondelete="restrict",
    )
    payment_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Payment Entry",
        readonly=True,
        help="Payment stage: the entry of the payment reconciled with the bill.",
    )
    state = fields.Selection(
        selection=[
            ("queued", "Queued"),
            ("retry", "To Retry"),
            ("sent", "Sent"),
            ("failed", "Failed"),
            ("cancelled", "Cancelled"),
        ],
        default="queued",
        required=True,
        index=True,
        readonly=True,
    )
    scheduled_at = fields.Datetime(
        string="Send After",
        required=True,
        readonly=True,
        help="Not sent before this moment: outside quiet hours, after the retry delay.",
    )
    date_sent = fields.Datetime(string="Sent On", readonly=True)
    attempt_count = fields.Integer(string="Attempts", readonly=True)
    error = fields.Text(readonly=True, help="Why the last try failed or was cancelled.")
    lang = fields.Char(string="Language", readonly=True)
    mail_id = fields.Many2one(comodel_name="mail.mail", string="Email", readonly=True)
    message_id = fields.Many2one(
        comodel_name="mail.message", string="Portal Message", readonly=True
    )
    provider_reference = fields.Char(
        readonly=True,
        help="Reference of the message at the service that sent it, such as "
        "the SMS's UUID.",
    )
    amount_residual = fields.Monetary(
        related="move_id.amount_residual", string="Amount Due"
    )
    amount_left = fields.Monetary(
        string="Left to Pay",
        readonly=True,
        help="Payment stage: what was left to pay on the bill right after the "
        "payment, whenever the message is sent.",
    )
    currency_id = fields.Many2one(related="move_id.currency_id")

    _sql_constraints = [
        (
            "move_key_channel_uniq",
            "unique(move_id, key, channel_id)",
            "Each message goes once per bill, stage and channel.",
        ),
    ]

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_retry(self):
        """Send failed or cancelled messages again at the next allowed hour."""
        now = fields.Datetime.now()
        for notification in self.filtered(lambda n: n.state in ("failed", "cancelled")):
            notification.write(
                {
                    "state": "retry",
                    "scheduled_at": schedule.next_send_time(
                        now, notification.community_id.tz
                    ),
                }
            )
        self.env.ref("property_billing.ir_cron_property_notification").sudo()._trigger()
        return True

    # ------------------------------------------------------------
    # BUSINESS METHODS: QUEUEING
    # ------------------------------------------------------------

    @api.model
    def _queue(self, move, rule, key, now, partner=None, **values):
        """Create the messages of ``rule`` for ``move`` not created yet.

        :param move: the bill (an account.move record)
        :param rule: a property.notification.rule record
        :param str key: the message's key within the stage
        :param datetime now: naive UTC now
        :param partner: the recipient; the bill's partner when None
        :return: the notifications created
        """
        return self._queue_batch([(move, rule, key, partner, values)], now)

    @api.model
    def _queue_batch(self, items, now):
        """Create the messages of many (bill, rule, key) items in one go.

        One query finds the messages that exist already, so the hourly job
        costs the same whether it creates new messages or not.

        :param list items: tuples (move, rule, key, partner or None, values)
        :param datetime now: naive UTC now
        :return: the notifications created
        """
        # Owners' payments and staff actions queue messages; only the job and
        # managers change them afterwards.
        self = self.sudo()
        if not items:
            return self.browse()
        existing = set()
        for notification in self.search_fetch(
            [
                ("move_id", "in", list({item[0].id for item in items})),
                ("key", "in", list({item[2] for item in items})),
            ],
            ["move_id", "key", "channel_id"],
        ):
            existing.add(
                (notification.move_id.id, notification.key, notification.channel_id.id)
            )
        vals_list = []
        for move, rule, key, partner, values in items:
            partner = partner or move.partner_id
            scheduled_at = schedule.next_send_time(now, rule.community_id.tz)
            for channel in rule.channel_ids:
                if not channel.active or (move.id, key, channel.id) in existing:
                    continue
                existing.add((move.id, key, channel.id))
                vals_list.append(
                    {
                        "move_id": move.id,
                        "partner_id": partner.id,
                        "community_id": rule.community_id.id,
                        "rule_id": rule.id,
                        "stage": rule.stage,
                        "key": key,
                        "channel_id": channel.id,
                        "scheduled_at": scheduled_at,
                        "lang": partner.lang,
                        **values,
                    }
                )
        return self.create(vals_list)

    @api.model
    def _queue_reminders(self, now):
        """Queue the reminders due ``now`` in every community with a schedule."""
        rules = (
            self.env["property.notification.rule"]
            .sudo()
            .search([("stage", "in", REMINDER_STAGES)])
        )
        created = self.browse()
        for community, community_rules in rules.grouped("community_id").items():
            today = self._get_local_date(now, community.tz)
            created |= self._queue_community_reminders(
                community, community_rules, today, now
            )
        return created

    def _queue_community_reminders(self, community, rules, today, now):
        before_days = [r.days for r in rules if r.stage == "before_due"]
        after_span = max(
            (r.days * r.max_count for r in rules if r.stage == "after_due"), default=0
        )
        if after_span:
            after_span += CATCH_UP_DAYS
        Move = self.env["account.move"].sudo()
        bills = Move.search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("property_community_id", "=", community.id),
                ("payment_state", "in", ("not_paid", "partial")),
                ("property_late_fee_on_hold", "=", False),
                ("invoice_date_due", ">=", today - timedelta(days=after_span)),
                (
                    "invoice_date_due",
                    "<=",
                    today
                    + timedelta(
                        days=min(max(before_days, default=0), MAX_SCHEDULE_DAYS)
                    ),
                ),
            ]
        )
        items = []
        for bill in bills:
            if bill._property_reminders_opted_out():
                continue
            days_left = (bill.invoice_date_due - today).days
            for rule in rules:
                key = self._get_reminder_key(rule, days_left, before_days)
                if key:
                    items.append((bill, rule, key, None, {}))
        return self._queue_batch(items, now)

    @api.model
    def _get_reminder_key(self, rule, days_left, before_days):
        """Return the key of the reminder ``rule`` sends today, or None."""
        if rule.stage == "before_due":
            if schedule.reminder_stage_due(days_left, rule.days, before_days):
                return f"before_due:{rule.days}"
        elif rule.stage == "on_due":
            if days_left == 0:
                return "on_due"
        elif rule.stage == "after_due":
            occurrence = schedule.overdue_occurrence(
                -days_left, rule.days, rule.max_count
            )
            if occurrence:
                return f"after_due:{rule.days}:{occurrence}"
        return None

    @api.model
    def _queue_payment_confirmations(self, partials, now=None):
        """Queue a confirmation for each bill paid by these reconciliations.

        The key names the payment's entry, so a payment reconciled, then
        unreconciled and reconciled again is confirmed once.
        """
        now = now or fields.Datetime.now()
        rules = (
            self.env["property.notification.rule"]
            .sudo()
            .search([("stage", "=", "payment")])
            .grouped("community_id")
        )
        if not rules:
            return self.browse()
        items = []
        for partial in partials.sudo():
            pairs = (
                (partial.debit_move_id.move_id, partial.credit_move_id.move_id),
                (partial.credit_move_id.move_id, partial.debit_move_id.move_id),
            )
            for bill, payment_move in pairs:
                community = bill._get_property_notification_community()
                # Credit notes and other invoices settle a bill but are no payment.
                if (
                    bill.move_type != "out_invoice"
                    or not community
                    or payment_move.move_type != "entry"
                ):
                    continue
                for rule in rules.get(community, ()):
                    items.append(
                        (
                            bill,
                            rule,
                            f"payment:{payment_move.id}",
                            None,
                            {
                                "payment_move_id": payment_move.id,
                                "amount_left": bill.amount_residual,
                            },
                        )
                    )
        created = self._queue_batch(items, now)
        if created:
            self.env.ref(
                "property_billing.ir_cron_property_notification"
            ).sudo()._trigger()
        return created

    @api.model
    def _get_local_date(self, now, tz_name):
        local = pytz.utc.localize(now).astimezone(pytz.timezone(tz_name or "UTC"))
        return local.date()

    # ------------------------------------------------------------
    # BUSINESS METHODS: SENDING
    # ------------------------------------------------------------

    def _get_message_amount(self):
        """Return the amount the message is about.

        That is the payment's amount on a payment confirmation, else the
        amount of the bill still due. Other stages override it.
        """
        self.ensure_one()
        if self.payment_move_id:
            return self.payment_move_id.sudo().amount_total
        return self.move_id.sudo().amount_residual

    def _render_message(self):
        """Render the rule's subject and body in the owner's language.

        :return: (subject, body html)
        :rtype: tuple
        """
        self.ensure_one()
        template = self.rule_id.mail_template_id.sudo()
        subject = template._render_field("subject", self.ids, compute_lang=True)
        body = template._render_field(
            "body_html", self.ids, engine="qweb", compute_lang=True
        )
        return subject[self.id], body[self.id]

    def _get_cancel_reason(self):
        """Return why this message must no longer be sent, or None."""
        self.ensure_one()
        if self.stage not in REMINDER_STAGES:
            return None
        bill = self.move_id
        if bill.state != "posted" or bill.payment_state not in ("not_paid", "partial"):
            return _("The bill is no longer due.")
        if bill.property_late_fee_on_hold:
            return _("A refund or a dispute of the bill is open.")
        if bill._property_reminders_opted_out():
            return _("The owner opted out of reminders.")
        return None

    def _send_now(self, now):
        """Send each of these notifications once, recording success or failure."""
        for notification in self:
            reason = notification._get_cancel_reason()
            if reason:
                notification.write({"state": "cancelled", "error": reason})
                continue
            channel = notification.channel_id.with_context(
                lang=notification.partner_id.lang or notification.env.lang
            )
            try:
                with self.env.cr.savepoint():
                    values = channel._send(notification)
            except OperationalError:
                raise
            except Exception as error:  # noqa: BLE001  (recorded and retried)
                notification._record_failure(error, now)
                continue
            notification.write(
                {
                    "state": "sent",
                    "date_sent": now,
                    "attempt_count": notification.attempt_count + 1,
                    "error": False,
                    **values,
                }
            )
            _logger.info(
                "notification %s sent: bill %s, stage %s, channel %s",
                notification.id,
                notification.move_id.id,
                notification.key,
                channel.code,
            )

    def _record_failure(self, error, now):
        self.ensure_one()
        attempts = self.attempt_count + 1
        message = str(error.args[0]) if getattr(error, "args", None) else str(error)
        values = {"attempt_count": attempts, "error": message}
        if attempts >= schedule.MAX_ATTEMPTS:
            values["state"] = "failed"
        else:
            values["state"] = "retry"
            values["scheduled_at"] = schedule.next_send_time(
                now + schedule.retry_delay(attempts), self.community_id.tz
            )
        self.write(values)
        _logger.warning(
            "notification %s failed (attempt %s): bill %s, channel %s: %s",
            self.id,
            attempts,
            self.move_id.id,
            self.channel_id.code,
            message,
        )

    @api.model
    def _cron_send_notifications(self, now=None):
        """Queue the reminders due and send every message due, in batches."""
        self = self.sudo()
        now = now or fields.Datetime.now()
        self._queue_reminders(now)
        self._commit_progress()
        due = self.search(
            [("state", "in", ("queued", "retry")), ("scheduled_at", "<=", now)],
            order="scheduled_at, id",
            limit=SEND_BATCH_SIZE + 1,
        )
        for notification in due[:SEND_BATCH_SIZE]:
            notification._send_now(now)
            # An email sent must stay recorded as sent even if a later one
            # breaks the transaction, or the next run would send it twice.
            self._commit_progress()
        if len(due) > SEND_BATCH_SIZE:
            self.env.ref(
                "property_billing.ir_cron_property_notification"
            ).sudo()._trigger()

    def _commit_progress(self):
        if modules.module.current_test:
            return
        self.env.cr.commit()  # pylint: disable=invalid-commit
