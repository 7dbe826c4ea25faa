from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _create_payment(self, **extra_create_values):
        """Apply what the payment leaves unapplied once its invoices are paid.

        A payment without invoices, such as an advance paid on the portal, is
        applied in full to the payer's open bills, oldest first. A payment for
        a sales order is left for the order's invoice.
        """
        payment = super(
            PaymentTransaction, self.with_context(property_skip_advance=True)
        )._create_payment(**extra_create_values)
        if not self._is_property_advance_excluded():
            payment.with_context(property_skip_advance=False)._apply_property_advance()
        return payment

    def _is_property_advance_excluded(self):
        """Tell whether the transaction pays a document other than invoices.

        Addons whose transactions pay other documents extend this.
        """
        self.ensure_one()
        return "sale_order_ids" in self._fields and bool(self.sale_order_ids)
