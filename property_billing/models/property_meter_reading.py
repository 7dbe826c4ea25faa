from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import meters

# Fields a billed reading keeps as billed: changing them needs a correction.
LOCKED_FIELDS = {"meter_id", "date", "value", "is_rollover", "previous_value"}


class PropertyMeterReading(models.Model):
    """A reading (抄表) of a meter: its value on a date and the consumption since
    the previous confirmed reading.

    A draft reading becomes confirmed when staff confirm it, and billed once a
    posted invoice bills it. It goes back to confirmed when that invoice is
    cancelled or credited by a correction. A reading whose consumption looks
    wrong (see ``tools.meters.detect_anomaly``) or whose meter rolled over is
    flagged and stays in draft until a user accepts it.
    """

    _name = "property.meter.reading"
    _description = "Property Meter Reading"
    _inherit = ["mail.thread"]
    _order = "date desc, meter_id, id desc"
    _check_company_auto = True

    meter_id = fields.Many2one(
        comodel_name="property.meter",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    meter_type = fields.Selection(related="meter_id.meter_type", store=True)
    unit_id = fields.Many2one(related="meter_id.unit_id", store=True, index=True)
    building_id = fields.Many2one(
        related="meter_id.building_id", store=True, index=True
    )
    community_id = fields.Many2one(
        related="meter_id.community_id", store=True, index=True
    )
    company_id = fields.Many2one(related="meter_id.company_id", store=True)
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    value = fields.Float(digits=(16, 2), required=True, tracking=True)
    is_rollover = fields.Boolean(
        string="Rollover",
        help="The counter passed its maximum (99999 for 5 digits) and started "
        "again from 0 since the previous reading.",
    )
    previous_reading_id = fields.Many2one(
        comodel_name="property.meter.reading",
        readonly=True,
        ondelete="set null",
    )
    previous_value = fields.Float(
        digits=(16, 2),
        readonly=True,
        help="Value of the previous confirmed reading, or the meter's initial "
        "value for its first reading.",
    )
    consumption = fields.Float(
        digits=(16, 2),
        readonly=True,
        help="Value minus previous value, times the meter's multiplier.",
    )
    source = fields.Selection(
        selection=[
            ("entered", "Entered"),
            ("imported", "Imported"),
            ("portal", "Reported by Owner"),
        ],
        default="entered",
        required=True,
    )
    photo = fields.Image(max_width=1920, max_height=1920, attachment=True)
    anomaly = fields.Selection(
        selection=[
            ("high", "Consumption above 3× average"),
            ("stuck", "Zero for 3 periods"),
            ("rollover", "Meter rolled over"),
        ],
        readonly=True,
        copy=False,
    )
    reviewed_by_id = fields.Many2one(
        comodel_name="res.users", readonly=True, copy=False
    )
    to_review = fields.Boolean(
        compute="_compute_to_review",
        store=True,
        help="Flagged as an anomaly and not yet accepted: not billed until a "
        "user accepts it.",
    )
    charge_ids = fields.Many2many(
        comodel_name="property.billing.charge",
        relation="property_billing_charge_meter_reading_rel",
        column1="reading_id",
        column2="charge_id",
        string="Charges",
        readonly=True,
        copy=False,
        help="Charges computed from this reading, previews included. A common "
        "meter's reading is on the charge of every unit sharing its cost.",
    )
    billed_charge_id = fields.Many2one(
        comodel_name="property.billing.charge",
        string="Billed On",
        compute="_compute_billed_charge_id",
        help="The live charge that bills this reading; for a common meter, the "
        "first unit's.",
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("confirmed", "Confirmed"),
            ("billed", "Billed"),
        ],
        compute="_compute_state",
        store=True,
        readonly=False,
        default="draft",
        index=True,
        copy=False,
        tracking=True,
    )

    _sql_constraints = [
        (
            "meter_date_uniq",
            "unique(meter_id, date)",
            "A meter can have only one reading per day.",
        ),
    ]

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("charge_ids.state")
    def _compute_billed_charge_id(self):
        for reading in self:
            reading.billed_charge_id = reading.charge_ids.filtered(
                lambda charge: charge.state == "invoiced"
            )[:1]

    @api.depends("charge_ids.state")
    def _compute_state(self):
        for reading in self:
            if "invoiced" in reading.charge_ids.mapped("state"):
                reading.state = "billed"
            elif reading.state == "billed":
                # The invoice was cancelled or credited: bill the reading again.
                reading.state = "confirmed"
            elif not reading.state:
                reading.state = "draft"

    @api.depends("anomaly", "reviewed_by_id", "state")
    def _compute_to_review(self):
        for reading in self:
            reading.to_review = bool(
                reading.anomaly
                and not reading.reviewed_by_id
                and reading.state == "draft"
            )

    @api.depends("meter_id", "date", "value")
    def _compute_display_name(self):
        for reading in self:
            reading.display_name = (
                f"{reading.meter_id.serial_number} {reading.date}: {reading.value:g}"
            )

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains("meter_id", "date")
    def _check_date_not_future(self):
        # The entry screen, the import and the portal check the date first and
        # list every bad line. This constraint covers the reading form and RPC.
        for reading in self:
            error = reading.meter_id._check_reading_date(reading.date)
            if error:
                raise ValidationError(error)

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        readings = super().create(vals_list)
        readings._update_consumption()
        return readings

    def write(self, vals):
        # Check access rights first, so that a user without them gets an AccessError.
        self.check_access("write")
        if LOCKED_FIELDS & set(vals) and not self.env.context.get(
            "meter_reading_correction"
        ):
            for reading in self:
                if reading.state == "billed":
                    raise UserError(
                        _(
                            "Reading %(reading)s is billed on %(invoice)s and "
                            "cannot be changed: use Correct to credit the bill "
                            "and bill the corrected value.",
                            reading=reading.display_name,
                            invoice=reading.billed_charge_id.move_id.name,
                        )
                    )
                if reading.state == "confirmed" and "state" not in vals:
                    raise UserError(
                        _(
                            "Reading %(reading)s is confirmed: set it back to "
                            "draft before changing it.",
                            reading=reading.display_name,
                        )
                    )
        result = super().write(vals)
        if {"meter_id", "date", "value", "is_rollover"} & set(vals):
            self._update_consumption()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_billed(self):
        for reading in self:
            if reading.state == "billed":
                raise UserError(
                    _(
                        "Reading %(reading)s is billed on %(invoice)s and cannot "
                        "be deleted: cancel or credit that bill first.",
                        reading=reading.display_name,
                        invoice=reading.billed_charge_id.move_id.name,
                    )
                )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_confirm(self):
        """Confirm the draft readings that need no review.

        Flagged readings stay in draft, listed under To Review, until a user
        accepts them with ``action_accept``.
        """
        drafts = self.filtered(lambda r: r.state == "draft").sorted(
            lambda r: (r.meter_id.id, r.date, r.id)
        )
        for reading in drafts:
            # Confirming readings in date order lets each one see the previous
            # as confirmed.
            reading._update_consumption()
            if reading.anomaly and not reading.reviewed_by_id:
                continue
            later = self.search(
                [
                    ("meter_id", "=", reading.meter_id.id),
                    ("date", ">", reading.date),
                    ("state", "in", ("confirmed", "billed")),
                ],
                order="date, id",
            )
            if "billed" in later.mapped("state"):
                raise UserError(
                    _(
                        "Reading %(reading)s is older than a billed reading of "
                        "the same meter, whose consumption already counts it: "
                        "delete it, or correct the billed reading instead.",
                        reading=reading.display_name,
                    )
                )
            reading.state = "confirmed"
            # A later confirmed reading now starts from this one.
            later._update_consumption()
        return True

    def action_accept(self):
        """Accept flagged readings after review and confirm them."""
        for reading in self.filtered("to_review"):
            reading.reviewed_by_id = self.env.user
            reading.message_post(
                body=_(
                    "Consumption of %(consumption)s accepted after review.",
                    consumption=reading.consumption,
                )
            )
        return self.action_confirm()

    def action_reset_draft(self):
        for reading in self:
            if reading.state != "confirmed":
                continue
            later = self.search_count(
                [
                    ("meter_id", "=", reading.meter_id.id),
                    ("date", ">", reading.date),
                    ("state", "in", ("confirmed", "billed")),
                ],
                limit=1,
            )
            if later:
                raise UserError(
                    _(
                        "Reading %(reading)s is followed by a confirmed reading "
                        "of the same meter: set the later readings back to draft "
                        "first.",
                        reading=reading.display_name,
                    )
                )
            reading.write({"state": "draft", "reviewed_by_id": False})
        return True

    def action_open_correction(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Correct a Billed Reading"),
            "res_model": "property.meter.reading.correction",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_reading_id": self.id,
                "default_value": self.value,
                "default_is_rollover": self.is_rollover,
            },
        }

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _update_consumption(self):
        """Store the previous value, the consumption and any anomaly.

        :raise ValidationError: for a value below the previous one that is not
            marked as a rollover, and for other impossible values
        """
        for reading in self:
            if reading.state == "billed" and not self.env.context.get(
                "meter_reading_correction"
            ):
                continue
            meter = reading.meter_id
            previous = meter._get_last_confirmed(before=reading.date)
            previous_value = previous.value if previous else meter.initial_value
            try:
                consumption = meters.consumption(
                    previous_value,
                    reading.value,
                    digits=meter.digits,
                    rollover=reading.is_rollover,
                    multiplier=meter.multiplier,
                )
            except meters.MeterValueError as error:
                raise ValidationError(
                    meter._get_reading_error(
                        error, reading.date, reading.value, previous_value
                    )
                ) from error
            anomaly = "rollover" if reading.is_rollover else False
            if not anomaly:
                anomaly = meters.detect_anomaly(
                    consumption, reading._get_history(previous)
                )
            super(PropertyMeterReading, reading).write(
                {
                    "previous_reading_id": previous.id,
                    "previous_value": previous_value,
                    "consumption": float(consumption),
                    "anomaly": anomaly or False,
                }
            )
        return True

    def _get_history(self, previous):
        """Return the consumptions of the meter's readings up to ``previous``."""
        self.ensure_one()
        if not previous:
            return []
        history = self.search(
            [
                ("meter_id", "=", self.meter_id.id),
                ("state", "in", ("confirmed", "billed")),
                ("date", "<=", previous.date),
            ],
            order="date desc, id desc",
            limit=meters.ANOMALY_HISTORY,
        )
        return list(reversed(history.mapped("consumption")))
