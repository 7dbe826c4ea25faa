from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class PropertyFeeItem(models.Model):
    """A fee item (收费项目), such as the management fee or the garbage fee."""

    _name = "property.fee.item"
    _description = "Property Fee Item"
    _inherit = ["mail.thread"]
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(help="Short code used in imports, such as MGMT.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_id = fields.Many2one(
        comodel_name="product.product",
        string="Product",
        check_company=True,
        domain="[('type', '=', 'service')]",
        ondelete="restrict",
        tracking=True,
        help="Service product of the invoice lines: it gives their income account "
        "and taxes.",
    )
    calculation = fields.Selection(
        selection=[
            ("fixed", "Fixed per Unit"),
            ("area", "Per m² of Area"),
        ],
        required=True,
        default="area",
        tracking=True,
        help="Fixed: the rate per unit and month. Per m²: the rate times the "
        "unit's building area, per month.",
    )
    rate = fields.Monetary(
        required=True,
        tracking=True,
        help="Price per month: per unit for a fixed fee, per m² for an area fee.",
    )
    billing_cycle = fields.Selection(
        selection=[
            ("1", "Monthly"),
            ("3", "Quarterly"),
            ("6", "Half-yearly"),
            ("12", "Yearly"),
        ],
        required=True,
        default="1",
        help="Months billed at once, in advance. Cycles start in January: a "
        "quarterly fee is billed by the runs of January, April, July and October.",
    )
    rounding = fields.Selection(
        selection=[
            ("currency", "Currency Precision"),
            ("tenth", "0.1 (jiao)"),
            ("unit", "1 (yuan)"),
        ],
        required=True,
        default="currency",
        help="Step to which each charge is rounded, halves away from zero. "
        "Currency precision is the fen for CNY.",
    )

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique(code, company_id)",
            "A fee item code must be unique per company.",
        ),
    ]

    @api.constrains("rate")
    def _check_rate(self):
        for item in self:
            if item.currency_id.compare_amounts(item.rate, 0.0) < 0:
                raise ValidationError(
                    _(
                        "The rate of fee item %(fee)s is negative (%(rate)s): enter "
                        "0 or a positive price per month.",
                        fee=item.display_name,
                        rate=item.rate,
                    )
                )

    @api.constrains("product_id")
    def _check_product_id(self):
        for item in self:
            if not item.product_id:
                raise ValidationError(
                    _(
                        "Fee item %(fee)s has no product: choose a service product, "
                        "which gives the invoice lines their income account and taxes.",
                        fee=item.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        items = super().create(vals_list)
        # Constraints run only for fields given to create; a fee item created
        # without a product must be rejected all the same.
        items._check_product_id()
        return items

    @property
    def cycle_months(self):
        self.ensure_one()
        return int(self.billing_cycle)
