import base64

from odoo import _, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.mimetypes import guess_mimetype

from ..tools import meters

# Photo formats an owner may upload, as detected from the file's content.
PORTAL_PHOTO_MIMETYPES = ("image/jpeg", "image/png", "image/webp")
# Largest photo accepted from the portal, in bytes.
PORTAL_PHOTO_MAX_SIZE = 10 * 1024 * 1024


class PropertyMeter(models.Model):
    """Readings that owners report on the portal, with a photo of the meter."""

    # Each feature extends this model in its own file, one feature per file.
    _inherit = "property.meter"  # pylint: disable=consider-merging-classes-inherited

    def _get_portal_pending_reading(self):
        """Return the owner's reported reading still waiting for staff."""
        self.ensure_one()
        return self.env["property.meter.reading"].search(
            [
                ("meter_id", "=", self.id),
                ("source", "=", "portal"),
                ("state", "=", "draft"),
            ],
            order="date desc, id desc",
            limit=1,
        )

    def _check_portal_photo(self, photo):
        """Check an uploaded photo of the meter.

        :param bytes photo: the file's content
        :return: an error message, or False when the photo can be saved
        """
        if not photo:
            return _(
                "Add a photo of meter %(meter)s showing its value, so that the "
                "office can check the reading.",
                meter=self.serial_number,
            )
        if len(photo) > PORTAL_PHOTO_MAX_SIZE:
            return _(
                "The photo is %(size)s MB, above the limit of %(limit)s MB: "
                "send a smaller photo.",
                size=format(len(photo) / 1024 / 1024, ".1f"),
                limit=PORTAL_PHOTO_MAX_SIZE // 1024 // 1024,
            )
        mimetype = guess_mimetype(photo, default="application/octet-stream")
        if mimetype not in PORTAL_PHOTO_MIMETYPES:
            return _(
                "The photo is not a JPEG, PNG or WebP image (%(type)s): take "
                "the photo again or save it as JPEG.",
                type=mimetype,
            )
        return False

    def _check_portal_reading(self, date, value):
        """Check a value that an owner reports on the portal.

        The rules are those of the entry screen and the import, without the
        rollover mark: a value below the previous one is rejected, and staff
        record a rollover or a meter replacement themselves.

        :return: an error message, or False when the value can be saved
        """
        self.ensure_one()
        if date > self._get_local_today():
            return _(
                "The reading date %(date)s is in the future: enter the day you "
                "read the meter.",
                date=date,
            )
        previous = self._get_last_confirmed()
        if previous and date <= previous.date:
            return _(
                "Meter %(meter)s already has a confirmed reading on %(previous)s: "
                "enter a reading dated after it.",
                meter=self.serial_number,
                previous=previous.date,
            )
        previous_value = previous.value if previous else self.initial_value
        try:
            meters.consumption(
                previous_value, value, digits=self.digits, multiplier=self.multiplier
            )
        except meters.MeterValueError as error:
            if error.code != "below_previous":
                return self._get_reading_error(error, date, value, previous_value)
            return _(
                "The value %(value)s is below the previous reading %(previous)s "
                "of meter %(meter)s. Check the value on the meter. If the "
                "meter passed its maximum or was replaced, contact the property "
                "office, which records it.",
                value=format(value, "g"),
                previous=format(previous_value, "g"),
                meter=self.serial_number,
            )
        return False

    def _report_portal_reading(self, date, value, photo):
        """Save a reading reported by the owner, as a draft for staff.

        An earlier reading that the owner reported and staff have not
        confirmed yet is replaced, so each meter has at most one waiting.

        :param datetime.date date: the day the owner read the meter
        :param float value: the value shown on the meter
        :param bytes photo: the photo's content
        :return: the new reading
        :raise UserError: when the value, date or photo is invalid
        """
        self.ensure_one()
        error = self._check_portal_photo(photo) or self._check_portal_reading(
            date, value
        )
        if error:
            raise UserError(error)
        Reading = self.env["property.meter.reading"]
        pending = self._get_portal_pending_reading()
        same_day = Reading.search(
            [("meter_id", "=", self.id), ("date", "=", date)], limit=1
        )
        if same_day and same_day != pending:
            raise UserError(
                _(
                    "Meter %(meter)s already has a reading on %(date)s: enter "
                    "a later date, or ask the office to correct that reading.",
                    meter=self.serial_number,
                    date=date,
                )
            )
        try:
            with self.env.cr.savepoint():
                pending.unlink()
                return Reading.create(
                    {
                        "meter_id": self.id,
                        "date": date,
                        "value": value,
                        "source": "portal",
                        "photo": base64.b64encode(photo),
                    }
                )
        except ValidationError as error:
            raise UserError(error.args[0]) from error
