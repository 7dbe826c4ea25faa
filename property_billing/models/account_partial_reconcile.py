from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        """Queue the payment confirmations of the property bills reconciled."""
        partials = super().create(vals_list)
        self.env["property.notification"]._queue_payment_confirmations(partials)
        return partials
