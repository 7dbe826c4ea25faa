from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from ..models.property_meter import METER_TYPES


class PropertyMeterReadingEntry(models.TransientModel):
    """Enter the readings of every meter of a building for one date.

    Each line shows a meter with its last confirmed reading, so staff type
    only the new value. Nothing is saved while any line has an impossible
    value: every such line is listed in one message.
    """

    _name = "property.meter.reading.entry"
    _description = "Enter Meter Readings"
    _check_company_auto = True

    community_id = fields.Many2one(
        comodel_name="property.community", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="community_id.company_id")
    building_id = fields.Many2one(
        comodel_name="property.building",
        domain="[('community_id', '=', community_id)]",
        help="Meters of this building, its common meters included; all meters "
        "of the community when empty.",
    )
    meter_type = fields.Selection(
        selection=METER_TYPES, help="Only meters of this type; all when empty."
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    confirm = fields.Boolean(
        string="Confirm Readings",
        default=True,
        help="Confirm the readings when saving them. Flagged readings stay in "
        "draft, under To Review, whatever this setting.",
    )
    line_ids = fields.One2many(
        comodel_name="property.meter.reading.entry.line",
        inverse_name="wizard_id",
        string="Meters",
    )

    @api.onchange("community_id", "building_id", "meter_type", "date")
    def _onchange_load_lines(self):
        self.line_ids = [Command.clear()] + [
            Command.create(vals) for vals in self._prepare_lines()
        ]

    def _get_meters(self):
        domain = [("community_id", "=", self.community_id.id)]
        if self.building_id:
            domain.append(("building_id", "=", self.building_id.id))
        if self.meter_type:
            domain.append(("meter_type", "=", self.meter_type))
        return self.env["property.meter"].search(domain)

    def _prepare_lines(self):
        if not self.community_id:
            return []
        return [
            {
                "meter_id": meter.id,
                "last_value": meter.last_value,
                "last_date": meter.last_date,
            }
            for meter in self._get_meters()
        ]

    def action_load(self):
        """Fill the lines with the meters; for callers without a form."""
        self.ensure_one()
        self.line_ids = [Command.clear()] + [
            Command.create(vals) for vals in self._prepare_lines()
        ]
        return True

    def action_save(self):
        """Create a reading for every line with a value, then confirm them.

        :raise UserError: listing every line whose value is impossible
        """
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line._is_read())
        if not lines:
            raise UserError(
                _("No meter has a new value: type the values read, then save.")
            )
        # One date for every line: a future date is reported once, not per meter.
        if lines[:1].meter_id._check_reading_date(self.date):
            today = lines[:1].meter_id._get_local_today()
            raise UserError(
                _(
                    "The reading date %(date)s is in the future: today is %(today)s "
                    "in the time zone of community %(community)s (%(tz)s). Enter "
                    "the day the meters were read.",
                    date=self.date,
                    today=today,
                    community=self.community_id.display_name,
                    tz=self.community_id.tz,
                )
            )
        errors = [
            error
            for line in lines
            if (
                error := line.meter_id._check_new_reading(
                    self.date, line.value, line.is_rollover
                )
            )
        ]
        if errors:
            raise UserError("\n".join(errors))
        readings = self.env["property.meter.reading"].create(
            [
                {
                    "meter_id": line.meter_id.id,
                    "date": self.date,
                    "value": line.value,
                    "is_rollover": line.is_rollover,
                    "source": "entered",
                }
                for line in lines
            ]
        )
        if self.confirm:
            readings.action_confirm()
        return {
            "type": "ir.actions.act_window",
            "name": _("Readings Entered"),
            "res_model": "property.meter.reading",
            "view_mode": "list,form",
            "domain": [("id", "in", readings.ids)],
        }


class PropertyMeterReadingEntryLine(models.TransientModel):
    _name = "property.meter.reading.entry.line"
    _description = "Meter Reading to Enter"
    _order = "id"

    wizard_id = fields.Many2one(
        comodel_name="property.meter.reading.entry", required=True, ondelete="cascade"
    )
    meter_id = fields.Many2one(
        comodel_name="property.meter", required=True, ondelete="cascade"
    )
    unit_id = fields.Many2one(related="meter_id.unit_id")
    meter_type = fields.Selection(related="meter_id.meter_type")
    last_value = fields.Float(digits=(16, 2), readonly=True)
    last_date = fields.Date(readonly=True)
    value = fields.Float(
        string="New Value",
        digits=(16, 2),
        help="Value read. Left at 0 for a meter whose last value is above 0, "
        "the line is taken as not read and skipped.",
    )
    is_rollover = fields.Boolean(string="Rollover")
    skip = fields.Boolean(string="Not Read")

    def _is_read(self):
        self.ensure_one()
        if self.skip:
            return False
        return bool(self.value) or not self.last_value or self.is_rollover
