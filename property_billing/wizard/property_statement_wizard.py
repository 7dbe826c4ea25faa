from datetime import date

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class PropertyStatementWizard(models.TransientModel):
    """Print the statement of account (对账单) of owners for a date range."""

    _name = "property.statement.wizard"
    _description = "Print Statements of Account"

    partner_ids = fields.Many2many(
        comodel_name="res.partner",
        string="Owners",
        required=True,
        default=lambda self: self._default_partner_ids(),
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: date(fields.Date.context_today(self).year, 1, 1),
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)

    @api.model
    def _default_partner_ids(self):
        if self.env.context.get("active_model") == "res.partner":
            return self.env.context.get("active_ids", [])
        return []

    def action_print(self):
        """Print one statement per owner as a PDF."""
        self.ensure_one()
        if self.date_to < self.date_from:
            raise UserError(
                _(
                    "The statement ends on %(end)s, before it starts on %(start)s: "
                    "choose an end date on or after the start date.",
                    end=self.date_to,
                    start=self.date_from,
                )
            )
        return self.env.ref(
            "property_billing.property_statement_report_action"
        ).report_action(
            self.partner_ids.commercial_partner_id,
            data={
                "date_from": fields.Date.to_string(self.date_from),
                "date_to": fields.Date.to_string(self.date_to),
                "company_id": self.company_id.id,
            },
            config=False,
        )
