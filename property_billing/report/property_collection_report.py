from odoo import _, fields, models
from odoo.tools import SQL

from .property_charge_allocation import allocation_query

# Rate measures and the collected measure each one divides by net billed.
RATE_MEASURES = {
    "rate_in_period": "collected_in_period",
    "rate_total": "collected_total",
}


class PropertyCollectionReport(models.Model):
    """Collection rate (收缴率) of billed charges, one row per charge line of a bill.

    Figures are read from the posted bills and their reconciliations as of
    the date in the context key ``property_report_date`` (today when absent),
    so a rate "by the end of April" is the report opened with that date.
    """

    _name = "property.collection.report"
    _description = "Property Collection Report"
    _auto = False
    _rec_name = "move_id"
    _order = "period_start desc, community_id, unit_id, fee_item_id, id"

    move_id = fields.Many2one(comodel_name="account.move", string="Bill", readonly=True)
    charge_id = fields.Many2one(comodel_name="property.billing.charge", readonly=True)
    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    community_id = fields.Many2one(comodel_name="property.community", readonly=True)
    building_id = fields.Many2one(comodel_name="property.building", readonly=True)
    unit_id = fields.Many2one(comodel_name="property.unit", readonly=True)
    fee_item_id = fields.Many2one(comodel_name="property.fee.item", readonly=True)
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Billed To", readonly=True
    )
    period_start = fields.Date(string="Period", readonly=True)
    period_end = fields.Date(readonly=True)
    invoice_date = fields.Date(string="Bill Date", readonly=True)
    date_due = fields.Date(string="Due Date", readonly=True)
    billed = fields.Monetary(readonly=True, help="Amount billed, taxes included.")
    credited = fields.Monetary(
        readonly=True, help="Part of the amount billed cancelled by credit notes."
    )
    collected_in_period = fields.Monetary(
        string="Collected in Period",
        readonly=True,
        help="Paid on or before the last day of the charge's period.",
    )
    collected_later = fields.Monetary(
        string="Collected After Period",
        readonly=True,
        help="Paid after the charge's period, up to the report date.",
    )
    collected_total = fields.Monetary(
        string="Collected", readonly=True, help="Paid up to the report date."
    )
    open_amount = fields.Monetary(
        string="Unpaid", readonly=True, help="Billed less credited and collected."
    )
    rate_in_period = fields.Float(
        string="Rate in Period (%)",
        readonly=True,
        aggregator="avg",
        help="Collected in period over billed less credited, in percent.",
    )
    rate_total = fields.Float(
        string="Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Collected up to the report date over billed less credited, in percent.",
    )

    @property
    def _table_query(self):
        as_of = self._get_report_date()
        return SQL(
            """
            SELECT allocation.*,
                   allocation.collected_total - allocation.collected_in_period
                       AS collected_later,
                   CASE WHEN allocation.billed - allocation.credited <> 0
                        THEN 100.0 * allocation.collected_in_period
                             / (allocation.billed - allocation.credited)
                   END AS rate_in_period,
                   CASE WHEN allocation.billed - allocation.credited <> 0
                        THEN 100.0 * allocation.collected_total
                             / (allocation.billed - allocation.credited)
                   END AS rate_total
              FROM (%s) allocation
            """,
            allocation_query(as_of),
        )

    def _get_report_date(self):
        return fields.Date.to_date(
            self.env.context.get("property_report_date")
        ) or fields.Date.context_today(self)

    def _read_group_select(self, aggregate_spec, query):
        """Compute a group's rates from its sums, not as an average of rows."""
        field_name = aggregate_spec.split(":")[0]
        if field_name not in RATE_MEASURES:
            return super()._read_group_select(aggregate_spec, query)
        return SQL(
            "100.0 * SUM(%(collected)s)"
            " / NULLIF(SUM(%(billed)s) - SUM(%(credited)s), 0)",
            collected=self._field_to_sql(self._table, RATE_MEASURES[field_name], query),
            billed=self._field_to_sql(self._table, "billed", query),
            credited=self._field_to_sql(self._table, "credited", query),
        )

    def action_open_bill(self):
        """Open the bill of this report line."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Bill"),
            "res_model": "account.move",
            "res_id": self.move_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
