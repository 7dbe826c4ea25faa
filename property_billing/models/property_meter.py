from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import meters

METER_TYPES = [
    ("water", "Water"),
    ("electricity", "Electricity"),
    ("gas", "Gas"),
    ("hot_water", "Hot Water"),
    ("other", "Other"),
]
# Unit of consumption printed on invoice lines, by meter type.
METER_UNITS = {
    "water": "m³",
    "electricity": "kWh",
    "gas": "m³",
    "hot_water": "m³",
    "other": "",
}


class PropertyMeter(models.Model):
    """A meter (表) of a unit, or a common meter of a building or community.

    Common meters, such as those of lifts, corridor lights and pumps, have no
    unit. Their consumption is billed as a shared cost (公摊).
    """

    _name = "property.meter"
    _description = "Property Meter"
    _inherit = ["mail.thread"]
    _order = "community_id, building_id, unit_id, meter_type, serial_number, id"
    _rec_name = "serial_number"
    _check_company_auto = True

    serial_number = fields.Char(required=True, tracking=True)
    meter_type = fields.Selection(
        selection=METER_TYPES, string="Type", required=True, default="water"
    )
    unit_id = fields.Many2one(
        comodel_name="property.unit",
        index=True,
        ondelete="restrict",
        check_company=True,
        help="Unit the meter measures; empty for a common meter.",
    )
    building_id = fields.Many2one(
        comodel_name="property.building",
        compute="_compute_building_id",
        store=True,
        precompute=True,
        readonly=False,
        index=True,
        ondelete="restrict",
        check_company=True,
        help="Building of the unit, or of a common meter; empty for a common "
        "meter of the whole community.",
    )
    community_id = fields.Many2one(
        comodel_name="property.community",
        compute="_compute_community_id",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
        index=True,
        ondelete="restrict",
    )
    company_id = fields.Many2one(
        related="community_id.company_id", store=True, index=True
    )
    multiplier = fields.Float(
        digits=(16, 4),
        default=1.0,
        required=True,
        help="Multiplier (倍率): consumption is the difference of two values "
        "times this, as for meters behind a current transformer.",
    )
    digits = fields.Integer(
        default=5,
        help="Digits of the counter: a 5-digit meter rolls over from 99999 to "
        "00000. 0 when it never rolls over.",
    )
    initial_value = fields.Float(
        digits=(16, 2),
        help="Value shown when the meter was installed, the previous value of "
        "its first reading.",
    )
    installation_date = fields.Date(default=fields.Date.context_today)
    replaced_meter_id = fields.Many2one(
        comodel_name="property.meter",
        string="Replaces",
        ondelete="set null",
        help="Meter this one replaced. The old meter's final reading and this "
        "meter's readings from its initial value are both billed.",
    )
    active = fields.Boolean(default=True)
    reading_ids = fields.One2many(
        comodel_name="property.meter.reading",
        inverse_name="meter_id",
        string="Readings",
    )
    last_reading_id = fields.Many2one(
        comodel_name="property.meter.reading",
        compute="_compute_last_reading",
    )
    last_value = fields.Float(digits=(16, 2), compute="_compute_last_reading")
    last_date = fields.Date(compute="_compute_last_reading")

    _sql_constraints = [
        (
            "serial_company_uniq",
            "unique(serial_number, meter_type, company_id)",
            "A meter serial number must be unique per type and company.",
        ),
    ]

    @api.depends("unit_id")
    def _compute_building_id(self):
        for meter in self:
            if meter.unit_id:
                meter.building_id = meter.unit_id.building_id

    @api.depends("unit_id", "building_id")
    def _compute_community_id(self):
        for meter in self:
            if meter.unit_id or meter.building_id:
                meter.community_id = (
                    meter.unit_id.community_id or meter.building_id.community_id
                )

    @api.depends("reading_ids.state", "reading_ids.value", "reading_ids.date")
    def _compute_last_reading(self):
        for meter in self:
            reading = meter._get_last_confirmed()
            meter.last_reading_id = reading
            meter.last_value = reading.value if reading else meter.initial_value
            meter.last_date = reading.date if reading else meter.installation_date

    @api.depends("serial_number", "meter_type", "unit_id")
    def _compute_display_name(self):
        types = dict(METER_TYPES)
        for meter in self:
            place = meter.unit_id.code or meter.building_id.name or _("common")
            meter.display_name = (
                f"{meter.serial_number} ({types.get(meter.meter_type, '')}, {place})"
            )

    @api.constrains("multiplier", "digits", "unit_id", "building_id")
    def _check_values(self):
        for meter in self:
            if meter.multiplier <= 0:
                raise ValidationError(
                    _(
                        "Meter %(meter)s has multiplier %(multiplier)s: enter a "
                        "positive multiplier, 1 for a meter read as is.",
                        meter=meter.serial_number,
                        multiplier=meter.multiplier,
                    )
                )
            if meter.digits < 0 or meter.digits > 12:
                raise ValidationError(
                    _(
                        "Meter %(meter)s has %(digits)s digits: enter 1 to 12, or "
                        "0 for a counter that never rolls over.",
                        meter=meter.serial_number,
                        digits=meter.digits,
                    )
                )
            if meter.unit_id and meter.building_id != meter.unit_id.building_id:
                raise ValidationError(
                    _(
                        "Meter %(meter)s measures unit %(unit)s, which is not in "
                        "building %(building)s: leave the building to the unit's.",
                        meter=meter.serial_number,
                        unit=meter.unit_id.display_name,
                        building=meter.building_id.name,
                    )
                )

    def _get_last_confirmed(self, before=None):
        """Return the meter's latest confirmed or billed reading, optionally
        dated before ``before``, or an empty recordset."""
        self.ensure_one()
        if not self.id:
            return self.env["property.meter.reading"]
        domain = [
            ("meter_id", "=", self.id),
            ("state", "in", ("confirmed", "billed")),
        ]
        if before:
            domain.append(("date", "<", before))
        return self.env["property.meter.reading"].search(
            domain, order="date desc, id desc", limit=1
        )

    def _get_reading_error(self, error, date, value, previous_value):
        """Return the message for an impossible reading of this meter."""
        self.ensure_one()
        meter = self.serial_number
        if error.code == "below_previous":
            return _(
                "Reading of meter %(meter)s on %(date)s: %(value)s is below the "
                "previous reading %(previous)s. Check the value, or mark the "
                "reading as a rollover if the counter passed its maximum.",
                meter=meter,
                date=date,
                value=format(value, "g"),
                previous=format(previous_value, "g"),
            )
        if error.code == "rollover_not_below":
            return _(
                "Reading of meter %(meter)s on %(date)s is marked as a rollover, "
                "but %(value)s is not below the previous reading %(previous)s: "
                "remove the rollover mark.",
                meter=meter,
                date=date,
                value=format(value, "g"),
                previous=format(previous_value, "g"),
            )
        if error.code == "rollover_no_digits":
            return _(
                "Meter %(meter)s has no digit count, so it cannot roll over: "
                "enter its number of digits on the meter first.",
                meter=meter,
            )
        if error.code == "too_many_digits":
            return _(
                "Reading of meter %(meter)s on %(date)s: %(value)s does not fit "
                "in its %(digits)s digits. Check the value or the meter's digits.",
                meter=meter,
                date=date,
                value=format(value, "g"),
                digits=self.digits,
            )
        return _(
            "Reading of meter %(meter)s on %(date)s is negative (%(value)s): "
            "enter the value shown on the meter.",
            meter=meter,
            date=date,
            value=format(value, "g"),
        )

    def _get_local_today(self):
        """Return today's date in the time zone of the meter's community."""
        self.ensure_one()
        tz = self.community_id.tz or self.env.context.get("tz")
        return fields.Date.context_today(self.with_context(tz=tz))

    def _check_reading_date(self, date):
        """Check that a reading of this meter is not dated in the future.

        :return: an error message, or False when the date can be saved
        """
        self.ensure_one()
        today = self._get_local_today()
        if date <= today:
            return False
        return _(
            "Reading of meter %(meter)s on %(date)s is dated in the future: "
            "today is %(today)s in the time zone of community %(community)s "
            "(%(tz)s). Enter the day the meter was read.",
            meter=self.serial_number,
            date=date,
            today=today,
            community=self.community_id.display_name,
            tz=self.community_id.tz,
        )

    def _check_new_reading(self, date, value, rollover=False):
        """Check a value about to be entered for this meter.

        :return: an error message, or False when the value can be saved
        """
        self.ensure_one()
        previous = self._get_last_confirmed(before=date)
        previous_value = previous.value if previous else self.initial_value
        try:
            meters.consumption(
                previous_value,
                value,
                digits=self.digits,
                rollover=rollover,
                multiplier=self.multiplier,
            )
        except meters.MeterValueError as error:
            return self._get_reading_error(error, date, value, previous_value)
        return False
