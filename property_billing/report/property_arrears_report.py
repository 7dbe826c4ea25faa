from odoo import _, fields, models
from odoo.tools import SQL

from .property_charge_allocation import allocation_query

# Ageing buckets: field name and the (first, last) days past due it covers.
AGEING_BUCKETS = [
    ("amount_0_30", 0, 30),
    ("amount_31_90", 31, 90),
    ("amount_91_180", 91, 180),
    ("amount_181_365", 181, 365),
    ("amount_over_365", 366, None),
]


class PropertyArrearsReport(models.Model):
    """Arrears (欠费) of billed charges as of a date, aged by days past due.

    One row per charge line that is unpaid as of the date in the context key
    ``property_report_date`` (today when absent). Charges not yet due are in
    "Not Due"; the buckets count the days past the bill's due date.
    """

    _name = "property.arrears.report"
    _description = "Property Arrears Report"
    _auto = False
    _rec_name = "move_id"
    _order = "date_due, community_id, unit_id, fee_item_id, id"

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
    date_due = fields.Date(string="Due Date", readonly=True)
    days_overdue = fields.Integer(
        string="Days Past Due", readonly=True, aggregator="max"
    )
    open_amount = fields.Monetary(string="Unpaid", readonly=True)
    amount_not_due = fields.Monetary(string="Not Due", readonly=True)
    amount_0_30 = fields.Monetary(string="0-30 Days", readonly=True)
    amount_31_90 = fields.Monetary(string="31-90 Days", readonly=True)
    amount_91_180 = fields.Monetary(string="91-180 Days", readonly=True)
    amount_181_365 = fields.Monetary(string="181-365 Days", readonly=True)
    amount_over_365 = fields.Monetary(string="Over 365 Days", readonly=True)

    @property
    def _table_query(self):
        as_of = self._get_report_date()
        buckets = []
        for field_name, first, last in AGEING_BUCKETS:
            condition = SQL("%s - allocation.date_due >= %s", as_of, first)
            if last is not None:
                condition = SQL(
                    "%s AND %s - allocation.date_due <= %s", condition, as_of, last
                )
            buckets.append(
                SQL(
                    "CASE WHEN %s THEN allocation.open_amount ELSE 0 END AS %s",
                    condition,
                    SQL.identifier(field_name),
                )
            )
        return SQL(
            """
            SELECT allocation.id,
                   allocation.move_id,
                   allocation.charge_id,
                   allocation.company_id,
                   allocation.community_id,
                   allocation.building_id,
                   allocation.unit_id,
                   allocation.fee_item_id,
                   allocation.partner_id,
                   allocation.period_start,
                   allocation.date_due,
                   GREATEST(%(as_of)s - allocation.date_due, 0) AS days_overdue,
                   allocation.open_amount,
                   CASE WHEN allocation.date_due > %(as_of)s
                        THEN allocation.open_amount ELSE 0 END AS amount_not_due,
                   %(buckets)s
              FROM (%(allocation)s) allocation
             WHERE allocation.open_amount <> 0
            """,
            as_of=as_of,
            buckets=SQL(", ").join(buckets),
            allocation=allocation_query(as_of),
        )

    def _get_report_date(self):
        return fields.Date.to_date(
            self.env.context.get("property_report_date")
        ) or fields.Date.context_today(self)

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
