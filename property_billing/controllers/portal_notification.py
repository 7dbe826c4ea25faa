from odoo import http
from odoo.http import request

from .portal import PropertyPortal


class PropertyNotificationPortal(PropertyPortal):
    """Let owners turn payment reminders off and on from My Property."""

    @http.route()
    def portal_my_property(self, page=1, **kw):
        response = super().portal_my_property(page=page, **kw)
        response.qcontext["reminders_opted_out"] = (
            request.env.user.partner_id.property_notify_opt_out
        )
        return response

    @http.route(
        "/my/property/reminders",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_my_property_reminders(self, opt_out=None, **kw):
        """Store the owner's choice: reminders off when ``opt_out`` is sent.

        Payment confirmations are sent whatever the choice.
        """
        # Portal users cannot write partners; this writes one field of the
        # user's own partner only.
        request.env.user.partner_id.sudo().property_notify_opt_out = bool(opt_out)
        return request.redirect("/my/property")
