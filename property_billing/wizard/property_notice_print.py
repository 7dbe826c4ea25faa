from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import periods


class PropertyNoticePrint(models.TransientModel):
    """Print the payment notices of one building for a billing period."""

    _name = "property.notice.print"
    _description = "Print Payment Notices of a Building"
    _check_company_auto = True

    community_id = fields.Many2one(comodel_name="property.community", required=True)
    company_id = fields.Many2one(related="community_id.company_id")
    building_id = fields.Many2one(
        comodel_name="property.building",
        required=True,
        check_company=True,
        domain="[('community_id', '=', community_id)]",
    )
    period_start = fields.Date(
        required=True,
        default=lambda self: periods.month_start(fields.Date.context_today(self)),
    )
    period_end = fields.Date(
        required=True,
        default=lambda self: periods.month_end(fields.Date.context_today(self)),
    )

    @api.onchange("community_id")
    def _onchange_community_id(self):
        if self.building_id.community_id != self.community_id:
            self.building_id = False

    @api.constrains("period_start", "period_end")
    def _check_period(self):
        for wizard in self:
            if wizard.period_end < wizard.period_start:
                raise ValidationError(
                    _(
                        "The period ends on %(end)s, before it starts on %(start)s: "
                        "set an end date on or after the start date.",
                        end=wizard.period_end,
                        start=wizard.period_start,
                    )
                )

    def _get_invoices(self):
        """Return the period's bills of every partner billed for the building.

        Bills count for the period when their billing run's period overlaps it.

        A partner's bills for his units in other buildings of the community
        are included, so that his notice shows all he owes for the period.
        """
        self.ensure_one()
        charges = self.env["property.billing.charge"].search(
            [
                ("state", "=", "invoiced"),
                ("community_id", "=", self.community_id.id),
                ("unit_id.building_id", "=", self.building_id.id),
                ("move_id.property_billing_run_id.period_start", "<=", self.period_end),
                ("move_id.property_billing_run_id.period_end", ">=", self.period_start),
            ]
        )
        partners = charges.partner_id.commercial_partner_id
        if not partners:
            return self.env["account.move"]
        return self.env["account.move"].search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("property_community_id", "=", self.community_id.id),
                ("commercial_partner_id", "in", partners.ids),
                ("property_billing_run_id.period_start", "<=", self.period_end),
                ("property_billing_run_id.period_end", ">=", self.period_start),
            ]
        )

    def action_print(self):
        self.ensure_one()
        invoices = self._get_invoices()
        if not invoices:
            raise UserError(
                _(
                    "No posted bill of building %(building)s covers %(start)s to "
                    "%(end)s: bill the period with a billing run first, or choose "
                    "another building or period.",
                    building=self.building_id.display_name,
                    start=self.period_start,
                    end=self.period_end,
                )
            )
        # config=False: printing must not open the document layout wizard,
        # because the notice does not use the company's document layout.
        return self.env.ref(
            "property_billing.property_payment_notice_report_action"
        ).report_action(invoices, config=False)
