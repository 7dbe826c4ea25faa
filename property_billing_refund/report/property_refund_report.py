from odoo import fields, models, tools
from odoo.tools import SQL


class PropertyRefundReport(models.Model):
    """Refunded amount per credit note line, by fee item, reason and month."""

    _name = "property.refund.report"
    _description = "Property Refund Analysis"
    _auto = False
    _order = "date desc, id"

    request_id = fields.Many2one(comodel_name="property.refund.request", readonly=True)
    credit_note_id = fields.Many2one(comodel_name="account.move", readonly=True)
    fee_item_id = fields.Many2one(comodel_name="property.fee.item", readonly=True)
    community_id = fields.Many2one(comodel_name="property.community", readonly=True)
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Owner", readonly=True
    )
    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    currency_id = fields.Many2one(comodel_name="res.currency", readonly=True)
    reason = fields.Selection(
        selection=lambda self: (
            self.env["property.refund.request"]._fields["reason"].selection
        ),
        readonly=True,
    )
    date = fields.Date(string="Refund Date", readonly=True)
    amount = fields.Monetary(string="Refunded", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        # A credit note line belongs to the fee item whose product it bills.
        # The date is the refund's, so a month groups money actually sent back.
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                    SELECT line.id AS id,
                           request.id AS request_id,
                           request.credit_note_id AS credit_note_id,
                           (SELECT fee.id
                              FROM property_fee_item fee
                             WHERE fee.product_id = line.product_id
                               AND fee.company_id = request.company_id
                             ORDER BY fee.id
                             LIMIT 1) AS fee_item_id,
                           request.community_id AS community_id,
                           request.partner_id AS partner_id,
                           request.company_id AS company_id,
                           line.company_currency_id AS currency_id,
                           request.reason AS reason,
                           request.date_refunded AS date,
                           line.balance AS amount
                      FROM property_refund_request request
                      JOIN account_move_line line
                        ON line.move_id = request.credit_note_id
                       AND line.display_type = 'product'
                     WHERE request.state = 'done'
                )
                """,
                SQL.identifier(self._table),
            )
        )
