from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import amounts, meters
from .property_meter import METER_TYPES

ALLOCATION_BASES = [
    ("area", "By Building Area"),
    ("equal", "Equally"),
    ("consumption", "By Own Consumption"),
]
# Fields that decide the parts: a cost with a live charge keeps them.
LOCKED_FIELDS = {
    "amount",
    "allocation_basis",
    "meter_type",
    "community_id",
    "building_id",
    "unit_ids",
    "fee_item_id",
    "period_start",
    "period_end",
}


class PropertySharedCost(models.Model):
    """A shared cost (公摊) entered as an amount, such as a lift repair.

    Billing runs split the amount over the units of a building or community
    with ``tools.meters.allocate``, so the parts sum exactly to the amount.
    Each unit gets one charge naming the cost and the key; a partial unique
    index on live charges (unit, shared cost) stops a second one.
    """

    _name = "property.shared.cost"
    _description = "Property Shared Cost"
    _inherit = ["mail.thread"]
    _order = "period_start desc, community_id, id desc"
    _check_company_auto = True

    name = fields.Char(
        required=True,
        tracking=True,
        help="What the cost is for, printed on each bill line, such as Lift Repair.",
    )
    community_id = fields.Many2one(
        comodel_name="property.community",
        required=True,
        index=True,
        ondelete="restrict",
        tracking=True,
    )
    building_id = fields.Many2one(
        comodel_name="property.building",
        ondelete="restrict",
        check_company=True,
        tracking=True,
        domain="[('community_id', '=', community_id)]",
        help="Building whose units share the cost; empty for the whole community.",
    )
    unit_ids = fields.Many2many(
        comodel_name="property.unit",
        relation="property_shared_cost_unit_rel",
        column1="cost_id",
        column2="unit_id",
        string="Units",
        check_company=True,
        domain="[('community_id', '=', community_id)]",
        help="Units sharing the cost; empty for every active unit of the "
        "building, or of the community when no building is set.",
    )
    company_id = fields.Many2one(
        related="community_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(required=True, tracking=True)
    period_start = fields.Date(required=True, tracking=True)
    period_end = fields.Date(required=True, tracking=True)
    fee_item_id = fields.Many2one(
        comodel_name="property.fee.item",
        string="Fee Item",
        required=True,
        ondelete="restrict",
        check_company=True,
        help="Fee item whose product and income account the bill lines use.",
    )
    allocation_basis = fields.Selection(
        selection=ALLOCATION_BASES,
        string="Split",
        required=True,
        default="area",
        tracking=True,
        help="How the amount is split over the units. Parts are rounded down "
        "to the fen, and the fen left over go one each to the units with the "
        "largest remainders, ties going to the smallest unit code.",
    )
    meter_type = fields.Selection(
        selection=METER_TYPES,
        help="For a split by own consumption: the meters whose confirmed "
        "readings dated in the cost's period give each unit's weight.",
    )
    charge_ids = fields.One2many(
        comodel_name="property.billing.charge",
        inverse_name="shared_cost_id",
        string="Charges",
        readonly=True,
    )
    amount_billed = fields.Monetary(
        string="Billed",
        compute="_compute_amount_billed",
        help="Sum of the parts on posted bills.",
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("confirmed", "To Bill"),
            ("billed", "Billed"),
        ],
        compute="_compute_state",
        store=True,
        readonly=False,
        default="draft",
        index=True,
        copy=False,
        tracking=True,
        help="A billing run bills the costs to bill dated up to its period's "
        "end. A cost is billed once every unit sharing it has a live charge.",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("charge_ids.state", "charge_ids.amount")
    def _compute_amount_billed(self):
        for cost in self:
            cost.amount_billed = sum(
                cost.charge_ids.filtered(lambda c: c.state == "invoiced").mapped(
                    "amount"
                )
            )

    @api.depends("charge_ids.state")
    def _compute_state(self):
        for cost in self:
            if cost.state == "draft" or not cost.state:
                cost.state = "draft"
                continue
            live_units = cost.charge_ids.filtered(
                lambda c: c.state == "invoiced"
            ).unit_id
            units = cost._get_sharing_units()
            cost.state = (
                "billed" if live_units and not (units - live_units) else "confirmed"
            )

    # ------------------------------------------------------------
    # CONSTRAINT AND CRUD METHODS
    # ------------------------------------------------------------

    @api.constrains(
        "amount",
        "period_start",
        "period_end",
        "building_id",
        "unit_ids",
        "allocation_basis",
        "meter_type",
    )
    def _check_values(self):
        for cost in self:
            if cost.currency_id.compare_amounts(cost.amount, 0.0) <= 0:
                raise ValidationError(
                    _(
                        "Shared cost %(cost)s has amount %(amount)s: enter the "
                        "positive amount to split.",
                        cost=cost.name,
                        amount=cost.amount,
                    )
                )
            if cost.period_end < cost.period_start:
                raise ValidationError(
                    _(
                        "Shared cost %(cost)s ends on %(end)s, before it starts "
                        "on %(start)s: enter an end on or after the start.",
                        cost=cost.name,
                        end=cost.period_end,
                        start=cost.period_start,
                    )
                )
            if cost.building_id and cost.building_id.community_id != cost.community_id:
                raise ValidationError(
                    _(
                        "Building %(building)s is not in community %(community)s: "
                        "choose one of its buildings.",
                        building=cost.building_id.display_name,
                        community=cost.community_id.display_name,
                    )
                )
            outside = cost.unit_ids.filtered(
                lambda unit, cost=cost: unit.community_id != cost.community_id
                or (cost.building_id and unit.building_id != cost.building_id)
            )
            if outside:
                raise ValidationError(
                    _(
                        "Units %(units)s are not in %(place)s: share the cost "
                        "among its own units only.",
                        units=", ".join(outside.mapped("display_name")),
                        place=cost._get_place_name(),
                    )
                )
            if cost.allocation_basis == "consumption" and not cost.meter_type:
                raise ValidationError(
                    _(
                        "Shared cost %(cost)s is split by own consumption but "
                        "has no meter type: choose the meters to weigh by.",
                        cost=cost.name,
                    )
                )

    def write(self, vals):
        if LOCKED_FIELDS & set(vals):
            for cost in self:
                if "invoiced" in cost.charge_ids.mapped("state"):
                    raise UserError(
                        _(
                            "Shared cost %(cost)s is already on posted bills "
                            "and cannot be changed: cancel or credit those "
                            "bills first, or enter a new shared cost for the "
                            "difference.",
                            cost=cost.name,
                        )
                    )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_billed(self):
        for cost in self:
            if "invoiced" in cost.charge_ids.mapped("state"):
                raise UserError(
                    _(
                        "Shared cost %(cost)s is on posted bills and cannot be "
                        "deleted: cancel or credit those bills first.",
                        cost=cost.name,
                    )
                )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_confirm(self):
        """Make the costs billable by the next billing run of their period."""
        for cost in self.filtered(lambda c: c.state == "draft"):
            cost._compute_parts()
            cost.state = "confirmed"
        return True

    def action_reset_draft(self):
        for cost in self:
            if "invoiced" in cost.charge_ids.mapped("state"):
                raise UserError(
                    _(
                        "Shared cost %(cost)s is already on posted bills: "
                        "cancel or credit those bills first.",
                        cost=cost.name,
                    )
                )
            cost.state = "draft"
        return True

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_place_name(self):
        self.ensure_one()
        return self.building_id.display_name or self.community_id.display_name

    def _get_sharing_units(self):
        """Return the units sharing the cost, sorted by code."""
        self.ensure_one()
        if self.unit_ids:
            units = self.unit_ids.filtered("active")
        else:
            domain = [("community_id", "=", self.community_id.id)]
            if self.building_id:
                domain.append(("building_id", "=", self.building_id.id))
            units = self.env["property.unit"].search(domain)
        return units.sorted(lambda unit: (unit.code or "", unit.id))

    def _get_weights(self, units):
        """Return one weight per unit of ``units`` for the cost's split."""
        self.ensure_one()
        if self.allocation_basis == "equal":
            return [Decimal(1)] * len(units)
        if self.allocation_basis == "area":
            return [amounts.to_decimal(unit.area) for unit in units]
        groups = self.env["property.meter.reading"]._read_group(
            [
                ("unit_id", "in", units.ids),
                ("meter_type", "=", self.meter_type),
                ("state", "in", ("confirmed", "billed")),
                ("date", ">=", self.period_start),
                ("date", "<=", self.period_end),
            ],
            groupby=["unit_id"],
            aggregates=["consumption:sum"],
        )
        by_unit = dict(groups)
        return [amounts.to_decimal(by_unit.get(unit, 0.0)) for unit in units]

    def _compute_parts(self):
        """Split the amount over the sharing units.

        :return: list of (unit, weight, part) in unit code order, and the
            weight total
        :rtype: tuple(list, decimal.Decimal)
        :raise UserError: when no unit shares the cost, or none has a weight
        """
        self.ensure_one()
        units = self._get_sharing_units()
        if not units:
            raise UserError(
                _(
                    "Shared cost %(cost)s has no active unit in %(place)s to "
                    "share it: choose another building or add the units.",
                    cost=self.name,
                    place=self._get_place_name(),
                )
            )
        weights = self._get_weights(units)
        step = amounts.to_decimal(self.currency_id.rounding)
        total = amounts.round_half_up(amounts.to_decimal(self.amount), step)
        try:
            parts = meters.allocate(
                total, weights, [unit.code or "" for unit in units], step
            )
        except ValueError as error:
            raise UserError(
                _(
                    "Shared cost %(cost)s cannot be split %(basis)s: the units "
                    "of %(place)s have none. Enter their areas or readings, or "
                    "split it equally.",
                    cost=self.name,
                    basis=self._get_basis_text(),
                    place=self._get_place_name(),
                )
            ) from error
        return list(zip(units, weights, parts, strict=True)), sum(weights, Decimal(0))

    def _get_basis_text(self):
        self.ensure_one()
        return dict(self._fields["allocation_basis"]._description_selection(self.env))[
            self.allocation_basis
        ].lower()
