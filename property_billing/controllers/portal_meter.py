import logging
import math

from odoo import _, fields, http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..models.property_meter_portal import PORTAL_PHOTO_MAX_SIZE
from .portal import PropertyPortal

_logger = logging.getLogger(__name__)


class PropertyMeterPortal(PropertyPortal):
    """Meters on the portal: report a reading with a photo, see the history.

    Meters are looked up in the owner's own environment, so the portal
    record rules of meters and readings decide which ones he reaches. The
    reading is then saved as superuser, because owners may not write
    readings: only the controller's checked values reach it.
    """

    _meter_readings_per_page = 20

    def _get_property_meters_domain(self):
        partner = request.env.user.commercial_partner_id
        return [
            ("unit_id", "!=", False),
            "|",
            ("unit_id.owner_id", "child_of", partner.id),
            ("unit_id.billing_partner_id", "child_of", partner.id),
        ]

    def _get_own_meter(self, meter_id):
        """Return the owner's active meter ``meter_id``, or an empty record."""
        Meter = request.env["property.meter"]
        if not Meter.has_access("read"):
            return Meter
        return Meter.search(
            [("id", "=", meter_id), *self._get_property_meters_domain()], limit=1
        )

    @http.route("/my/property/meters", type="http", auth="user", website=True)
    def portal_my_property_meters(self, reported=None, **kw):
        return self._render_meters_page(reported=reported)

    def _render_meters_page(self, reported=None, error=None, form=None):
        Meter = request.env["property.meter"]
        meters = (
            Meter.search(self._get_property_meters_domain())
            if Meter.has_access("read")
            else Meter
        )
        try:
            reported_id = int(reported or 0)
        except ValueError:
            reported_id = 0
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "property_meters",
                "meters": meters,
                "pending": {
                    meter.id: meter.sudo()._get_portal_pending_reading()
                    for meter in meters
                },
                "reported_id": reported_id,
                "error": error or {},
                "form": form or {},
                "today": fields.Date.context_today(request.env.user),
                "photo_max_mb": PORTAL_PHOTO_MAX_SIZE // 1024 // 1024,
            }
        )
        return request.render("property_billing.portal_my_property_meters", values)

    @http.route(
        "/my/property/meter/<int:meter_id>/reading",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_my_property_meter_report(self, meter_id, value=None, date=None, **kw):
        """Save the reading an owner reports for one of his meters.

        A bad value, date or photo renders the meters page again with the
        message next to the meter's form; nothing is saved.
        """
        meter = self._get_own_meter(meter_id)
        if not meter:
            _logger.info(
                "portal reading of meter %s rejected for user %s: not his meter",
                meter_id,
                request.env.uid,
            )
            return request.redirect("/my/property/meters")
        form = {"meter_id": meter.id, "value": value or "", "date": date or ""}
        try:
            reading_value = self._parse_reading_value(value)
            reading_date = self._parse_reading_date(date)
            upload = request.httprequest.files.get("photo")
            # One byte more than the limit is enough to know it is too large.
            photo = upload.read(PORTAL_PHOTO_MAX_SIZE + 1) if upload else b""
            reading = meter.sudo()._report_portal_reading(
                reading_date, reading_value, photo
            )
        except UserError as error:
            _logger.info(
                "portal reading of meter %s rejected for user %s: %s",
                meter.id,
                request.env.uid,
                error.args[0],
            )
            return self._render_meters_page(error={meter.id: error.args[0]}, form=form)
        _logger.info(
            "meter %s: reading %s reported on the portal by user %s",
            meter.id,
            reading.id,
            request.env.uid,
        )
        return request.redirect(f"/my/property/meters?reported={meter.id}")

    def _parse_reading_value(self, value):
        try:
            number = float((value or "").replace(",", "").strip())
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or number < 0:
            raise UserError(
                _(
                    "%(value)s is not a meter value: enter the number shown on "
                    "the meter, such as 1234.5.",
                    value=value or _("An empty value"),
                )
            )
        return number

    def _parse_reading_date(self, date):
        try:
            reading_date = fields.Date.to_date(date)
        except ValueError:
            reading_date = None
        if not reading_date:
            raise UserError(
                _(
                    "%(date)s is not a date: enter the day you read the meter.",
                    date=date or _("An empty date"),
                )
            )
        return reading_date

    @http.route(
        [
            "/my/property/meter/<int:meter_id>",
            "/my/property/meter/<int:meter_id>/page/<int:page>",
        ],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_property_meter(self, meter_id, page=1, **kw):
        """Show the readings of one of the owner's meters, newest first."""
        meter = self._get_own_meter(meter_id)
        if not meter:
            return request.redirect("/my/property/meters")
        Reading = request.env["property.meter.reading"]
        domain = [("meter_id", "=", meter.id)]
        total = Reading.search_count(domain)
        url = f"/my/property/meter/{meter.id}"
        pager = portal_pager(
            url=url, total=total, page=page, step=self._meter_readings_per_page
        )
        readings = Reading.search(
            domain,
            order="date desc, id desc",
            limit=self._meter_readings_per_page,
            offset=pager["offset"],
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "property_meters",
                "meter": meter,
                "readings": readings,
                "bills": self._get_reading_bills(readings),
                "pager": pager,
            }
        )
        return request.render("property_billing.portal_my_property_meter", values)

    def _get_reading_bills(self, readings):
        """Map each billed reading to its bill, when the bill is the owner's.

        A unit's readings stay with the unit, so a reading billed to the
        previous owner shows as billed without naming that owner's bill.

        :return: dict reading id → account.move (sudo)
        """
        partner = request.env.user.commercial_partner_id
        bills = {}
        for reading in readings.sudo():
            move = reading.billed_charge_id.move_id
            if move and move.commercial_partner_id == partner:
                bills[reading.id] = move
        return bills
