import base64
import io
from datetime import date
from urllib.parse import urlsplit

from freezegun import freeze_time
from lxml import html
from PIL import Image

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.pdf import PdfFileReader

from odoo.addons.property_billing.tools import periods

from .common import PropertyBillingCommon

REPORT_REF = "property_billing.property_payment_notice_report_action"
REPORT_NAME = "property_billing.report_payment_notice"
REPORT_MODEL = f"report.{REPORT_NAME}"


@tagged("post_install", "-at_install")
class TestPaymentNotice(PropertyBillingCommon, HttpCase):
    """Owner A has flat 1-101 and parking space 2-B1-001, B has flat 1-102 and
    C has flat 2-201, all in the Sunshine Garden community.

    A month bills A 88.50 m² × 2.80 + 10.00 + 150.00 = 407.80, B
    120 m² × 2.80 + 10.00 = 346.00 and C 60 m² × 2.80 + 10.00 = 178.00.
    January and February are billed by one run each; March by two runs, one
    for the flat fees and one for parking. A paid 100.00 of January, B paid
    all of it, and nobody paid anything else.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner_c = cls.env["res.partner"].create({"name": "Owner C"})
        cls.unit_a_flat = cls._create_unit(cls.building_1, "101", 88.50, cls.owner_a)
        cls.unit_a_parking = cls._create_unit(
            cls.building_2, "B1-001", 12.50, cls.owner_a, unit_type="parking"
        )
        cls.unit_b_flat = cls._create_unit(cls.building_1, "102", 120.00, cls.owner_b)
        cls.unit_c_flat = cls._create_unit(cls.building_2, "201", 60.00, cls.owner_c)
        flats = cls.unit_a_flat | cls.unit_b_flat | cls.unit_c_flat
        cls._apply_fee(flats, cls.fee_management, date(2024, 1, 1))
        cls._apply_fee(flats, cls.fee_garbage, date(2024, 1, 1))
        cls._apply_fee(cls.unit_a_parking, cls.fee_parking, date(2024, 1, 1))
        cls.user_a = cls._create_portal_user("notice_owner_a", cls.owner_a)
        cls.user_b = cls._create_portal_user("notice_owner_b", cls.owner_b)

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

    def setUp(self):
        super().setUp()
        self.run_january = self._bill(date(2024, 1, 1))
        self.run_february = self._bill(date(2024, 2, 1))
        self.run_march_flats = self._bill(
            date(2024, 3, 1), fee_item_ids=(self.fee_management | self.fee_garbage).ids
        )
        self.run_march_parking = self._bill(
            date(2024, 3, 1), fee_item_ids=self.fee_parking.ids
        )
        self.a_january = self._invoice_of(self.run_january, self.owner_a)
        self.a_february = self._invoice_of(self.run_february, self.owner_a)
        self.b_january = self._invoice_of(self.run_january, self.owner_b)
        self.b_february = self._invoice_of(self.run_february, self.owner_b)
        self._pay(self.a_january, 100.00)
        self._pay(self.b_january, 346.00)

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _bill(self, period_start, **values):
        run = self._create_run(period_start, periods.month_end(period_start), **values)
        run.action_generate()
        self.assertEqual(run.state, "done")
        return run

    def _invoice_of(self, run, partner):
        invoice = run.invoice_ids.filtered(lambda move: move.partner_id == partner)
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        return invoice

    def _pay(self, invoice, amount):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(
            {"amount": amount, "payment_date": date(2024, 2, 5)}
        )._create_payments()

    def _notices(self, invoices):
        return self.env[REPORT_MODEL]._get_report_values(invoices.ids)["docs"]

    def _render_html(self, invoices):
        content, report_type = self.env["ir.actions.report"]._render_qweb_html(
            REPORT_REF, invoices.ids
        )
        self.assertEqual(report_type, "html")
        return content.decode()

    def _qr_modules(self, png):
        """Read the dark and light modules of a QR code drawn without border.

        reportlab anti-aliases module edges differently on each call, so two
        drawings of one value differ in bytes; their module centers do not.
        """
        image = Image.open(io.BytesIO(png)).convert("L")
        width, height = image.size
        # The top-left finder pattern is 7 modules wide and dark on its top row.
        finder = 0
        while finder < width and image.getpixel((finder, 1)) < 128:
            finder += 1
        count = round(width * 7 / finder)
        module = width / count
        return [
            [
                image.getpixel((int((col + 0.5) * module), int((row + 0.5) * module)))
                < 128
                for col in range(count)
            ]
            for row in range(count)
        ]

    def _line_values(self, notice):
        return [
            (group["unit"].code, line["label"], line["amount"])
            for group in notice["unit_groups"]
            for line in group["lines"]
        ]

    # ------------------------------------------------------------
    # REPORT VALUES
    # ------------------------------------------------------------

    def test_notice_values_two_units(self):
        notices = self._notices(self.a_february)
        self.assertEqual(len(notices), 1)
        notice = notices[0]
        self.assertEqual(notice["partner"], self.owner_a)
        self.assertEqual(notice["community"], self.community)
        self.assertEqual(notice["company"], self.company)
        self.assertEqual(notice["invoices"], self.a_february)
        self.assertEqual(notice["period_start"], date(2024, 2, 1))
        self.assertEqual(notice["period_end"], date(2024, 2, 29))
        self.assertEqual(notice["date_due"], date(2024, 2, 16))
        self.assertEqual(
            self._line_values(notice),
            [
                (
                    "1-101",
                    "Management Fee 2024-02 1-101: "
                    "88.50 m² × 2.80/m²/month × 1 month(s)",
                    247.80,
                ),
                ("1-101", "Garbage Fee 2024-02 1-101: 10.00/month × 1 month(s)", 10.00),
                (
                    "2-B1-001",
                    "Parking Management 2024-02 2-B1-001: 150.00/month × 1 month(s)",
                    150.00,
                ),
            ],
        )
        self.assertEqual(
            [group["subtotal"] for group in notice["unit_groups"]], [257.80, 150.00]
        )
        self.assertEqual(notice["other_lines"], [])
        self.assertEqual(notice["amount_total"], 407.80)
        self.assertEqual(notice["amount_tax"], 0.00)
        self.assertEqual(notice["amount_paid"], 0.00)
        self.assertEqual(notice["amount_current_due"], 407.80)
        # January, partly paid, is earlier; both March bills are later, and
        # B's bills are not A's.
        self.assertEqual(notice["earlier_bills"], self.a_january)
        self.assertEqual(self.a_january.amount_residual, 307.80)
        self.assertEqual(notice["amount_earlier_due"], 307.80)
        self.assertEqual(notice["amount_due"], 715.60)

    def test_notice_values_paid_earlier_bills(self):
        notice = self._notices(self.b_february)[0]
        self.assertEqual(
            self._line_values(notice),
            [
                (
                    "1-102",
                    "Management Fee 2024-02 1-102: "
                    "120.00 m² × 2.80/m²/month × 1 month(s)",
                    336.00,
                ),
                ("1-102", "Garbage Fee 2024-02 1-102: 10.00/month × 1 month(s)", 10.00),
            ],
        )
        self.assertFalse(notice["earlier_bills"])
        self.assertEqual(notice["amount_earlier_due"], 0.00)
        self.assertEqual(notice["amount_due"], 346.00)

    def test_notice_leaves_out_unpaid_package(self):
        package = self.env["property.package"].create(
            {
                "name": "Management fee, 3 months",
                "months": 3,
                "line_ids": [
                    Command.create(
                        {"fee_item_id": self.fee_management.id, "monthly_price": 200.00}
                    )
                ],
            }
        )
        with freeze_time("2024-01-15"):
            subscription = self.env["property.package.subscription"].create(
                {
                    "package_id": package.id,
                    "unit_id": self.unit_a_flat.id,
                    "date_start": date(2024, 4, 1),
                }
            )
            subscription.action_confirm()
        package_invoice = subscription.move_id
        self.assertRecordValues(
            package_invoice,
            [
                {
                    "state": "posted",
                    "payment_state": "not_paid",
                    "invoice_date": date(2024, 1, 15),
                    "amount_residual": 600.00,
                }
            ],
        )
        notice = self._notices(self.a_february)[0]
        self.assertEqual(notice["earlier_bills"], self.a_january)
        self.assertEqual(notice["amount_earlier_due"], 307.80)
        self.assertEqual(notice["amount_due"], 715.60)

    def test_notice_values_partly_paid_current_bill(self):
        self._pay(self.a_february, 7.80)
        notice = self._notices(self.a_february)[0]
        self.assertEqual(notice["amount_total"], 407.80)
        self.assertEqual(notice["amount_paid"], 7.80)
        self.assertEqual(notice["amount_current_due"], 400.00)
        self.assertEqual(notice["amount_due"], 707.80)

    def test_notice_payment_url_of_one_invoice(self):
        notice = self._notices(self.a_february)[0]
        self.assertTrue(self.a_february.access_token)
        self.assertEqual(
            notice["payment_url"],
            f"{self.a_february.get_base_url()}/my/invoices/{self.a_february.id}"
            f"?access_token={self.a_february.access_token}",
        )

    def test_notice_groups_invoices_of_one_partner(self):
        march = self.run_march_flats.invoice_ids | self.run_march_parking.invoice_ids
        self.assertEqual(len(march), 4)
        notices = self._notices(march)
        self.assertEqual(
            [notice["partner"] for notice in notices],
            [self.owner_a, self.owner_b, self.owner_c],
        )
        notice_a = notices[0]
        self.assertEqual(len(notice_a["invoices"]), 2)
        self.assertEqual(
            [group["unit"].code for group in notice_a["unit_groups"]],
            ["1-101", "2-B1-001"],
        )
        self.assertEqual(notice_a["amount_total"], 407.80)
        # January and February are earlier than March and unpaid.
        self.assertEqual(notice_a["earlier_bills"], self.a_january | self.a_february)
        self.assertEqual(notice_a["amount_due"], 1123.40)
        self.assertEqual(
            notice_a["payment_url"], f"{self.a_february.get_base_url()}/my/property"
        )

    def test_notice_rejects_vendor_bill(self):
        bill = self.init_invoice("in_invoice", amounts=[50.0], post=True)
        with self.assertRaisesRegex(UserError, bill.name):
            self._notices(bill)

    # ------------------------------------------------------------
    # RENDERING
    # ------------------------------------------------------------

    def test_notice_html_rendering(self):
        content = self._render_html(self.a_february)
        page = html.fromstring(content)
        text = " ".join(page.text_content().split())
        self.assertIn("Payment Notice", text)
        self.assertIn("Sunshine Garden", text)
        self.assertIn("Owner A", text)
        self.assertIn(self.a_february.name, text)
        self.assertIn(self.a_january.name, text)
        for unit_code in ("1-101", "2-B1-001"):
            self.assertIn(unit_code, text)
        self.assertIn("88.50 m² × 2.80/m²/month × 1 month(s)", text)
        self.assertIn("150.00/month × 1 month(s)", text)
        due = page.xpath("//*[contains(@class, 'o_property_notice_amount_due')]")
        self.assertEqual(len(due), 1)
        self.assertIn("715.60", due[0].text_content())
        images = page.xpath("//img[contains(@class, 'o_property_notice_qr_code')]")
        self.assertEqual(len(images), 1)
        prefix = "data:image/png;base64,"
        src = images[0].get("src")
        self.assertTrue(src.startswith(prefix))
        expected_png = self.env["ir.actions.report"].barcode(
            "QR",
            self.a_february.get_base_url() + self.a_february.get_portal_url(),
            width=180,
            height=180,
            barLevel="M",
        )
        self.assertEqual(
            self._qr_modules(base64.b64decode(src[len(prefix) :])),
            self._qr_modules(expected_png),
        )

    def test_notice_pdf_rendering(self):
        report = self.env["ir.actions.report"]
        # A missing wkhtmltopdf must fail this test, not skip it.
        self.assertEqual(report.get_wkhtmltopdf_state(), "ok")
        # Chinese names check that CJK text renders; the Latin text of the
        # report's web fonts cannot be extracted from wkhtmltopdf's output.
        self.community.name = "阳光花园"
        names = ["张三", "李四", "王五"]
        for partner, name in zip(
            self.owner_a | self.owner_b | self.owner_c, names, strict=True
        ):
            partner.name = name
        invoices = self.run_february.invoice_ids
        self.assertEqual(len(invoices), 3)
        content, report_type = report.with_context(
            force_report_rendering=True
        )._render_qweb_pdf(REPORT_REF, invoices.ids)
        self.assertEqual(report_type, "pdf")
        self.assertTrue(content.startswith(b"%PDF-"))
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        self.assertEqual(len(reader.pages), 3)
        for page, name in zip(reader.pages, names, strict=True):
            text = page.extract_text()
            self.assertIn("阳光花园", text)
            self.assertIn(name, text)

    # ------------------------------------------------------------
    # PRINT ACTIONS
    # ------------------------------------------------------------

    def test_run_print_notices(self):
        action = self.run_february.action_print_notices()
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(action["report_name"], REPORT_NAME)
        self.assertEqual(
            sorted(action["context"]["active_ids"]),
            sorted(self.run_february.invoice_ids.ids),
        )
        notices = self._notices(self.run_february.invoice_ids)
        self.assertEqual(
            [notice["partner"] for notice in notices],
            [self.owner_a, self.owner_b, self.owner_c],
        )

    def test_run_print_notices_without_invoices(self):
        run = self._create_run(date(2024, 4, 1), date(2024, 4, 30))
        with self.assertRaisesRegex(UserError, run.name):
            run.action_print_notices()

    def _print_building(self, building, period_start):
        wizard = self.env["property.notice.print"].create(
            {
                "community_id": self.community.id,
                "building_id": building.id,
                "period_start": period_start,
                "period_end": periods.month_end(period_start),
            }
        )
        action = wizard.action_print()
        self.assertEqual(action["report_name"], REPORT_NAME)
        return self._notices(
            self.env["account.move"].browse(action["context"]["active_ids"])
        )

    def test_batch_print_building_one_notice_per_partner(self):
        notices = self._print_building(self.building_1, date(2024, 3, 1))
        self.assertEqual(len(notices), 2)
        self.assertEqual(
            [notice["partner"] for notice in notices], [self.owner_a, self.owner_b]
        )
        # A's parking bill is his too, although its unit is in building 2.
        notice_a = notices[0]
        self.assertEqual(len(notice_a["invoices"]), 2)
        self.assertEqual(notice_a["amount_total"], 407.80)
        self.assertEqual(notices[1]["amount_total"], 346.00)

    def test_batch_print_other_building(self):
        notices = self._print_building(self.building_2, date(2024, 2, 1))
        self.assertEqual(
            [notice["partner"] for notice in notices], [self.owner_a, self.owner_c]
        )
        self.assertEqual(
            [notice["invoices"] for notice in notices],
            [self.a_february, self._invoice_of(self.run_february, self.owner_c)],
        )

    def test_batch_print_period_without_bills(self):
        wizard = self.env["property.notice.print"].create(
            {
                "community_id": self.community.id,
                "building_id": self.building_1.id,
                "period_start": date(2024, 5, 1),
                "period_end": date(2024, 5, 31),
            }
        )
        with self.assertRaisesRegex(UserError, "Building 1"):
            wizard.action_print()

    # ------------------------------------------------------------
    # PORTAL
    # ------------------------------------------------------------

    def test_portal_notice_link_and_download(self):
        self.authenticate(self.user_a.login, self.user_a.login)
        response = self.url_open("/my/property")
        self.assertEqual(response.status_code, 200)
        page = html.fromstring(response.content)
        links = page.xpath("//a[contains(@class, 'o_property_notice_link')]/@href")
        a_bills = self.env["account.move"].search(
            [
                ("partner_id", "=", self.owner_a.id),
                ("move_type", "=", "out_invoice"),
                ("payment_state", "in", ("not_paid", "partial")),
            ]
        )
        self.assertEqual(len(a_bills), 4)
        self.assertEqual(
            sorted(links), sorted(f"/my/property/notice/{bill.id}" for bill in a_bills)
        )

        response = self.url_open(f"/my/property/notice/{self.a_february.id}")
        self.assertEqual(response.status_code, 200)
        notice_url = f"/my/property/notice/{self.a_february.id}"
        self.assertEqual(urlsplit(response.url).path, notice_url)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn("attachment", response.headers["Content-Disposition"])
        # Odoo's test mode renders the PDF report as HTML.
        body = response.content.decode()
        self.assertIn("1-101", body)
        self.assertIn("715.60", body)

    def test_portal_notice_of_other_owner_rejected(self):
        self.authenticate(self.user_a.login, self.user_a.login)
        response = self.url_open(f"/my/property/notice/{self.b_february.id}")
        self.assertEqual(urlsplit(response.url).path, "/my")
        self.assertNotEqual(response.headers["Content-Type"], "application/pdf")
        self.assertNotIn(b"1-102", response.content)
        self.assertNotIn(self.b_february.name.encode(), response.content)

    def test_portal_notice_requires_login(self):
        response = self.url_open(f"/my/property/notice/{self.a_february.id}")
        self.assertEqual(urlsplit(response.url).path, "/web/login")
        self.assertNotIn(b"1-101", response.content)
