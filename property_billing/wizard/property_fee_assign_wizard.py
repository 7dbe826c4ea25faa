from odoo import _, api, fields, models
from odoo.exceptions import UserError


class PropertyFeeAssignWizard(models.TransientModel):
    """Apply one fee item to every unit of a community or of some buildings."""

    _name = "property.fee.assign.wizard"
    _description = "Apply a Fee Item to Many Units"
    _check_company_auto = True

    community_id = fields.Many2one(comodel_name="property.community", required=True)
    company_id = fields.Many2one(related="community_id.company_id")
    currency_id = fields.Many2one(related="community_id.currency_id")
    building_ids = fields.Many2many(
        comodel_name="property.building",
        string="Buildings",
        domain="[('community_id', '=', community_id)]",
        help="Only units of these buildings; every building when empty.",
    )
    unit_types = fields.Selection(
        selection=[
            ("all", "All Units"),
            ("apartment", "Apartments"),
            ("shop", "Shops"),
            ("parking", "Parking Spaces"),
            ("storage", "Storage Rooms"),
        ],
        required=True,
        default="all",
    )
    fee_item_id = fields.Many2one(
        comodel_name="property.fee.item", required=True, check_company=True
    )
    date_start = fields.Date(
        string="From", required=True, default=fields.Date.context_today
    )
    date_end = fields.Date(string="Until")
    has_rate_override = fields.Boolean(string="Own Rate")
    rate_override = fields.Monetary(string="Rate")

    def _get_units(self):
        domain = [("community_id", "=", self.community_id.id)]
        if self.building_ids:
            domain.append(("building_id", "in", self.building_ids.ids))
        if self.unit_types != "all":
            domain.append(("unit_type", "=", self.unit_types))
        return self.env["property.unit"].search(domain)

    def action_assign(self):
        """Create the unit fees and report how many units were left out and why."""
        self.ensure_one()
        units = self._get_units()
        if not units:
            raise UserError(
                _(
                    "No unit of community %(community)s matches the buildings and "
                    "types chosen: widen the selection.",
                    community=self.community_id.display_name,
                )
            )
        result = self._assign(units)
        message = _(
            "%(created)s units now have fee %(fee)s; %(overlap)s already had it "
            "for those dates; %(no_area)s have no area for a per-m² fee.",
            created=result["created"],
            fee=self.fee_item_id.name,
            overlap=result["overlap"],
            no_area=result["no_area"],
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Fees applied"),
                "message": message,
                "sticky": True,
                "type": "success" if result["created"] else "warning",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _find_overlapping_unit_ids(self, units, fee_item, date_start, date_end):
        self.env["property.unit.fee"].flush_model()
        self.env.cr.execute(
            """
            SELECT DISTINCT unit_id
              FROM property_unit_fee
             WHERE unit_id = ANY(%s)
               AND fee_item_id = %s
               AND date_start <= COALESCE(%s, 'infinity'::date)
               AND %s <= COALESCE(date_end, 'infinity'::date)
            """,
            [units.ids, fee_item.id, date_end or None, date_start],
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _assign(self, units):
        overlapping = self._find_overlapping_unit_ids(
            units, self.fee_item_id, self.date_start, self.date_end
        )
        needs_area = self.fee_item_id.calculation == "area"
        to_assign = units.filtered(
            lambda u: u.id not in overlapping and (not needs_area or u.area > 0)
        )
        self.env["property.unit.fee"].create(
            [
                {
                    "unit_id": unit.id,
                    "fee_item_id": self.fee_item_id.id,
                    "date_start": self.date_start,
                    "date_end": self.date_end,
                    "has_rate_override": self.has_rate_override,
                    "rate_override": self.rate_override,
                }
                for unit in to_assign
            ]
        )
        return {
            "created": len(to_assign),
            "overlap": len(overlapping),
            "no_area": len(units) - len(to_assign) - len(overlapping),
        }
