import base64
import csv
import io

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..tools import meters, roster


class PropertyMeterReadingImport(models.TransientModel):
    """Import meter readings from a CSV or XLSX file, all or nothing.

    Columns: 表号/serial, 本期读数/value, and optionally 抄表日期/date (the
    wizard's date when empty) and 翻表/rollover (1, yes or 是 to mark a
    rollover). When any row has an error, nothing is imported and every bad
    row is listed with its reason, with a CSV report to download.
    """

    _name = "property.meter.reading.import"
    _description = "Import Meter Readings"
    _check_company_auto = True

    community_id = fields.Many2one(
        comodel_name="property.community", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="community_id.company_id")
    file = fields.Binary(
        string="Reading File",
        attachment=False,
        help="CSV (UTF-8 or GB18030) or XLSX file with one reading per row.",
    )
    filename = fields.Char()
    date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        help="Date of the readings of rows without a date.",
    )
    confirm = fields.Boolean(string="Confirm Readings", default=True)
    state = fields.Selection(
        selection=[("upload", "Upload"), ("error", "Errors"), ("done", "Done")],
        default="upload",
    )
    line_ids = fields.One2many(
        comodel_name="property.meter.reading.import.line",
        inverse_name="wizard_id",
        string="Rows with Errors",
    )
    imported_count = fields.Integer(readonly=True)
    error_report = fields.Binary(readonly=True, attachment=False)
    error_report_name = fields.Char(readonly=True)

    def action_import(self):
        self.ensure_one()
        rows = self._read_rows()
        self.line_ids.unlink()
        errors = self._check_rows(rows)
        if errors:
            self.env["property.meter.reading.import.line"].create(
                [
                    {
                        "wizard_id": self.id,
                        "line_number": line,
                        "serial": serial,
                        "message": message,
                    }
                    for line, serial, message in errors
                ]
            )
            self.write(
                {
                    "state": "error",
                    "imported_count": 0,
                    "error_report": self._build_error_report(errors),
                    "error_report_name": self._get_error_report_name(),
                }
            )
            return self._action_reopen()
        readings = self._create_readings(rows)
        self.write({"state": "done", "imported_count": len(readings)})
        return self._action_reopen()

    def _action_reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _read_rows(self):
        if not self.file:
            raise UserError(_("Choose a reading file (CSV or XLSX) to import."))
        try:
            table = roster.read_table(base64.b64decode(self.file), self.filename or "")
            return meters.parse_reading_table(table)
        except roster.RosterFileError as error:
            if error.code == "missing_columns":
                raise UserError(
                    _(
                        "The file has no column for %(columns)s: name the columns "
                        "表号,本期读数,抄表日期,翻表 or serial, value, date, rollover.",
                        columns=", ".join(error.params["columns"]),
                    )
                ) from error
            raise UserError(
                _(
                    "File %(file)s cannot be read (%(error)s): save it as CSV "
                    "UTF-8 or XLSX with one reading per row under a header.",
                    file=self.filename,
                    error=error.code,
                )
            ) from error

    def _check_rows(self, rows):
        """Check every row like the entry screen does.

        Rows of one meter are checked in date order, each against the one
        before it in the file, so a file may hold several months.

        :return: list of (line number, serial, message)
        """
        errors = []
        found = self.env["property.meter"].search(
            [
                ("community_id", "=", self.community_id.id),
                ("serial_number", "in", [row.serial for row in rows if row.serial]),
            ]
        )
        by_serial = found.grouped("serial_number")
        seen = {}
        for row in sorted(rows, key=lambda r: (r.serial, r.date or self.date, r.line)):
            for code in row.issues:
                errors.append((row.line, row.serial, self._issue_message(code)))
            if row.issues:
                continue
            meter = by_serial.get(row.serial)
            if not meter or len(meter) > 1:
                errors.append(
                    (
                        row.line,
                        row.serial,
                        _(
                            "No single meter of community %(community)s has serial "
                            "number %(serial)s: check the number, or add the meter.",
                            community=self.community_id.display_name,
                            serial=row.serial,
                        ),
                    )
                )
                continue
            day = row.date or self.date
            key = (meter.id, day)
            if key in seen:
                errors.append(
                    (
                        row.line,
                        row.serial,
                        _(
                            "Meter %(serial)s is read twice on %(date)s, also on "
                            "line %(other)s: keep one reading per day.",
                            serial=row.serial,
                            date=day,
                            other=seen[key],
                        ),
                    )
                )
                continue
            seen[key] = row.line
            previous = seen.get((meter.id, "last"))
            if previous is not None:
                try:
                    meters.consumption(
                        previous,
                        row.value,
                        digits=meter.digits,
                        rollover=row.rollover,
                        multiplier=meter.multiplier,
                    )
                    message = False
                except meters.MeterValueError as error:
                    message = meter._get_reading_error(error, day, row.value, previous)
            else:
                message = meter._check_new_reading(day, row.value, row.rollover)
            message = message or meter._check_reading_date(day)
            if message:
                errors.append((row.line, row.serial, message))
            seen[(meter.id, "last")] = row.value
            row.meter = meter
        return sorted(errors)

    def _create_readings(self, rows):
        Reading = self.env["property.meter.reading"]
        readings = Reading.browse()
        # One create per row in date order, so each reading's previous value is
        # the one before it once that one is confirmed.
        for row in sorted(rows, key=lambda r: (r.serial, r.date or self.date)):
            reading = Reading.create(
                {
                    "meter_id": row.meter.id,
                    "date": row.date or self.date,
                    "value": float(row.value),
                    "is_rollover": row.rollover,
                    "source": "imported",
                }
            )
            if self.confirm:
                reading.action_confirm()
            readings |= reading
        return readings

    def _issue_message(self, code):
        if code == "serial_missing":
            return _("The meter serial number is missing: fill in the 表号 column.")
        if code == "value_invalid":
            return _("The value is not a number of 0 or more: type the value read.")
        return _(
            "The date is not a date such as 2026-05-31: correct it or leave "
            "it empty for the import date."
        )

    def _get_error_report_name(self):
        stem = (self.filename or "readings").rsplit(".", 1)[0]
        return f"{stem}-errors.csv"

    def _build_error_report(self, errors):
        output = io.StringIO()
        writer = csv.writer(output)
        writer.writerow([_("Line"), _("Meter"), _("Reason")])
        for line, serial, message in errors:
            writer.writerow([line, serial, message])
        return base64.b64encode(output.getvalue().encode("utf-8-sig"))


class PropertyMeterReadingImportLine(models.TransientModel):
    _name = "property.meter.reading.import.line"
    _description = "Meter Reading Import Error"
    _order = "line_number, id"

    wizard_id = fields.Many2one(
        comodel_name="property.meter.reading.import",
        required=True,
        ondelete="cascade",
    )
    line_number = fields.Integer(string="Line")
    serial = fields.Char(string="Meter")
    message = fields.Text(string="Reason")
