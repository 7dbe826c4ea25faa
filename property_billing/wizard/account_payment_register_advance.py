from odoo import models


class AccountPaymentRegister(models.TransientModel):
    _inherit = "account.payment.register"

    def _create_payments(self):
        """Apply an overpayment of the chosen bills to the payer's other bills."""
        payments = super(
            AccountPaymentRegister, self.with_context(property_skip_advance=True)
        )._create_payments()
        payments._apply_property_advance()
        return payments
