from datetime import timedelta

from odoo import fields, models

from ..tools import periods


class PropertyPackageSell(models.TransientModel):
    """Sell a prepaid package to a unit: create the subscription and its invoice."""

    _name = "property.package.sell"
    _description = "Sell a Property Package"

    unit_id = fields.Many2one(comodel_name="property.unit", required=True)
    package_id = fields.Many2one(
        comodel_name="property.package",
        required=True,
        domain="[('company_id', '=', company_id)]",
    )
    company_id = fields.Many2one(related="unit_id.company_id")
    date_start = fields.Date(
        string="From",
        required=True,
        default=lambda self: periods.month_start(
            fields.Date.context_today(self) + timedelta(days=31)
        ),
        help="First day covered: the 1st of a month.",
    )

    def action_sell(self):
        """Create the subscription, post its invoice and open the subscription."""
        self.ensure_one()
        subscription = self.env["property.package.subscription"].create(
            {
                "unit_id": self.unit_id.id,
                "package_id": self.package_id.id,
                "date_start": self.date_start,
            }
        )
        subscription.action_confirm()
        return {
            "type": "ir.actions.act_window",
            "res_model": "property.package.subscription",
            "res_id": subscription.id,
            "view_mode": "form",
        }
