from odoo import models


class PropertyBillingRun(models.Model):
    # Each feature extends billing runs in its own file.
    _inherit = "property.billing.run"  # pylint: disable=consider-merging-classes-inherited

    def _invoice_charges(self, charges):
        """Apply the billing partners' advance payments to the bills just posted."""
        moves = super()._invoice_charges(charges)
        if moves:
            moves.partner_id._apply_property_advance_payments(self.company_id)
        return moves
