from odoo import _, fields, models
from odoo.exceptions import UserError


class PropertyMeterReadingCorrection(models.TransientModel):
    """Correct a billed reading: credit its bill and bill the corrected value.

    A billed reading is never edited silently. The charges that bill it get a
    credit note, the reading takes the corrected value, and new charges for
    the same readings go on a new invoice of the same billing run.
    """

    _name = "property.meter.reading.correction"
    _description = "Correct a Billed Meter Reading"

    reading_id = fields.Many2one(
        comodel_name="property.meter.reading", required=True, ondelete="cascade"
    )
    value = fields.Float(string="Corrected Value", digits=(16, 2), required=True)
    is_rollover = fields.Boolean(string="Rollover")
    reason = fields.Char(required=True, default=lambda self: _("Reading corrected"))

    def action_apply(self):
        """Credit the old charges and invoice new ones.

        :return: an action showing the credit notes and new invoices
        """
        self.ensure_one()
        reading = self.reading_id
        old_charges = reading.charge_ids.filtered(lambda c: c.state == "invoiced")
        if reading.state != "billed" or not old_charges:
            raise UserError(
                _(
                    "Reading %(reading)s is not billed: set it back to draft and "
                    "change it there.",
                    reading=reading.display_name,
                )
            )
        self._check_later_readings(reading, old_charges)
        error = reading.meter_id._check_new_reading(
            reading.date, self.value, self.is_rollover
        )
        if error:
            raise UserError(error)
        if any(not charge.unit_fee_id for charge in old_charges):
            raise UserError(
                _(
                    "A charge of reading %(reading)s lost its unit fee, so it "
                    "cannot be billed again: credit it by hand.",
                    reading=reading.display_name,
                )
            )
        old_value = reading.value
        refunds = old_charges._credit(self.reason)
        correction = reading.with_context(meter_reading_correction=True)
        correction.write({"value": self.value, "is_rollover": self.is_rollover})
        later = reading.search(
            [
                ("meter_id", "=", reading.meter_id.id),
                ("date", ">", reading.date),
                ("state", "!=", "billed"),
            ],
            order="date, id",
        )
        later._update_consumption()
        reading.message_post(
            body=_(
                "Value corrected from %(old)s to %(new)s: %(reason)s. Credited on "
                "%(refunds)s.",
                old=old_value,
                new=self.value,
                reason=self.reason,
                refunds=", ".join(refunds.mapped("name")),
            )
        )
        invoices = self._rebill(old_charges)
        return {
            "type": "ir.actions.act_window",
            "name": _("Correction"),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", (refunds | invoices).ids)],
        }

    def _check_later_readings(self, reading, old_charges):
        later_billed = reading.search(
            [
                ("meter_id", "=", reading.meter_id.id),
                ("date", ">", reading.date),
                ("state", "=", "billed"),
            ]
        )
        if later_billed - old_charges.meter_reading_ids:
            raise UserError(
                _(
                    "Meter %(meter)s has billed readings after %(date)s on other "
                    "bills, whose consumption depends on this one: correct the "
                    "latest reading first.",
                    meter=reading.meter_id.serial_number,
                    date=reading.date,
                )
            )

    def _rebill(self, old_charges):
        """Invoice the readings of ``old_charges`` again with their new values."""
        Charge = self.env["property.billing.charge"]
        invoices = self.env["account.move"]
        for run, charges in old_charges.grouped("run_id").items():
            shared = charges.filtered(lambda c: c.fee_item_id.is_shared_cost)
            vals_list = [
                run._prepare_metered_charge(
                    charge.unit_fee_id, charge.meter_reading_ids
                )
                for charge in charges - shared
            ]
            if shared:
                shared_vals, errors = run._collect_shared_values(shared.unit_fee_id)
                if errors:
                    raise UserError("\n".join(error["message"] for error in errors))
                vals_list += [
                    vals
                    for vals in shared_vals
                    if vals["unit_id"] in shared.unit_id.ids
                ]
            new_charges = Charge.create(
                [dict(vals, run_id=run.id) for vals in vals_list]
            )
            invoices |= run._invoice_charges(new_charges)
        return invoices
