from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _create_payment(self, **extra_create_values):
        """Apply what the payment leaves unapplied once its invoices are paid.

        A payment without invoices, such as an advance paid on the portal, is
        applied in full to the payer's open bills, oldest first.
        """
        payment = super(
            PaymentTransaction, self.with_context(property_skip_advance=True)
        )._create_payment(**extra_create_values)
        payment.with_context(property_skip_advance=False)._apply_property_advance()
        return payment
