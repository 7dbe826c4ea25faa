from odoo import _, fields, models


class AccountPayment(models.Model):
    _inherit = "account.payment"

    property_refund_request_id = fields.Many2one(
        comodel_name="property.refund.request",
        string="Refund Request",
        index="btree_not_null",
        readonly=True,
        copy=False,
    )

    def action_post(self):
        result = super().action_post()
        # A bank transfer prepared for a refund request completes it once the
        # accountant confirms the payment.
        for payment in self.filtered("property_refund_request_id"):
            request = payment.property_refund_request_id.sudo()
            if request.state == "refunding" and request.payment_id == payment:
                request._set_done(payment)
        return result

    def action_cancel(self):
        result = super().action_cancel()
        # A cancelled transfer sends nothing back, so its request fails and
        # a retry prepares a new transfer.
        for payment in self.filtered("property_refund_request_id"):
            request = payment.property_refund_request_id.sudo()
            if request.state == "refunding" and request.payment_id == payment:
                request.payment_id = False
                request._set_failed(
                    _(
                        "Bank transfer %(payment)s was cancelled",
                        payment=payment.name or payment.id,
                    )
                )
        return result
