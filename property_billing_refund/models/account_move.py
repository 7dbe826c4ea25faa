from odoo import api, fields, models

from .property_refund_request import OPEN_STATES, RESERVING_STATES


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
    property_amount_refundable = fields.Monetary(
        string="Left to Refund",
        compute="_compute_property_amount_refundable",
        currency_field="company_currency_id",
        help="Paid by the owner less the amounts of the bill's refund requests "
        "that are submitted, approved, refunding, refunded or failed.",
    )
    property_refund_credit_note_ids = fields.One2many(
        comodel_name="account.move",
        inverse_name="property_refund_bill_id",
        string="Refund Credit Notes",
        readonly=True,
    )
    property_amount_refunded = fields.Monetary(
        string="Refunded",
        compute="_compute_property_refund_status",
        store=True,
        currency_field="company_currency_id",
        help="Money paid back to the owner: the part of the bill's refund credit "
        "notes settled by an outbound payment or a bank statement line. A "
        "credit note waiting for its refund counts for nothing.",
    )
    property_refund_status = fields.Selection(
        selection=[
            ("none", "Not Refunded"),
            ("partial", "Partially Refunded"),
            ("refunded", "Refunded"),
        ],
        string="Refund Status",
        compute="_compute_property_refund_status",
        store=True,
        index=True,
        help="Refunded once the money paid back reaches what payments settled "
        "of the bill; partially refunded before that.",
    )
    property_refund_open = fields.Boolean(
        string="Refund in Progress", compute="_compute_property_refund_open"
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
        "amount_residual",
        "property_refund_request_ids.state",
        "property_refund_request_ids.amount",
    )
    def _compute_property_amount_refundable(self):
        paid = self._get_property_paid_amounts()
        for move in self:
            reserved = sum(
                request.amount
                for request in move.sudo().property_refund_request_ids
                if request.state in RESERVING_STATES
            )
            move.property_amount_refundable = max(
                move.company_currency_id.round(paid.get(move.id, 0.0) - reserved),
                0.0,
            )

    @api.depends("property_refund_request_ids.state")
    def _compute_property_refund_open(self):
        for move in self:
            move.property_refund_open = any(
                request.state in OPEN_STATES
                for request in move.sudo().property_refund_request_ids
            )

    @api.depends(
        "amount_residual",
        "property_refund_credit_note_ids.state",
        "property_refund_credit_note_ids.amount_residual",
    )
    def _compute_property_refund_status(self):
        for move in self:
            currency = move.company_currency_id
            refunded = currency.round(
                sum(
                    move._get_property_paid_out_amount(credit_note)
                    for credit_note in move.sudo().property_refund_credit_note_ids
                    if credit_note.state == "posted"
                )
            )
            move.property_amount_refunded = refunded
            if currency.is_zero(refunded):
                move.property_refund_status = "none"
                continue
            paid = move._get_property_received_amount()
            move.property_refund_status = (
                "refunded"
                if currency.compare_amounts(refunded, paid) >= 0
                else "partial"
            )

    @api.model
    def _is_property_money_entry(self, move):
        """Tell whether ``move`` is the entry of a payment or a bank statement line."""
        return bool(move.origin_payment_id or move.statement_line_id)

    def _get_property_paid_out_amount(self, credit_note):
        """Return what payments paid out of ``credit_note``, in company currency.

        Reconciling the credit note with another invoice settles it without
        paying the owner anything, so only payment entries count.
        """
        lines = credit_note.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        return sum(
            partial.amount
            for partial in lines.matched_debit_ids
            if self._is_property_money_entry(partial.debit_move_id.move_id)
        )

    def _get_property_received_amount(self):
        """Return what payments settled of this bill, in company currency.

        The ORM counterpart of :meth:`_get_property_paid_amounts`, usable in a
        stored compute where that method's flush would recompute this field.
        """
        self.ensure_one()
        lines = self.sudo().line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        return self.company_currency_id.round(
            sum(
                partial.amount
                for partial in lines.matched_credit_ids
                if self._is_property_money_entry(partial.credit_move_id.move_id)
            )
        )

    def action_view_property_refund_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "property_billing_refund.property_refund_request_action"
        )
        action["domain"] = [("move_id", "=", self.id)]
        action["context"] = {"default_move_id": self.id}
        return action
