from odoo import models


class AccountPayment(models.Model):
    _inherit = "account.payment"

    def action_post(self):
        """Apply inbound customer payments left unapplied to the payer's bills.

        Flows that reconcile the payment with chosen invoices right after
        posting it (the payment wizard, online payments of an invoice) set
        ``property_skip_advance`` and apply what is left once they are done.
        """
        result = super().action_post()
        if not self.env.context.get("property_skip_advance"):
            self._apply_property_advance()
        return result

    def _apply_property_advance(self):
        payments = self.filtered(
            lambda payment: (
                payment.state in ("in_process", "paid")
                and payment.payment_type == "inbound"
                and payment.partner_type == "customer"
                and payment.partner_id
            )
        )
        for company, company_payments in payments.grouped("company_id").items():
            company_payments.partner_id._apply_property_advance_payments(company)
