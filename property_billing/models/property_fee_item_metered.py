from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .property_meter import METER_TYPES


class PropertyFeeItem(models.Model):
    """Metered fee items: a price per unit of consumption read on meters."""

    _inherit = "property.fee.item"

    calculation = fields.Selection(
        selection_add=[("metered", "Metered (per Unit of Consumption)")],
        ondelete={"metered": "set default"},
    )
    meter_type = fields.Selection(
        selection=METER_TYPES,
        help="Type of the meters whose readings this fee item bills.",
    )
    tier_ids = fields.One2many(
        comodel_name="property.fee.tier",
        inverse_name="fee_item_id",
        string="Price Tiers",
        copy=True,
        help="Tiered prices (阶梯价格). Without tiers, the rate is the price per "
        "unit of consumption, rounded to the currency; use one open tier for a "
        "price with more digits, such as 0.538.",
    )
    tier_window = fields.Selection(
        selection=[
            ("period", "Billing Period"),
            ("year", "Calendar Year, Cumulative"),
        ],
        default="period",
        help="Consumption the tier bounds apply to: each billing period's own, "
        "or everything billed since 1 January, as for residential electricity.",
    )
    surcharge_name = fields.Char(
        translate=True,
        help="Name of a charge per unit of the same consumption, such as Sewage "
        "Treatment.",
    )
    surcharge_rate = fields.Float(
        digits=(16, 4),
        help="Surcharge per unit of consumption; 0 for none.",
    )
    is_shared_cost = fields.Boolean(
        string="Shared Cost (公摊)",
        help="Bill the consumption of the common meters of a building or "
        "community, split over the units this fee item is applied to.",
    )
    allocation_basis = fields.Selection(
        selection=[
            ("area", "By Building Area"),
            ("equal", "Equally"),
            ("consumption", "By Own Consumption"),
        ],
        default="area",
        help="How a shared cost is split over units. Parts are rounded down to "
        "the fen, and the fen left over go one each to the units with the "
        "largest remainders, ties going to the smallest unit code.",
    )

    @api.constrains("calculation", "meter_type", "tier_ids", "surcharge_rate")
    def _check_metered(self):
        for item in self:
            if item.calculation != "metered":
                continue
            if not item.meter_type:
                raise ValidationError(
                    _(
                        "Metered fee item %(fee)s has no meter type: choose the "
                        "type of meter it bills, such as water.",
                        fee=item.display_name,
                    )
                )
            open_tiers = item.tier_ids.filtered("upper_bound_is_open")
            if item.tier_ids and len(open_tiers) != 1:
                raise ValidationError(
                    _(
                        "Fee item %(fee)s has %(count)s tiers without an upper "
                        "bound: give exactly one tier, the last, an upper bound "
                        "of 0.",
                        fee=item.display_name,
                        count=len(open_tiers),
                    )
                )
            bounds = item.tier_ids.filtered(lambda t: not t.upper_bound_is_open)
            values = bounds.mapped("upper_bound")
            if len(set(values)) != len(values):
                raise ValidationError(
                    _(
                        "Fee item %(fee)s has two tiers with the same upper bound: "
                        "give each tier its own bound.",
                        fee=item.display_name,
                    )
                )
            if item.surcharge_rate < 0:
                raise ValidationError(
                    _(
                        "Fee item %(fee)s has a negative surcharge "
                        "(%(rate)s): enter 0 or a positive price.",
                        fee=item.display_name,
                        rate=item.surcharge_rate,
                    )
                )

    def _get_tiers(self):
        """Return the tiers as (upper bound or None, price) pairs for the tools.

        A fee item without tiers has one open tier at its rate.
        """
        self.ensure_one()
        if not self.tier_ids:
            return [(None, self.rate)]
        return [
            (None if tier.upper_bound_is_open else tier.upper_bound, tier.price)
            for tier in self.tier_ids.sorted(
                lambda t: (t.upper_bound_is_open, t.upper_bound)
            )
        ]
