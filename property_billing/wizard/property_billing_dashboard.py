from odoo import _, api, fields, models
from odoo.tools.safe_eval import safe_eval

from ..tools import periods


class PropertyBillingDashboard(models.TransientModel):
    """Key figures of the billing manager, with links to the reports behind them.

    Every figure is read from the collection and arrears reports as of
    ``date``, for one community or all of them.
    """

    _name = "property.billing.dashboard"
    _description = "Property Billing Dashboard"

    community_id = fields.Many2one(
        comodel_name="property.community",
        help="Show one community; all communities when empty.",
    )
    date = fields.Date(
        string="As of",
        required=True,
        default=fields.Date.context_today,
        help="Payments and credit notes up to this day are counted.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    month_billed = fields.Monetary(
        string="Billed This Month", compute="_compute_figures"
    )
    month_collected = fields.Monetary(
        string="Collected This Month", compute="_compute_figures"
    )
    month_rate = fields.Float(string="Rate This Month (%)", compute="_compute_figures")
    year_billed = fields.Monetary(string="Billed This Year", compute="_compute_figures")
    year_collected = fields.Monetary(
        string="Collected This Year", compute="_compute_figures"
    )
    year_rate = fields.Float(string="Rate This Year (%)", compute="_compute_figures")
    arrears_total = fields.Monetary(string="Arrears", compute="_compute_figures")
    arrears_over_90 = fields.Monetary(
        string="Arrears over 90 Days", compute="_compute_figures"
    )
    arrears_unit_count = fields.Integer(
        string="Units in Arrears", compute="_compute_figures"
    )
    arrears_partner_count = fields.Integer(
        string="Owners in Arrears", compute="_compute_figures"
    )

    @api.depends("community_id", "date")
    def _compute_figures(self):
        for dashboard in self:
            as_of = dashboard.date or fields.Date.context_today(dashboard)
            month_start = periods.month_start(as_of)
            year_start = as_of.replace(month=1, day=1)
            month = dashboard._read_collection(month_start, as_of)
            year = dashboard._read_collection(year_start, as_of)
            dashboard.month_billed = month["billed"]
            dashboard.month_collected = month["collected_total"]
            dashboard.month_rate = month["rate_total"]
            dashboard.year_billed = year["billed"]
            dashboard.year_collected = year["collected_total"]
            dashboard.year_rate = year["rate_total"]
            arrears = dashboard._read_arrears()
            dashboard.arrears_total = arrears["open_amount"]
            dashboard.arrears_over_90 = arrears["over_90"]
            dashboard.arrears_unit_count = arrears["unit_count"]
            dashboard.arrears_partner_count = arrears["partner_count"]

    def _get_community_domain(self):
        # One company's figures, because companies may keep books in
        # different currencies.
        domain = [("company_id", "=", self.company_id.id)]
        if self.community_id:
            domain.append(("community_id", "=", self.community_id.id))
        return domain

    def _read_collection(self, date_from, date_to):
        Report = self.env["property.collection.report"].with_context(
            property_report_date=date_to
        )
        [(billed, collected, rate)] = Report._read_group(
            [
                *self._get_community_domain(),
                ("period_start", ">=", date_from),
                ("period_start", "<=", date_to),
            ],
            [],
            ["billed:sum", "collected_total:sum", "rate_total:avg"],
        )
        return {
            "billed": billed or 0.0,
            "collected_total": collected or 0.0,
            "rate_total": rate or 0.0,
        }

    def _read_arrears(self):
        Report = self.env["property.arrears.report"].with_context(
            property_report_date=self.date
        )
        domain = self._get_community_domain()
        [(total, over_91, over_181, over_365, units, partners)] = Report._read_group(
            domain,
            [],
            [
                "open_amount:sum",
                "amount_91_180:sum",
                "amount_181_365:sum",
                "amount_over_365:sum",
                "unit_id:count_distinct",
                "partner_id:count_distinct",
            ],
        )
        return {
            "open_amount": total or 0.0,
            "over_90": self.currency_id.round(
                (over_91 or 0.0) + (over_181 or 0.0) + (over_365 or 0.0)
            ),
            "unit_count": units,
            "partner_count": partners,
        }

    def _open_report(self, xml_id):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xml_id)
        context = safe_eval(action.get("context") or "{}")
        context["property_report_date"] = fields.Date.to_string(self.date)
        if self.community_id:
            context["search_default_community_id"] = self.community_id.id
        action["context"] = context
        action["name"] = _(
            "%(report)s as of %(date)s", report=action["name"], date=self.date
        )
        return action

    def action_open_collection(self):
        return self._open_report("property_billing.property_collection_report_action")

    def action_open_income(self):
        return self._open_report("property_billing.property_income_report_action")

    def action_open_arrears_unit(self):
        return self._open_report("property_billing.property_arrears_report_action")

    def action_open_arrears_owner(self):
        return self._open_report(
            "property_billing.property_arrears_owner_report_action"
        )
