from odoo import api, fields, models

from .property_refund_request import OPEN_STATES


class AccountMove(models.Model):
    _inherit = "account.move"

    property_refund_request_ids = fields.One2many(
        comodel_name="property.refund.request",
        inverse_name="move_id",
        string="Refund Requests",
        readonly=True,
    )
    property_amount_refunded = fields.Monetary(
        string="Refunded",
        compute="_compute_property_refund",
        currency_field="company_currency_id",
        help="Amount given back to the owner by refund requests that are done.",
    )
    property_refund_open = fields.Boolean(
        string="Refund in Progress", compute="_compute_property_refund"
    )

    @api.depends(
        "property_refund_request_ids.state", "property_refund_request_ids.amount"
    )
    def _compute_property_refund(self):
        for move in self:
            requests = move.sudo().property_refund_request_ids
            done = requests.filtered(lambda request: request.state == "done")
            move.property_amount_refunded = move.company_currency_id.round(
                sum(done.mapped("amount"))
            )
            move.property_refund_open = any(
                request.state in OPEN_STATES for request in requests
            )

    def action_view_property_refund_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "property_billing_refund.property_refund_request_action"
        )
        action["domain"] = [("move_id", "=", self.id)]
        action["context"] = {"default_move_id": self.id}
        return action
