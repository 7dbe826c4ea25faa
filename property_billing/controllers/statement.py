import logging
from datetime import date

from odoo import fields, http
from odoo.http import request

from .portal import PropertyPortal

_logger = logging.getLogger(__name__)


class PropertyStatementPortal(PropertyPortal):
    """Statement of account (对账单) of the logged-in owner on the portal.

    The route takes no partner: it always reads the statement of the user's
    own commercial partner, so an owner can never see another owner's.
    """

    def _get_property_statement_dates(self, date_from, date_to):
        """Parse the requested dates, falling back to this year up to today."""
        today = fields.Date.context_today(request.env.user)
        try:
            end = fields.Date.to_date(date_to) if date_to else today
            start = fields.Date.to_date(date_from) if date_from else None
        except ValueError:
            end, start = today, None
        start = start or date(end.year, 1, 1)
        if end < start:
            start, end = end, start
        return start, end

    def _get_property_statements(self, date_from, date_to):
        """Return one statement of the user's partner per company he has books in."""
        partner = request.env.user.commercial_partner_id
        Line = request.env["account.move.line"].sudo()
        groups = Line._read_group(
            [
                ("partner_id", "child_of", partner.id),
                ("parent_state", "=", "posted"),
                ("account_id.account_type", "=", "asset_receivable"),
            ],
            ["company_id"],
        )
        companies = [company for (company,) in groups] or [request.env.company]
        partner_sudo = partner.sudo()
        return [
            partner_sudo.with_company(company)._get_property_statement(
                date_from, date_to, company
            )
            for company in companies
        ]

    @http.route("/my/property/statement", type="http", auth="user", website=True)
    def portal_my_property_statement(self, date_from=None, date_to=None, **kw):
        start, end = self._get_property_statement_dates(date_from, date_to)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "property_statement",
                "statements": self._get_property_statements(start, end),
                "date_from": start,
                "date_to": end,
            }
        )
        return request.render("property_billing.portal_my_property_statement", values)

    @http.route("/my/property/statement/pdf", type="http", auth="user", website=True)
    def portal_my_property_statement_pdf(self, date_from=None, date_to=None, **kw):
        """Download the statement of the logged-in owner as a PDF."""
        start, end = self._get_property_statement_dates(date_from, date_to)
        partner = request.env.user.commercial_partner_id
        statements = self._get_property_statements(start, end)
        report = request.env["ir.actions.report"].sudo()
        pdf, _report_type = report._render_qweb_pdf(
            "property_billing.property_statement_report_action",
            partner.ids,
            data={
                "date_from": fields.Date.to_string(start),
                "date_to": fields.Date.to_string(end),
                "company_id": statements[0]["company"].id,
            },
        )
        _logger.info(
            "statement pdf of partner %s sent to user %s", partner.id, request.env.uid
        )
        filename = f"statement-{start}-{end}.pdf"
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", http.content_disposition(filename)),
            ],
        )
