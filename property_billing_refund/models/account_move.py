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
    property_refund_bill_id = fields.Many2one(
        comodel_name="account.move",
        string="Refunded Bill",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Bill whose payment this credit note gives back to the owner. The "
        "credit note is settled by the refund payment, never against the bill.",
    )
    property_amount_paid = fields.Monetary(
        string="Paid by the Owner",
        compute="_compute_property_amount_paid",
        currency_field="company_currency_id",
        help="Payments and bank statement lines reconciled with the bill. "
        "Credit notes, refunds included, are not money paid.",
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

    @api.depends("amount_residual")
    def _compute_property_amount_paid(self):
        paid = self._get_property_paid_amounts()
        for move in self:
            move.property_amount_paid = paid.get(move.id, 0.0)

    def _get_property_paid_amounts(self):
        """Return what payments settled of each bill, in company currency.

        Only reconciliations with the entry of a payment or of a bank
        statement line count: a credit note reconciled with the bill reduces
        what is owed but pays nothing, so it cannot be refunded.

        :return: {move id: amount}
        :rtype: dict
        """
        ids = [move_id for move_id in self.ids if move_id]
        if not ids:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT bill_line.move_id, SUM(partial.amount)
              FROM account_partial_reconcile partial
              JOIN account_move_line bill_line
                ON bill_line.id = partial.debit_move_id
              JOIN account_move_line paid_line
                ON paid_line.id = partial.credit_move_id
              JOIN account_move paid_move ON paid_move.id = paid_line.move_id
             WHERE bill_line.move_id IN %s
               AND bill_line.display_type = 'payment_term'
               AND (paid_move.origin_payment_id IS NOT NULL
                    OR paid_move.statement_line_id IS NOT NULL)
          GROUP BY bill_line.move_id
            """,
            [tuple(ids)],
        )
        rows = self.env.cr.fetchall()
        currencies = {move.id: move.company_currency_id for move in self}
        return {move_id: currencies[move_id].round(amount) for move_id, amount in rows}

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
