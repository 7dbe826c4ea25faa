from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class PropertyFeeTier(models.Model):
    """A price tier (阶梯价格) of a metered fee item.

    A tier prices the consumption from the previous tier's upper bound up to
    its own. The last tier has no upper bound.
    """

    _name = "property.fee.tier"
    _description = "Property Fee Price Tier"
    _order = "fee_item_id, upper_bound_is_open, upper_bound, id"

    fee_item_id = fields.Many2one(
        comodel_name="property.fee.item",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="fee_item_id.company_id", store=True)
    currency_id = fields.Many2one(related="fee_item_id.currency_id")
    upper_bound = fields.Float(
        string="Up To",
        digits=(16, 2),
        help="Consumption, in the meter's unit, up to which this tier's price "
        "applies; 0 for the last tier, which has no upper bound.",
    )
    upper_bound_is_open = fields.Boolean(
        compute="_compute_upper_bound_is_open", store=True
    )
    # A Float, because utility prices have sub-fen digits such as 0.538/kWh.
    price = fields.Float(
        required=True,
        digits=(16, 4),
        help="Price per unit of consumption within this tier.",
    )

    @api.depends("upper_bound")
    def _compute_upper_bound_is_open(self):
        for tier in self:
            tier.upper_bound_is_open = not tier.upper_bound

    @api.constrains("upper_bound", "price")
    def _check_values(self):
        for tier in self:
            if tier.upper_bound < 0:
                raise ValidationError(
                    _(
                        "Tier of fee item %(fee)s has a negative upper bound "
                        "(%(bound)s): enter 0 for the last tier or a positive "
                        "consumption.",
                        fee=tier.fee_item_id.display_name,
                        bound=tier.upper_bound,
                    )
                )
            if tier.price < 0:
                raise ValidationError(
                    _(
                        "Tier of fee item %(fee)s has a negative price "
                        "(%(price)s): enter 0 or a positive price.",
                        fee=tier.fee_item_id.display_name,
                        price=tier.price,
                    )
                )
