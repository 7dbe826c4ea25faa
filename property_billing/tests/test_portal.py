from datetime import date, timedelta
from urllib.parse import urlsplit

from lxml import html

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.property_billing.tools import periods

from .common import PropertyBillingCommon


@tagged("post_install", "-at_install")
class TestPropertyPortal(PropertyBillingCommon, HttpCase):
    """Owners A and B share a community, and each must see only his own records.

    Three billing runs bill both owners: January 2024 (overdue), February
    2024 with a due date of today (due, not overdue) and the current month
    (due in 15 days). A pays 100.00 of his February bill and all of his
    current bill, so A owes 407.80 + 307.80 and B owes 3 × 346.00.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unit_a_flat = cls._create_unit(cls.building_1, "101", 88.50, cls.owner_a)
        cls.unit_a_parking = cls._create_unit(
            cls.building_2, "B1-001", 12.50, cls.owner_a, unit_type="parking"
        )
        cls.unit_b_flat = cls._create_unit(cls.building_1, "102", 120.00, cls.owner_b)
        flats = cls.unit_a_flat | cls.unit_b_flat
        # A month bills A 88.50 m² × 2.80 + 10.00 + 150.00 = 407.80, and B
        # 120 m² × 2.80 + 10.00 = 346.00.
        cls._apply_fee(flats, cls.fee_management, date(2024, 1, 1))
        cls._apply_fee(flats, cls.fee_garbage, date(2024, 1, 1))
        cls._apply_fee(cls.unit_a_parking, cls.fee_parking, date(2024, 1, 1))

        cls.user_a = cls._create_portal_user("owner_a_portal", cls.owner_a)
        cls.user_b = cls._create_portal_user("owner_b_portal", cls.owner_b)

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
        today = fields.Date.today()
        self.today = today
        self.run_january = self._bill(date(2024, 1, 1), date(2024, 1, 16))
        self.run_february = self._bill(date(2024, 2, 1), today, invoice_date=today)
        self.run_current = self._bill(
            periods.month_start(today), today + timedelta(days=15), invoice_date=today
        )
        self.a_january = self._invoice_of(self.run_january, self.owner_a)
        self.a_february = self._invoice_of(self.run_february, self.owner_a)
        self.a_current = self._invoice_of(self.run_current, self.owner_a)
        self.b_january = self._invoice_of(self.run_january, self.owner_b)
        self.b_february = self._invoice_of(self.run_february, self.owner_b)
        self.b_current = self._invoice_of(self.run_current, self.owner_b)
        self._pay(self.a_february, 100.00)
        self._pay(self.a_current, 407.80)

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _bill(self, period_start, due_date, invoice_date=None):
        run = self._create_run(
            period_start,
            periods.month_end(period_start),
            invoice_date=invoice_date or period_start,
            due_date=due_date,
        )
        run.action_generate()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.invoice_count, 2)
        return run

    def _invoice_of(self, run, partner):
        invoice = run.invoice_ids.filtered(lambda move: move.partner_id == partner)
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        return invoice

    def _pay(self, invoice, amount):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": amount, "payment_date": self.today})._create_payments()

    def _open_property_page(self, user):
        self.authenticate(user.login, user.login)
        response = self.url_open("/my/property")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(urlsplit(response.url).path, "/my/property")
        return html.fromstring(response.content)

    def _bill_rows(self, page):
        return {
            int(row.get("data-invoice-id")): row
            for row in page.xpath("//tr[@data-invoice-id]")
        }

    def _unit_ids(self, page):
        return {
            int(row.get("data-unit-id")) for row in page.xpath("//tr[@data-unit-id]")
        }

    def _text(self, element, css_class):
        has_class = (
            f"contains(concat(' ', normalize-space(@class), ' '), ' {css_class} ')"
        )
        nodes = element.xpath(f".//*[{has_class}]")
        return " ".join(" ".join(node.text_content().split()) for node in nodes)

    def _overdue_ids(self, page):
        return {
            invoice_id
            for invoice_id, row in self._bill_rows(page).items()
            if self._text(row, "o_property_overdue")
        }

    # ------------------------------------------------------------
    # DATA
    # ------------------------------------------------------------

    def test_billing_amounts_and_states(self):
        self.assertRecordValues(
            self.a_january | self.a_february | self.a_current,
            [
                {
                    "amount_total": 407.80,
                    "amount_residual": 407.80,
                    "payment_state": "not_paid",
                },
                {
                    "amount_total": 407.80,
                    "amount_residual": 307.80,
                    "payment_state": "partial",
                },
                {
                    "amount_total": 407.80,
                    "amount_residual": 0.00,
                    "payment_state": "paid",
                },
            ],
        )
        self.assertRecordValues(
            self.b_january | self.b_february | self.b_current,
            [{"amount_residual": 346.00, "payment_state": "not_paid"}] * 3,
        )

    # ------------------------------------------------------------
    # PAGE
    # ------------------------------------------------------------

    def test_page_owner_a(self):
        page = self._open_property_page(self.user_a)
        text = " ".join(page.text_content().split())

        self.assertEqual(
            self._unit_ids(page), {self.unit_a_flat.id, self.unit_a_parking.id}
        )
        self.assertIn("1-101", text)
        self.assertIn("2-B1-001", text)
        self.assertNotIn(self.unit_b_flat.code, text)

        rows = self._bill_rows(page)
        self.assertEqual(list(rows), [self.a_january.id, self.a_february.id])
        self.assertIn(self.a_january.name, text)
        self.assertIn(self.a_february.name, text)
        self.assertNotIn(self.a_current.name, text, "a paid bill is not listed")
        for invoice in self.b_january | self.b_february | self.b_current:
            self.assertNotIn(invoice.name, text)

        self.assertIn("715.60", self._text(page, "o_property_total_amount"))
        self.assertIn("2 bills to pay", text)
        self.assertIn(
            "407.80", self._text(rows[self.a_january.id], "o_property_amount_due")
        )
        self.assertIn(
            "307.80", self._text(rows[self.a_february.id], "o_property_amount_due")
        )
        self.assertIn("Sunshine Garden", rows[self.a_january.id].text_content())

    def test_page_owner_b(self):
        page = self._open_property_page(self.user_b)
        text = " ".join(page.text_content().split())

        self.assertEqual(self._unit_ids(page), {self.unit_b_flat.id})
        self.assertIn("1-102", text)
        self.assertNotIn(self.unit_a_flat.code, text)
        self.assertNotIn(self.unit_a_parking.code, text)

        rows = self._bill_rows(page)
        self.assertEqual(
            list(rows), [self.b_january.id, self.b_february.id, self.b_current.id]
        )
        for invoice in self.a_january | self.a_february | self.a_current:
            self.assertNotIn(invoice.name, text)
        self.assertIn("1,038.00", self._text(page, "o_property_total_amount"))
        self.assertIn("3 bills to pay", text)

    def test_page_bill_links_to_invoice_portal(self):
        page = self._open_property_page(self.user_a)
        links = page.xpath(
            f"//tr[@data-invoice-id='{self.a_january.id}']//a[@class='o_property_bill_link']"
        )
        self.assertEqual(len(links), 1)
        self.assertEqual(links[0].get("href"), self.a_january.get_portal_url())

        response = self.url_open(links[0].get("href"))
        self.assertEqual(
            urlsplit(response.url).path, f"/my/invoices/{self.a_january.id}"
        )
        self.assertIn(self.a_january.name, response.text)

    def test_overdue_badge_only_past_due(self):
        # Due 2024-01-16: overdue. Due today: not yet. Due in 15 days: not yet.
        page_a = self._open_property_page(self.user_a)
        self.assertEqual(self._overdue_ids(page_a), {self.a_january.id})
        page_b = self._open_property_page(self.user_b)
        self.assertEqual(self._overdue_ids(page_b), {self.b_january.id})

    def test_page_after_full_payment(self):
        self._pay(self.a_january, 407.80)
        self._pay(self.a_february, 307.80)
        page = self._open_property_page(self.user_a)

        self.assertEqual(self._bill_rows(page), {})
        self.assertIn("You have no bills to pay.", page.text_content())
        self.assertIn("0.00", self._text(page, "o_property_total_amount"))
        self.assertEqual(
            self._unit_ids(page), {self.unit_a_flat.id, self.unit_a_parking.id}
        )

    def test_page_requires_login(self):
        response = self.url_open("/my/property")
        self.assertEqual(urlsplit(response.url).path, "/web/login")

    def test_page_owner_without_units(self):
        owner_c = self.env["res.partner"].create({"name": "Owner C"})
        user_c = self._create_portal_user("owner_c_portal", owner_c)
        page = self._open_property_page(user_c)

        self.assertEqual(self._unit_ids(page), set())
        self.assertEqual(self._bill_rows(page), {})
        self.assertIn("No unit is registered in your name.", page.text_content())
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["property_unit_count"]}
        )
        self.assertEqual(counters["property_unit_count"], 0)

    # ------------------------------------------------------------
    # PORTAL HOME
    # ------------------------------------------------------------

    def test_home_entry_and_counter(self):
        self.authenticate(self.user_a.login, self.user_a.login)
        response = self.url_open("/my/home")
        self.assertEqual(response.status_code, 200)
        home = html.fromstring(response.content)
        self.assertEqual(len(home.xpath("//a[@href='/my/property']")), 1)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["property_unit_count"]}
        )
        # Like Odoo's counters, the count stops at 1: it only shows the entry.
        self.assertEqual(counters["property_unit_count"], 1)

    # ------------------------------------------------------------
    # URL
    # ------------------------------------------------------------

    def test_url_other_owner_invoice_hidden(self):
        for user, own, other in (
            (self.user_a, self.a_january, self.b_january),
            (self.user_b, self.b_january, self.a_january),
        ):
            with self.subTest(user=user.login):
                self.authenticate(user.login, user.login)
                response = self.url_open(f"/my/invoices/{own.id}")
                self.assertEqual(urlsplit(response.url).path, f"/my/invoices/{own.id}")
                self.assertIn(own.name, response.text)

                # The invoice route sends a forbidden invoice back to /my.
                response = self.url_open(f"/my/invoices/{other.id}")
                self.assertEqual(urlsplit(response.url).path, "/my")
                self.assertNotIn(other.name, response.text)

                response = self.url_open(f"/my/invoices/{other.id}?report_type=pdf")
                self.assertEqual(urlsplit(response.url).path, "/my")
                self.assertNotIn(other.name, response.text)

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    def test_orm_owner_sees_only_own_records(self):
        owners = (
            (
                self.user_a,
                self.unit_a_flat | self.unit_a_parking,
                self.a_january | self.a_february | self.a_current,
                self.unit_b_flat,
            ),
            (
                self.user_b,
                self.unit_b_flat,
                self.b_january | self.b_february | self.b_current,
                self.unit_a_flat,
            ),
        )
        for user, units, invoices, other_unit in owners:
            with self.subTest(user=user.login):
                env = self.env(user=user)
                self.assertEqual(env["property.unit"].search([]), units)
                self.assertEqual(env["account.move"].search([]), invoices)
                own_charges = self._live_charges(units)
                self.assertEqual(len(own_charges), 3 * len(units.fee_ids))
                self.assertEqual(env["property.billing.charge"].search([]), own_charges)
                with self.assertRaises(AccessError):
                    other_unit.with_user(user).read(["code"])

    def test_orm_other_owner_invoice_and_charges_denied(self):
        with self.assertRaises(AccessError):
            self.b_january.with_user(self.user_a).read(["name"])
        with self.assertRaises(AccessError):
            self.a_january.with_user(self.user_b).read(["name"])
        b_charge = self._live_charges(self.unit_b_flat)[:1]
        with self.assertRaises(AccessError):
            b_charge.with_user(self.user_a).read(["amount"])
