from odoo import api, fields, models

from .property_refund_request import NOTIFIED_STATES, STATES


class PropertyNotification(models.Model):
    """Refund request updates sent to the owner as property notifications.

    Each update is keyed ``refund:<request id>:<state>`` on the request's
    bill, so an owner gets one message per request, state and channel, even
    when a retried refund fails twice.
    """

    _inherit = "property.notification"

    stage = fields.Selection(
        selection_add=[("refund", "Refund Request Update")],
        ondelete={"refund": "cascade"},
    )
    refund_request_id = fields.Many2one(
        comodel_name="property.refund.request",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
        help="Refund stage: the request whose state changed.",
    )
    refund_state = fields.Selection(
        selection=STATES,
        readonly=True,
        help="Refund stage: the state the request reached, which the message "
        "announces even if the request moved on before it was sent.",
    )
    refund_state_label = fields.Char(compute="_compute_refund_state_label")

    @api.depends("refund_state")
    @api.depends_context("lang")
    def _compute_refund_state_label(self):
        labels = dict(self._fields["refund_state"]._description_selection(self.env))
        for notification in self:
            notification.refund_state_label = labels.get(notification.refund_state, "")

    @api.model
    def _queue_refund_updates(self, requests, now=None):
        """Queue a message to the owner for the state each request just reached.

        :param requests: property.refund.request records in a notified state
        :param datetime now: naive UTC now
        :return: the notifications created
        """
        now = now or fields.Datetime.now()
        requests = requests.sudo().filtered(lambda r: r.state in NOTIFIED_STATES)
        if not requests:
            return self.browse()
        rules = (
            self.env["property.notification.rule"]
            .sudo()
            .search(
                [
                    ("stage", "=", "refund"),
                    ("community_id", "in", requests.community_id.ids),
                ]
            )
            .grouped("community_id")
        )
        items = []
        for request in requests:
            for rule in rules.get(request.community_id, ()):
                items.append(
                    (
                        request.move_id,
                        rule,
                        f"refund:{request.id}:{request.state}",
                        None,
                        {
                            "refund_request_id": request.id,
                            "refund_state": request.state,
                        },
                    )
                )
        created = self._queue_batch(items, now)
        if created:
            self.env.ref(
                "property_billing.ir_cron_property_notification"
            ).sudo()._trigger()
        return created

    def _get_message_amount(self):
        """Return the requested refund amount on a refund request update."""
        if self.refund_request_id:
            return self.refund_request_id.sudo().amount
        return super()._get_message_amount()
