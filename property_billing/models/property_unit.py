from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

UNIT_TYPES = [
    ("apartment", "Apartment"),
    ("shop", "Shop"),
    ("parking", "Parking Space"),
    ("storage", "Storage Room"),
]


class PropertyUnit(models.Model):
    """A unit that is billed: an apartment (房屋), shop, parking space or storage."""

    _name = "property.unit"
    _description = "Property Unit"
    _inherit = ["mail.thread"]
    _order = "community_id, building_id, code, id"
    _check_company_auto = True

    code = fields.Char(
        compute="_compute_code",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
        tracking=True,
        help="Unique within the community, such as 1-2-301 for building 1, "
        "entrance 2, unit 301. Built from those parts unless typed in.",
    )
    building_id = fields.Many2one(
        comodel_name="property.building",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    community_id = fields.Many2one(
        related="building_id.community_id", store=True, index=True, readonly=True
    )
    company_id = fields.Many2one(
        related="building_id.community_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    entrance = fields.Char(help="Entrance or staircase (单元) inside the building.")
    number = fields.Char(required=True, help="Door number, such as 301 or B1-001.")
    floor = fields.Integer(help="Negative for basements.")
    unit_type = fields.Selection(
        selection=UNIT_TYPES,
        string="Type",
        required=True,
        default="apartment",
    )
    area = fields.Float(
        string="Building Area (m²)",
        digits=(16, 2),
        tracking=True,
        help="Gross building area in square metres, the quantity of per-m² fees.",
    )
    owner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Owner",
        index=True,
        tracking=True,
        check_company=True,
    )
    billing_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Billed To",
        compute="_compute_billing_partner_id",
        store=True,
        precompute=True,
        readonly=False,
        index=True,
        tracking=True,
        check_company=True,
        help="Partner who receives and pays the bills: the owner unless a "
        "tenant or another payer is set.",
    )
    handover_date = fields.Date(help="Day the unit was handed over to the owner.")
    active = fields.Boolean(default=True)
    fee_ids = fields.One2many(
        comodel_name="property.unit.fee",
        inverse_name="unit_id",
        string="Fees",
    )
    charge_ids = fields.One2many(
        comodel_name="property.billing.charge",
        inverse_name="unit_id",
        string="Charges",
    )

    _sql_constraints = [
        (
            "code_community_uniq",
            "unique(code, community_id)",
            "A unit code must be unique within its community.",
        ),
    ]

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("building_id.code", "entrance", "number")
    def _compute_code(self):
        for unit in self:
            parts = [unit.building_id.code, unit.entrance, unit.number]
            unit.code = "-".join(
                part.strip() for part in parts if part and part.strip()
            )

    @api.depends("owner_id")
    def _compute_billing_partner_id(self):
        for unit in self:
            unit.billing_partner_id = unit.owner_id

    @api.depends("code", "community_id.code")
    def _compute_display_name(self):
        for unit in self:
            unit.display_name = (
                f"{unit.community_id.code} {unit.code}"
                if unit.community_id.code
                else unit.code
            )

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains("area")
    def _check_area(self):
        for unit in self:
            if unit.area < 0:
                raise ValidationError(
                    _(
                        "Unit %(unit)s has a negative area (%(area)s m²): enter "
                        "the building area in square metres, 0 or more.",
                        unit=unit.display_name,
                        area=unit.area,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_codes_available(vals_list)
        return super().create(vals_list)

    @api.model
    def _check_codes_available(self, vals_list):
        """Reject new units whose code is taken, before PostgreSQL does.

        The SQL constraint stays as the last guard, but its message cannot name
        the code, so the codes are checked here first, in one query.
        """
        keys = []
        for vals in vals_list:
            draft = self.new(vals)
            keys.append((draft.code, draft.community_id.id, draft.community_id))
        seen = set()
        for code, community_id, community in keys:
            if (code, community_id) in seen:
                self._raise_duplicate_code(code, community)
            seen.add((code, community_id))
        if not keys:
            return
        self.env.cr.execute(
            """
            SELECT code, community_id
              FROM property_unit
             WHERE code = ANY(%s) AND community_id = ANY(%s)
            """,
            [[key[0] for key in keys], [key[1] for key in keys]],
        )
        taken = set(self.env.cr.fetchall())
        for code, community_id, community in keys:
            if (code, community_id) in taken:
                self._raise_duplicate_code(code, community)

    @api.constrains("code", "community_id", "building_id", "entrance", "number")
    def _check_code_unique(self):
        # Plain SQL: an ORM search would flush the pending update first, and
        # PostgreSQL would reject it with its unnamed message. One query checks
        # the whole batch, because imports create thousands of units at once.
        if not self:
            return
        self.env.cr.execute(
            """
            SELECT unit.id
              FROM property_unit other
              JOIN (SELECT unnest(%s::int[]) AS id,
                           unnest(%s::varchar[]) AS code,
                           unnest(%s::int[]) AS community_id) unit
                ON other.code = unit.code
               AND other.community_id = unit.community_id
               AND other.id != unit.id
             LIMIT 1
            """,
            [
                self.ids,
                [unit.code for unit in self],
                [unit.community_id.id for unit in self],
            ],
        )
        row = self.env.cr.fetchone()
        if row:
            unit = self.browse(row[0])
            self._raise_duplicate_code(unit.code, unit.community_id)

    def _raise_duplicate_code(self, code, community):
        raise ValidationError(
            _(
                "Unit code %(code)s already exists in community %(community)s: give "
                "the unit another number, entrance or code, or edit the existing unit.",
                code=code,
                community=community.display_name,
            )
        )

    @api.model
    def _search_display_name(self, operator, value):
        if operator in ("ilike", "=ilike", "like", "=like", "=") and value:
            return ["|", ("code", operator, value), ("owner_id.name", operator, value)]
        return super()._search_display_name(operator, value)
