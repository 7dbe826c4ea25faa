import logging

from odoo import _, fields, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

_logger = logging.getLogger(__name__)


class PropertyRefundPortal(CustomerPortal):
    """Owner pages to ask for a refund of a paid bill and follow the request.

    Lists and pages read through the logged-in user's environment, so the
    portal record rules decide which requests an owner sees. A request is
    created in that environment too, so the rules reject a bill of another
    owner even when its id is typed into the form.
    """

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "property_refund_count" in counters:
            Request = request.env["property.refund.request"]
            values["property_refund_count"] = (
                Request.search_count([], limit=1) if Request.has_access("read") else 0
            )
        return values

    def _get_refund_bill(self, invoice_id):
        """Return the user's own paid property bill ``invoice_id``, sudoed.

        :raise AccessError: when the bill is not the user's or not refundable
        """
        bill_sudo = self._document_check_access("account.move", int(invoice_id))
        partner = request.env.user.commercial_partner_id
        if (
            bill_sudo.move_type != "out_invoice"
            or bill_sudo.state != "posted"
            or not bill_sudo.property_community_id
            or bill_sudo.commercial_partner_id != partner
        ):
            raise AccessError(_("This bill is not one of your property bills."))
        return bill_sudo

    @http.route(
        ["/my/refunds", "/my/refunds/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_refunds(self, page=1, **kw):
        Request = request.env["property.refund.request"]
        count = Request.search_count([]) if Request.has_access("read") else 0
        pager = portal_pager(
            url="/my/refunds", total=count, page=page, step=self._items_per_page
        )
        requests = (
            Request.search([], limit=self._items_per_page, offset=pager["offset"])
            if count
            else Request
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "property_refunds",
                "refund_requests": requests,
                "pager": pager,
            }
        )
        return request.render("property_billing_refund.portal_my_refunds", values)

    @http.route("/my/refunds/<int:request_id>", type="http", auth="user", website=True)
    def portal_my_refund(self, request_id, **kw):
        try:
            refund_sudo = self._document_check_access(
                "property.refund.request", request_id
            )
        except (AccessError, MissingError):
            return request.redirect("/my/refunds")
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "property_refund",
                "refund": refund_sudo,
                "message": kw.get("message"),
            }
        )
        return request.render("property_billing_refund.portal_my_refund", values)

    @http.route(
        "/my/refunds/new/<int:invoice_id>",
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
    )
    def portal_my_refund_new(self, invoice_id, **post):
        try:
            bill_sudo = self._get_refund_bill(invoice_id)
        except (AccessError, MissingError) as error:
            _logger.info(
                "refund request form for invoice %s rejected for user %s: %s",
                invoice_id,
                request.env.uid,
                error,
            )
            return request.redirect("/my/refunds")
        error = None
        if request.httprequest.method == "POST":
            try:
                refund = self._create_refund_request(bill_sudo, post)
            except (UserError, ValueError) as failure:
                error = failure.args[0] if failure.args else str(failure)
            else:
                return request.redirect(f"/my/refunds/{refund.id}")
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "property_refund_new",
                "bill": bill_sudo,
                "lines": bill_sudo.invoice_line_ids.filtered(
                    lambda line: line.display_type == "product"
                ),
                "reasons": request.env["property.refund.request"]
                ._fields["reason"]
                ._description_selection(request.env),
                "error": error,
                "post": post,
            }
        )
        return request.render("property_billing_refund.portal_my_refund_new", values)

    def _create_refund_request(self, bill_sudo, post):
        """Create and submit the owner's request, or nothing when it is rejected."""
        Request = request.env["property.refund.request"]
        line_ids = [
            int(line_id)
            for line_id in request.httprequest.form.getlist("line_ids")
            if line_id.isdigit()
        ]
        lines = bill_sudo.invoice_line_ids.filtered(lambda line: line.id in line_ids)
        values = {
            "move_id": bill_sudo.id,
            "reason": post.get("reason") or "other",
            "description": post.get("description") or False,
            "service_end_date": fields.Date.to_date(post.get("service_end_date"))
            if post.get("service_end_date")
            else False,
            "amount": float(post.get("amount") or 0.0),
        }
        if lines:
            values["line_ids"] = [fields.Command.set(lines.ids)]
        with request.env.cr.savepoint():
            refund = Request.create(values)
            # Submitting checks the policy, the window and the amounts with
            # rights the owner does not have. The savepoint drops the new
            # request when one of those checks fails.
            refund.sudo().action_submit()
        return refund
