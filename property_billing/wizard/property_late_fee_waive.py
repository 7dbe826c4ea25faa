from odoo import api, fields, models


class PropertyLateFeeWaive(models.TransientModel):
    """Waive all or part of a late fee not billed yet, with a reason."""

    _name = "property.late.fee.waive"
    _description = "Waive a Late Fee"

    late_fee_id = fields.Many2one(
        comodel_name="property.late.fee", required=True, readonly=True
    )
    currency_id = fields.Many2one(related="late_fee_id.currency_id")
    amount_unbilled = fields.Monetary(
        string="Left to Bill", related="late_fee_id.amount_unbilled"
    )
    amount = fields.Monetary(
        string="Amount to Waive",
        compute="_compute_amount",
        store=True,
        readonly=False,
        required=True,
    )
    reason = fields.Text(required=True)

    @api.depends("late_fee_id")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard.late_fee_id.amount_unbilled

    def action_waive(self):
        self.ensure_one()
        self.late_fee_id._waive(self.amount, self.reason)
        return {"type": "ir.actions.act_window_close"}
