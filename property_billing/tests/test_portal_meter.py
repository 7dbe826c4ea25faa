import io
from datetime import date, timedelta
from urllib.parse import urlsplit

from lxml import html
from PIL import Image

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .meter_common import MeterBillingCommon


def make_jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 200, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


@tagged("post_install", "-at_install")
class TestPortalMeter(MeterBillingCommon, HttpCase):
    """Owner A has meters W-1-101 and W-1-102, owner B has meter W-2-201.

    Each meter starts at 100 and has a confirmed reading of 110 on
    2026-03-25.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_a = cls._create_portal_user("meter_owner_a", cls.owner_a)
        cls.user_b = cls._create_portal_user("meter_owner_b", cls.owner_b)
        cls.march = date(2026, 3, 25)
        for meter in cls.meter_1 | cls.meter_2 | cls.meter_3:
            cls._read(meter, cls.march, 110)
        cls.photo = make_jpeg()
        # The portal rejects dates after today in the community's time zone.
        cls.today = cls.meter_1._get_local_today()

    @classmethod
    def _create_portal_user(cls, login, partner):
        return new_test_user(
            cls.env,
            login=login,
            password=login,
            groups="base.group_portal",
            name=partner.name,
            partner_id=partner.id,
            company_id=cls.company.id,
            tz="UTC",
        )

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _open(self, user, url):
        self.authenticate(user.login, user.login)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return response, html.fromstring(response.content)

    def _meter_ids(self, page):
        return {
            int(card.get("data-meter-id")) for card in page.xpath("//*[@data-meter-id]")
        }

    def _csrf(self, page):
        return page.xpath("//input[@name='csrf_token']")[0].get("value")

    def _report(self, user, meter, value, day=None, photo=None, filename="meter.jpg"):
        _response, page = self._open(user, "/my/property/meters")
        data = {
            "csrf_token": self._csrf(page),
            "value": value,
            "date": str(day or self.today),
        }
        files = {
            "photo": (filename, self.photo if photo is None else photo, "image/jpeg")
        }
        return self.url_open(
            f"/my/property/meter/{meter.id}/reading", data=data, files=files
        )

    def _error_of(self, response, meter):
        page = html.fromstring(response.content)
        return " ".join(
            page.xpath(
                f"//*[@data-meter-id='{meter.id}']"
                "//*[hasclass('o_property_meter_error')]//text()"
            )
        ).strip()

    def _portal_readings(self, meter):
        return self.env["property.meter.reading"].search(
            [("meter_id", "=", meter.id), ("source", "=", "portal")]
        )

    # ------------------------------------------------------------
    # REPORTING
    # ------------------------------------------------------------

    def test_meters_page_lists_own_meters_only(self):
        _response, page = self._open(self.user_a, "/my/property/meters")
        self.assertEqual(self._meter_ids(page), {self.meter_1.id, self.meter_2.id})
        self.assertEqual(
            len(page.xpath("//form[hasclass('o_property_meter_form')]")), 2
        )
        _response, page = self._open(self.user_b, "/my/property/meters")
        self.assertEqual(self._meter_ids(page), {self.meter_3.id})
        _response, page = self._open(self.user_a, "/my/property")
        self.assertEqual(
            page.xpath("//a[hasclass('o_property_meters_link')]/@href"),
            ["/my/property/meters"],
        )

    def test_report_saves_draft_with_photo(self):
        response = self._report(self.user_a, self.meter_1, "131.5")
        self.assertEqual(urlsplit(response.url).path, "/my/property/meters")
        self.assertEqual(urlsplit(response.url).query, f"reported={self.meter_1.id}")
        reading = self._portal_readings(self.meter_1)
        self.assertEqual(len(reading), 1)
        self.assertRecordValues(
            reading,
            [
                {
                    "date": self.today,
                    "value": 131.5,
                    "previous_value": 110.0,
                    "consumption": 21.5,
                    "state": "draft",
                    "source": "portal",
                    "anomaly": False,
                }
            ],
        )
        self.assertTrue(reading.photo)
        attachment = self.env["ir.attachment"].search(
            [
                ("res_model", "=", "property.meter.reading"),
                ("res_id", "=", reading.id),
                ("res_field", "=", "photo"),
            ]
        )
        self.assertEqual(len(attachment), 1)
        self.assertEqual(attachment.mimetype, "image/jpeg")
        page = html.fromstring(response.content)
        self.assertEqual(
            len(page.xpath("//*[hasclass('o_property_meter_reported')]")), 1
        )

    def test_report_replaces_waiting_report(self):
        self._report(self.user_a, self.meter_1, "120", self.today - timedelta(days=1))
        self._report(self.user_a, self.meter_1, "121")
        reading = self._portal_readings(self.meter_1)
        self.assertEqual(len(reading), 1)
        self.assertEqual(reading.value, 121.0)
        self.assertEqual(reading.date, self.today)

    def test_equal_value_accepted(self):
        self._report(self.user_a, self.meter_1, "110")
        reading = self._portal_readings(self.meter_1)
        self.assertEqual(reading.consumption, 0.0)
        self.assertEqual(reading.state, "draft")

    def test_value_below_previous_rejected(self):
        response = self._report(self.user_a, self.meter_1, "99.5")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            self._error_of(response, self.meter_1),
            "The value 99.5 is below the previous reading 110 of meter W-1-101. "
            "Check the value on the meter. If the meter passed its maximum or "
            "was replaced, contact the property office, which records it.",
        )
        self.assertFalse(self._portal_readings(self.meter_1))
        # The form keeps what the owner typed.
        page = html.fromstring(response.content)
        self.assertEqual(
            page.xpath(f"//input[@id='value_{self.meter_1.id}']/@value"), ["99.5"]
        )

    def test_bad_values_and_dates_rejected(self):
        cases = [
            ("abc", None, "abc is not a meter value"),
            ("-5", None, "-5 is not a meter value"),
            ("inf", None, "inf is not a meter value"),
            ("120", self.today + timedelta(days=1), "is in the future"),
            ("120", self.march, "already has a confirmed reading on 2026-03-25"),
        ]
        for value, day, message in cases:
            with self.subTest(value=value, day=day):
                response = self._report(self.user_a, self.meter_1, value, day)
                self.assertIn(message, self._error_of(response, self.meter_1))
        self.assertFalse(self._portal_readings(self.meter_1))

    def test_high_consumption_flagged_for_review(self):
        for month, value in ((4, 120), (5, 130)):
            self._read(self.meter_1, date(2026, month, 25), value)
        self._report(self.user_a, self.meter_1, "200")
        reading = self._portal_readings(self.meter_1)
        self.assertEqual(reading.anomaly, "high")
        self.assertTrue(reading.to_review)
        reading.action_confirm()
        self.assertEqual(reading.state, "draft")
        reading.action_accept()
        self.assertEqual(reading.state, "confirmed")

    def test_photo_type_and_size_checked(self):
        response = self._report(
            self.user_a, self.meter_1, "120", photo=b"%PDF-1.4 not a photo"
        )
        self.assertIn(
            "The photo is not a JPEG, PNG or WebP image (application/pdf)",
            self._error_of(response, self.meter_1),
        )
        response = self._report(
            self.user_a,
            self.meter_1,
            "120",
            photo=b"\xff\xd8\xff\xe0" + b"0" * (10 * 1024 * 1024),
        )
        self.assertIn(
            "above the limit of 10 MB", self._error_of(response, self.meter_1)
        )
        response = self._report(self.user_a, self.meter_1, "120", photo=b"")
        self.assertIn(
            "Add a photo of meter W-1-101", self._error_of(response, self.meter_1)
        )
        self.assertFalse(self._portal_readings(self.meter_1))

    def test_corrupt_jpeg_rejected(self):
        response = self._report(
            self.user_a, self.meter_1, "120", photo=b"\xff\xd8\xff\xe0garbage"
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(self._error_of(response, self.meter_1))
        self.assertFalse(self._portal_readings(self.meter_1))

    @mute_logger("odoo.http")
    def test_report_without_csrf_rejected(self):
        self.authenticate(self.user_a.login, self.user_a.login)
        response = self.url_open(
            f"/my/property/meter/{self.meter_1.id}/reading",
            data={"value": "120", "date": str(self.today)},
            files={"photo": ("meter.jpg", self.photo, "image/jpeg")},
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._portal_readings(self.meter_1))

    def test_report_for_other_owners_meter_rejected(self):
        response = self._report(self.user_a, self.meter_3, "120")
        self.assertEqual(urlsplit(response.url).path, "/my/property/meters")
        self.assertEqual(urlsplit(response.url).query, "")
        self.assertFalse(self._portal_readings(self.meter_3))
        response = self._report(
            self.user_a, self.env["property.meter"].browse(999999), "1"
        )
        self.assertEqual(urlsplit(response.url).path, "/my/property/meters")

    def test_portal_user_orm_access(self):
        Meter = self.env["property.meter"].with_user(self.user_a)
        Reading = self.env["property.meter.reading"].with_user(self.user_a)
        self.assertEqual(Meter.search([]), self.meter_1 | self.meter_2)
        self.assertEqual(Reading.search([]).meter_id, self.meter_1 | self.meter_2)
        with self.assertRaises(AccessError):
            self.meter_3.with_user(self.user_a).read(["serial_number"])
        with self.assertRaises(AccessError):
            self.meter_3.reading_ids.with_user(self.user_a).read(["value"])
        for meter in (self.meter_1, self.meter_3):
            with (
                self.subTest(meter=meter.serial_number),
                self.assertRaises(AccessError),
            ):
                Reading.create(
                    {
                        "meter_id": meter.id,
                        "date": self.today,
                        "value": 120,
                        "source": "portal",
                    }
                )
        with self.assertRaises(AccessError):
            self.meter_1.reading_ids.with_user(self.user_a).write(
                {"state": "confirmed"}
            )

    def test_portal_reading_billed_only_after_confirmation(self):
        march_run = self._create_run(
            date(2026, 3, 1),
            date(2026, 3, 31),
            fee_item_ids=[Command.set(self.fee_water.ids)],
            unit_ids=[Command.set(self.unit_1.ids)],
        )
        march_run.action_generate()
        self.assertEqual(march_run.invoice_count, 1)
        self._report(self.user_a, self.meter_1, "131", date(2026, 4, 25))
        reading = self._portal_readings(self.meter_1)
        april = (date(2026, 4, 1), date(2026, 4, 30))
        run = self._create_run(
            *april,
            fee_item_ids=[Command.set(self.fee_water.ids)],
            unit_ids=[Command.set(self.unit_1.ids)],
        )
        run.action_generate()
        self.assertEqual(run.invoice_count, 0)
        self.assertEqual(reading.state, "draft")
        self.assertIn("still a draft", run.warning_ids.message)

        reading.action_confirm()
        self.assertEqual(reading.state, "confirmed")
        run = self._create_run(
            *april,
            fee_item_ids=[Command.set(self.fee_water.ids)],
            unit_ids=[Command.set(self.unit_1.ids)],
        )
        run.action_generate()
        self.assertEqual(run.invoice_count, 1)
        self.assertEqual(reading.state, "billed")
        # 131 - 110 = 21 m³: 15 × 3.50 + 6 × 4.55 + sewage 21 × 0.95.
        self.assertAlmostEqual(run.amount_total, 52.50 + 27.30 + 19.95, places=2)

    # ------------------------------------------------------------
    # HISTORY
    # ------------------------------------------------------------

    def test_history_shows_readings_and_bill(self):
        reading = self._read(self.meter_1, date(2026, 4, 25), 131)
        run = self._create_run(
            date(2026, 4, 1),
            date(2026, 4, 30),
            fee_item_ids=[Command.set(self.fee_water.ids)],
        )
        run.action_generate()
        bill = reading.billed_charge_id.move_id
        self.assertTrue(bill)
        self._report(self.user_a, self.meter_1, "140")

        _response, page = self._open(
            self.user_a, f"/my/property/meter/{self.meter_1.id}"
        )
        rows = page.xpath("//tr[@data-reading-id]")
        self.assertEqual(
            [int(row.get("data-reading-id")) for row in rows],
            [self._portal_readings(self.meter_1).id, reading.id]
            + self.meter_1.reading_ids.filtered(lambda r: r.date == self.march).ids,
        )

        def cell(row, css_class):
            return " ".join(
                t.strip()
                for t in row.xpath(f".//*[hasclass('{css_class}')]//text()")
                if t.strip()
            )

        billed_row = rows[1]
        self.assertEqual(cell(billed_row, "o_property_reading_value"), "131.00")
        self.assertEqual(cell(billed_row, "o_property_reading_consumption"), "21.00")
        self.assertEqual(cell(billed_row, "o_property_reading_state"), "Billed")
        self.assertEqual(cell(billed_row, "o_property_reading_source"), "Entered")
        self.assertEqual(cell(billed_row, "o_property_reading_bill"), bill.name)
        self.assertEqual(
            billed_row.xpath(".//td[hasclass('o_property_reading_bill')]/a/@href"),
            [bill.access_url],
        )
        reported_row = rows[0]
        self.assertEqual(cell(reported_row, "o_property_reading_state"), "Draft")
        self.assertEqual(
            cell(reported_row, "o_property_reading_source"), "Reported by Owner"
        )
        self.assertEqual(cell(reported_row, "o_property_reading_bill"), "-")

    def test_history_paged(self):
        self.env["property.meter.reading"].create(
            [
                {
                    "meter_id": self.meter_2.id,
                    "date": date(2024, 1, 1) + timedelta(days=day),
                    "value": 100,
                }
                for day in range(24)
            ]
        )
        url = f"/my/property/meter/{self.meter_2.id}"
        _response, page = self._open(self.user_a, url)
        self.assertEqual(len(page.xpath("//tr[@data-reading-id]")), 20)
        _response, page = self._open(self.user_a, f"{url}/page/2")
        self.assertEqual(len(page.xpath("//tr[@data-reading-id]")), 5)

    def test_history_of_other_owners_meter_rejected(self):
        self.authenticate(self.user_a.login, self.user_a.login)
        response = self.url_open(f"/my/property/meter/{self.meter_3.id}")
        self.assertEqual(urlsplit(response.url).path, "/my/property/meters")
        page = html.fromstring(response.content)
        self.assertFalse(page.xpath("//tr[@data-reading-id]"))
        self.assertEqual(self._meter_ids(page), {self.meter_1.id, self.meter_2.id})
        _response, page = self._open(
            self.user_b, f"/my/property/meter/{self.meter_3.id}"
        )
        self.assertEqual(
            [
                int(r.get("data-reading-id"))
                for r in page.xpath("//tr[@data-reading-id]")
            ],
            self.meter_3.reading_ids.ids,
        )

    def test_meters_page_requires_login(self):
        response = self.url_open("/my/property/meters")
        self.assertEqual(urlsplit(response.url).path, "/web/login")
