import logging

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

_logger = logging.getLogger(__name__)


class PropertyPortal(CustomerPortal):
    """Owner portal: the units of the logged-in owner and his bills left to pay.

    Every read goes through the user's own environment, so the portal record
    rules of units, invoices and charges decide what an owner sees.
    """

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "property_unit_count" in counters:
            Unit = request.env["property.unit"]
            values["property_unit_count"] = (
                Unit.search_count(self._get_property_units_domain(), limit=1)
                if Unit.has_access("read")
                else 0
            )
        return values

    def _get_property_units_domain(self):
        partner = request.env.user.commercial_partner_id
        return [
            "|",
            ("owner_id", "child_of", partner.id),
            ("billing_partner_id", "child_of", partner.id),
        ]

    def _get_property_bills_domain(self):
        # "in_payment" bills are paid and wait only for the bank statement, and
        # an accountant put "blocked" ones on hold, so neither is shown as due.
        return [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
            ("commercial_partner_id", "=", request.env.user.commercial_partner_id.id),
        ]

    def _get_property_bills_order(self):
        return "invoice_date_due asc, name asc, id asc"

    @http.route(
        ["/my/property", "/my/property/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_property(self, page=1, **kw):
        Unit = request.env["property.unit"]
        Move = request.env["account.move"]
        can_read_bills = Move.has_access("read")
        bills_domain = self._get_property_bills_domain()
        bill_count = Move.search_count(bills_domain) if can_read_bills else 0
        pager = portal_pager(
            url="/my/property",
            total=bill_count,
            page=page,
            step=self._items_per_page,
        )
        bills = Move.browse()
        if bill_count:
            bills = Move.search(
                bills_domain,
                order=self._get_property_bills_order(),
                limit=self._items_per_page,
                offset=pager["offset"],
            )
            # Lets the invoice page offer previous and next among these bills.
            request.session["my_invoices_history"] = bills.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "property",
                "units": (
                    Unit.search(self._get_property_units_domain())
                    if Unit.has_access("read")
                    else Unit
                ),
                "bills": bills,
                "late_fees": bills._get_property_late_fees_to_date(),
                "bill_count": bill_count,
                "totals_due": (
                    self._get_property_totals_due(bills_domain)
                    if bill_count
                    else [(request.env.company.currency_id, 0.0)]
                ),
                "today": fields.Date.context_today(request.env.user),
                "pager": pager,
            }
        )
        return request.render("property_billing.portal_my_property", values)

    def _get_property_totals_due(self, domain):
        """Sum the amount due of the bills in ``domain``, per currency.

        :return: list of (currency, amount) pairs
        :rtype: list
        """
        groups = request.env["account.move"]._read_group(
            domain, ["currency_id"], ["amount_residual:sum"], order="currency_id"
        )
        return [(currency, currency.round(amount)) for currency, amount in groups]

    @http.route(
        "/my/property/notice/<int:invoice_id>",
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_property_notice(self, invoice_id, **kw):
        """Download the payment notice of one of the owner's own bills.

        No access token is accepted: the record rules of the logged-in user
        decide, so an owner gets the notices of his own bills only.
        """
        try:
            invoice_sudo = self._document_check_access("account.move", invoice_id)
        except (AccessError, MissingError) as error:
            _logger.info(
                "payment notice of invoice %s rejected for user %s: %s",
                invoice_id,
                request.env.uid,
                error,
            )
            return request.redirect("/my")
        if (
            invoice_sudo.move_type != "out_invoice"
            or invoice_sudo.state != "posted"
            or not invoice_sudo.property_community_id
        ):
            return request.redirect("/my")
        return self._show_report(
            model=invoice_sudo,
            report_type="pdf",
            report_ref="property_billing.property_payment_notice_report_action",
            download=True,
        )
