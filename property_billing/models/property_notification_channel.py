import logging

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext

from ..tools import notifications as schedule

_logger = logging.getLogger(__name__)


class PropertyNotificationChannel(models.Model):
    """A way to reach owners: email, the portal, SMS.

    Other addons add a channel with ``selection_add`` on ``code``, a data
    record, and a ``_send_<code>(notification)`` method that sends one
    notification or raises an exception saying why it could not.
    """

    _name = "property.notification.channel"
    _description = "Property Notification Channel"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(
        selection=[
            ("email", "Email"),
            ("portal", "Portal Message"),
            ("sms", "SMS"),
        ],
        required=True,
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "Each channel code can be used only once."),
    ]

    def _send(self, notification):
        """Send ``notification`` through this channel.

        :param notification: a property.notification record
        :return: values to write on the notification, such as the mail sent
        :rtype: dict
        :raise: any exception when the channel could not send it
        """
        self.ensure_one()
        method = getattr(self, f"_send_{self.code}", None)
        if method is None:
            raise UserError(
                _(
                    "Channel %(channel)s has no sending method: install the addon "
                    "that provides it or remove the channel from the schedule.",
                    channel=self.name,
                )
            )
        return method(notification) or {}

    def _send_email(self, notification):
        template = notification.rule_id.mail_template_id
        partner = notification.partner_id
        if not template:
            raise UserError(
                _(
                    "The notification rule %(rule)s has no email template: set one "
                    "on the rule.",
                    rule=notification.rule_id.display_name,
                )
            )
        if not partner.email:
            raise UserError(
                _(
                    "%(partner)s has no email address: enter one on the contact.",
                    partner=partner.display_name,
                )
            )
        mail_id = template.send_mail(
            notification.id,
            force_send=True,
            raise_exception=True,
            email_values={"recipient_ids": [(4, partner.id)]},
        )
        mail = self.env["mail.mail"].sudo().browse(mail_id).exists()
        if mail and mail.state == "exception":
            raise UserError(mail.failure_reason or _("The email could not be sent."))
        return {"mail_id": mail_id}

    def _send_portal(self, notification):
        """Post the message on the bill, where the owner reads it on the portal.

        The message is a public comment without notification: followers get
        no email from it, because the email channel sends emails.
        """
        subject, body = notification._render_message()
        move = notification.move_id.sudo()
        message = (
            self.env["mail.message"]
            .sudo()
            .create(
                {
                    "model": move._name,
                    "res_id": move.id,
                    "message_type": "comment",
                    "subtype_id": self.env.ref("mail.mt_comment").id,
                    "subject": subject,
                    "body": body,
                    "author_id": notification.company_id.partner_id.id,
                    "partner_ids": [(4, notification.partner_id.id)],
                }
            )
        )
        return {"message_id": message.id}

    def _send_sms(self, notification):
        """Send an SMS through Odoo's ``sms`` addon when it is installed.

        The text is the message's subject, written to fit in one SMS. The SMS
        goes to Odoo's SMS service at once, so a rejected number or a missing
        credit fails this notification, which the job retries.
        """
        if "sms.sms" not in self.env:
            raise UserError(
                _(
                    "SMS is not configured: install the SMS addon (sms) and buy "
                    "SMS credits, or remove SMS from the schedule."
                )
            )
        partner = notification.partner_id
        raw_number = partner.mobile or partner.phone
        country = (
            partner.country_id
            or notification.community_id.country_id
            or notification.company_id.country_id
        )
        number = schedule.e164_number(raw_number, country.phone_code)
        if not number:
            raise UserError(
                _(
                    "%(partner)s has no valid mobile number (%(number)s): enter one "
                    "in international form, such as +86 138 0013 8000.",
                    partner=partner.display_name,
                    number=raw_number or _("none"),
                )
            )
        subject, body = notification._render_message()
        sms = (
            self.env["sms.sms"]
            .sudo()
            .create(
                {
                    "partner_id": partner.id,
                    "number": number,
                    "body": subject or html2plaintext(body),
                }
            )
        )
        sms._send(unlink_failed=False, unlink_sent=False)
        if sms.state == "outgoing":
            # The service returned no state for this SMS, so it may not have
            # been accepted. Raise, so that the job tries again.
            raise UserError(
                _(
                    "The SMS service returned no result for the SMS to %(number)s.",
                    number=number,
                )
            )
        if sms.state == "error":
            reason = dict(sms._fields["failure_type"]._description_selection(self.env))
            raise UserError(
                _(
                    "The SMS to %(number)s failed: %(reason)s.",
                    number=number,
                    reason=reason.get(sms.failure_type, sms.failure_type),
                )
            )
        _logger.info("notification %s: sms %s sent", notification.id, sms.id)
        return {"provider_reference": sms.uuid}
