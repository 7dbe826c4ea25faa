import logging
import math

from odoo import _, fields, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request
from odoo.tools import format_amount

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

_logger = logging.getLogger(__name__)


class PropertyRefundPortal(CustomerPortal):
    """Owner pages to ask for a refund of a paid bill and follow the request.

    Lists and pages read through the logged-in user's environment, so the
    portal record rules decide which requests an owner can read. A request is
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
        """Return the user's own property bill or package invoice, sudoed.

        :raise AccessError: when the bill is not the user's or not refundable
        """
        bill_sudo = self._document_check_access("account.move", int(invoice_id))
        partner = request.env.user.commercial_partner_id
        if (
            bill_sudo.move_type != "out_invoice"
            or bill_sudo.state != "posted"
            or not bill_sudo._get_property_notification_community()
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
        unavailable = self._get_refund_unavailable_reason(bill_sudo)
        if request.httprequest.method == "POST" and not unavailable:
            try:
                refund = self._create_refund_request(bill_sudo, post)
            except UserError as failure:
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
                "unavailable": unavailable,
                "post": post,
            }
        )
        return request.render("property_billing_refund.portal_my_refund_new", values)

    def _get_refund_unavailable_reason(self, bill_sudo):
        """Return why nothing of ``bill_sudo`` can be refunded, or None.

        The bill page offers no refund link then, but the form can still be
        opened by its URL.
        """
        currency = bill_sudo.company_currency_id
        if currency.is_zero(bill_sudo.property_amount_paid):
            return _(
                "Bill %(bill)s has no payment yet, so there is nothing to refund.",
                bill=bill_sudo.name,
            )
        if currency.is_zero(bill_sudo.property_amount_refundable):
            return _(
                "The %(paid)s paid on bill %(bill)s is already refunded or "
                "requested back, so nothing is left to refund: follow your "
                "requests under Refund Requests.",
                paid=format_amount(
                    request.env, bill_sudo.property_amount_paid, currency
                ),
                bill=bill_sudo.name,
            )
        return None

    def _parse_refund_amount(self, value):
        """Return the amount typed in the form, 0.0 when it is left empty.

        :raise UserError: when it is not a finite number
        """
        text = (value or "").strip()
        if not text:
            return 0.0
        try:
            amount = float(text)
        except ValueError:
            amount = None
        if amount is None or not math.isfinite(amount):
            raise UserError(
                _(
                    "The amount %(value)s is not a number: enter the amount to "
                    "refund in digits, such as 120.50.",
                    value=text,
                )
            )
        return amount

    def _parse_refund_date(self, value):
        """Return the date typed in the form, False when it is left empty.

        :raise UserError: when it is not a valid date
        """
        text = (value or "").strip()
        if not text:
            return False
        try:
            return fields.Date.to_date(text)
        except ValueError:
            raise UserError(
                _(
                    "The service end date %(value)s is not a date: enter it as "
                    "year-month-day, such as 2026-09-30.",
                    value=text,
                )
            ) from None

    def _parse_refund_reason(self, value):
        reasons = dict(
            request.env["property.refund.request"]
            ._fields["reason"]
            ._description_selection(request.env)
        )
        reason = value or "other"
        if reason not in reasons:
            raise UserError(
                _(
                    "The reason %(value)s is not one of the listed reasons: "
                    "choose one of %(reasons)s.",
                    value=reason,
                    reasons=", ".join(reasons.values()),
                )
            )
        return reason

    def _create_refund_request(self, bill_sudo, post):
        """Create and submit the owner's request, or nothing when it is rejected.

        The request gets its number only once every check passed, so a
        refused attempt uses no number of the sequence.
        """
        Request = request.env["property.refund.request"].with_context(
            property_refund_name_later=True
        )
        line_ids = [
            int(line_id)
            for line_id in request.httprequest.form.getlist("line_ids")
            if line_id.isdigit()
        ]
        lines = bill_sudo.invoice_line_ids.filtered(lambda line: line.id in line_ids)
        values = {
            "move_id": bill_sudo.id,
            "reason": self._parse_refund_reason(post.get("reason")),
            "description": post.get("description") or False,
            "service_end_date": self._parse_refund_date(post.get("service_end_date")),
            "amount": self._parse_refund_amount(post.get("amount")),
        }
        if lines:
            values["line_ids"] = [fields.Command.set(lines.ids)]
        with request.env.cr.savepoint():
            refund = Request.create(values)
            # Submitting checks the policy, the window and the amounts with
            # rights the owner does not have. The savepoint drops the new
            # request when one of those checks fails.
            refund_sudo = refund.sudo()
            refund_sudo._check_submit()
            refund_sudo.name = refund_sudo._get_next_name()
            refund_sudo.action_submit()
        return refund
