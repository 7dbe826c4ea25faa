import math

from werkzeug.urls import url_encode

from odoo import http
from odoo.http import request

from odoo.addons.payment import utils as payment_utils

from .portal_notification import PropertyNotificationPortal


class PropertyAdvancePortal(PropertyNotificationPortal):
    """Advance payments (预存款) on the portal: the balance left, and paying more."""

    @http.route()
    def portal_my_property(self, page=1, **kw):
        response = super().portal_my_property(page=page, **kw)
        company = request.env.company
        partner = request.env.user.partner_id.commercial_partner_id
        response.qcontext.update(
            {
                "advance_balance": partner.sudo()._get_property_advance_balance(
                    company
                ),
                "advance_currency": company.currency_id,
                "advance_error": kw.get("advance_error"),
            }
        )
        return response

    @http.route(
        "/my/property/advance",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_my_property_advance(self, amount=None, **kw):
        """Open Odoo's payment page for an advance of ``amount``."""
        currency = request.env.company.currency_id
        try:
            amount = float(amount or 0)
        except (TypeError, ValueError):
            amount = 0.0
        # "inf" and "nan" parse as floats but are no amount.
        amount = currency.round(amount) if math.isfinite(amount) else 0.0
        if currency.compare_amounts(amount, 0.0) <= 0:
            return request.redirect("/my/property?advance_error=1")
        partner = request.env.user.partner_id
        params = {
            "amount": amount,
            "currency_id": currency.id,
            "partner_id": partner.id,
            "company_id": request.env.company.id,
            "access_token": payment_utils.generate_access_token(
                partner.id, amount, currency.id
            ),
        }
        return request.redirect(f"/payment/pay?{url_encode(params)}")
