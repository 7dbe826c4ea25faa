from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _post_process(self):
        """Override of `account_payment` to complete or fail refund requests."""
        result = super()._post_process()
        refunds = self.filtered(lambda tx: tx.operation == "refund")
        if refunds:
            self.env["property.refund.request"].sudo().search(
                [("transaction_id", "in", refunds.ids), ("state", "=", "refunding")]
            )._sync_refund_transaction()
        return result
