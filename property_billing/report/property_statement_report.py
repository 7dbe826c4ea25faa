from datetime import date

from odoo import api, fields, models


class PropertyStatementReport(models.AbstractModel):
    """Values of the statement of account PDF, one statement per owner."""

    _name = "report.property_billing.report_property_statement"
    _description = "Property Statement of Account"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        today = fields.Date.context_today(self)
        date_to = fields.Date.to_date(data.get("date_to")) or today
        date_from = fields.Date.to_date(data.get("date_from")) or date(
            date_to.year, 1, 1
        )
        company = (
            self.env["res.company"].browse(data["company_id"])
            if data.get("company_id")
            else self.env.company
        )
        partners = self.env["res.partner"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "statements": [
                partner._get_property_statement(date_from, date_to, company)
                for partner in partners
            ],
        }
