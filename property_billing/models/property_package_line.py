from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class PropertyPackageLine(models.Model):
    """A fee item that a package covers, at the unit's rate or a fixed price."""

    _name = "property.package.line"
    _description = "Property Package Fee Item"
    _order = "package_id, sequence, id"

    package_id = fields.Many2one(
        comodel_name="property.package",
        required=True,
        index=True,
        ondelete="cascade",
    )
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="package_id.company_id")
    currency_id = fields.Many2one(related="package_id.currency_id")
    fee_item_id = fields.Many2one(
        comodel_name="property.fee.item",
        required=True,
        ondelete="restrict",
    )
    monthly_price = fields.Monetary(
        help="Price of one month, such as 150.00 for a parking pass. When 0, one "
        "month is priced as the unit's fee bills it.",
    )

    _sql_constraints = [
        (
            "package_fee_item_uniq",
            "unique(package_id, fee_item_id)",
            "A package covers each fee item once.",
        ),
    ]

    @api.constrains("monthly_price")
    def _check_monthly_price(self):
        for line in self:
            if line.currency_id.compare_amounts(line.monthly_price, 0.0) < 0:
                raise ValidationError(
                    _(
                        "The monthly price of %(fee)s in package %(package)s is "
                        "negative (%(price)s): enter 0 to use the unit's rate, or "
                        "a positive price.",
                        fee=line.fee_item_id.name,
                        package=line.package_id.name,
                        price=line.monthly_price,
                    )
                )
