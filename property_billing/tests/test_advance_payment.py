from datetime import date
from urllib.parse import parse_qs, urlsplit

from freezegun import freeze_time
from lxml import html

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from ..tools import periods
from .common import PropertyBillingCommon


class AdvanceCommon(PropertyBillingCommon):
    """Unit 1-101 of A (88.50 m²) is billed 247.80 of management fee a month."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unit_a = cls._create_unit(cls.building_1, "101", 88.50, cls.owner_a)
        cls._apply_fee(cls.unit_a, cls.fee_management, date(2026, 1, 1))

    def _run(self, month):
        start = date(2026, month, 1)
        run = self._create_run(start, periods.month_end(start))
        run.action_generate()
        self.assertEqual(run.invoice_count, 1)
        return run.invoice_ids

    def _advance(self, amount, day):
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.owner_a.id,
                "amount": amount,
                "date": day,
                "journal_id": self.company_data["default_journal_bank"].id,
            }
        )
        payment.action_post()
        return payment

    def _balance(self):
        return self.owner_a._get_property_advance_balance(self.company)


@tagged("post_install", "-at_install")
class TestAdvancePayment(AdvanceCommon):
    def test_payment_applied_oldest_bill_first(self):
        january = self._run(1)
        february = self._run(2)
        self._advance(300.00, date(2026, 2, 5))
        self.assertEqual(january.payment_state, "paid")
        self.assertEqual(january.amount_residual, 0.0)
        self.assertEqual(february.payment_state, "partial")
        self.assertEqual(february.amount_residual, 195.60)
        self.assertEqual(self._balance(), 0.0)

    def test_credit_flagged_not_advance_is_kept(self):
        # A credit note owed back to the owner (a refund waiting for its bank
        # transfer) must not pay his next bills.
        credit_note = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.owner_a.id,
                "invoice_date": date(2026, 1, 5),
                "invoice_line_ids": [
                    Command.create({"name": "Refund", "price_unit": 100.00})
                ],
            }
        )
        credit_note.property_no_advance = True
        credit_note.action_post()
        self.assertEqual(self._balance(), 0.0)
        january = self._run(1)
        self.assertEqual(january.amount_residual, 247.80)
        self.assertEqual(credit_note.amount_residual, 100.00)
        self.assertFalse(self.owner_a._get_property_partners_with_advance(self.company))

        # The same credit note without the flag is an advance.
        credit_note.property_no_advance = False
        self.assertEqual(self._balance(), 100.00)
        self.owner_a._apply_property_advance_payments(self.company)
        self.assertEqual(january.amount_residual, 147.80)

    def test_exact_amount_pays_oldest_only(self):
        january = self._run(1)
        february = self._run(2)
        self._advance(247.80, date(2026, 2, 5))
        self.assertEqual(january.amount_residual, 0.0)
        self.assertEqual(february.amount_residual, 247.80)
        self.assertEqual(february.payment_state, "not_paid")

    def test_advance_applied_to_new_bills(self):
        self._advance(1000.00, date(2025, 12, 20))
        self.assertEqual(self._balance(), 1000.00)
        self.assertEqual(self.owner_a.property_advance_balance, 1000.00)
        january = self._run(1)
        self.assertEqual(january.amount_residual, 0.0)
        self.assertEqual(self._balance(), 752.20)
        february = self._run(2)
        self.assertEqual(february.amount_residual, 0.0)
        self.assertEqual(self._balance(), 504.40)
        for month in (3, 4, 5):
            self._run(month)
        may = self.env["account.move"].search(
            [
                ("partner_id", "=", self.owner_a.id),
                ("invoice_date", "=", date(2026, 5, 1)),
            ]
        )
        # 1,000.00 - 4 × 247.80 = 8.80 is left for May.
        self.assertEqual(may.amount_residual, 247.80 - 8.80)
        self.assertEqual(self._balance(), 0.0)

    def test_overpayment_applied_to_next_bill(self):
        january = self._run(1)
        february = self._run(2)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=january.ids
        ).create(
            {"amount": 300.00, "payment_date": date(2026, 1, 10)}
        )._create_payments()
        self.assertEqual(january.amount_residual, 0.0)
        self.assertEqual(february.amount_residual, 195.60)
        self.assertEqual(self._balance(), 0.0)

    def test_wizard_pays_chosen_bill_not_oldest(self):
        january = self._run(1)
        february = self._run(2)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=february.ids
        ).create(
            {"amount": 247.80, "payment_date": date(2026, 2, 10)}
        )._create_payments()
        self.assertEqual(february.amount_residual, 0.0)
        self.assertEqual(january.amount_residual, 247.80)

    def test_other_partner_payment_untouched(self):
        january = self._run(1)
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.owner_b.id,
                "amount": 100.00,
                "date": date(2026, 1, 5),
                "journal_id": self.company_data["default_journal_bank"].id,
            }
        )
        payment.action_post()
        self.assertEqual(january.amount_residual, 247.80)
        self.assertEqual(
            self.owner_b._get_property_advance_balance(self.company), 100.00
        )


@tagged("post_install", "-at_install")
class TestAdvancePortal(HttpCase, AdvanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(
            cls.env,
            login="owner_a_advance",
            password="owner_a_advance",
            groups="base.group_portal",
            partner_id=cls.owner_a.id,
            company_id=cls.company.id,
            tz="UTC",
        )
        cls.provider = cls.env.ref("payment.payment_provider_demo").sudo()
        cls.provider.write({"state": "test", "company_id": cls.company.id})

    def _page(self):
        response = self.url_open("/my/property")
        self.assertEqual(response.status_code, 200)
        return html.fromstring(response.content)

    def _balance_text(self, page):
        return page.xpath("//div[hasclass('o_property_advance_balance')]")[
            0
        ].text_content()

    @freeze_time("2026-02-10 03:00:00")
    def test_owner_pays_in_advance_online(self):
        january = self._run(1)
        february = self._run(2)
        self.authenticate("owner_a_advance", "owner_a_advance")
        page = self._page()
        self.assertIn("0.00", self._balance_text(page))
        csrf = page.xpath(
            "//form[hasclass('o_property_advance_form')]//input[@name='csrf_token']"
        )
        response = self.url_open(
            "/my/property/advance",
            data={"csrf_token": csrf[0].get("value"), "amount": "600"},
            allow_redirects=False,
        )
        location = urlsplit(response.headers["Location"])
        self.assertEqual(location.path, "/payment/pay")
        params = parse_qs(location.query)
        self.assertEqual(params["amount"], ["600.0"])
        self.assertEqual(params["partner_id"], [str(self.owner_a.id)])

        processing_values = self.make_jsonrpc_request(
            "/payment/transaction",
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.env.ref(
                    "payment_demo.payment_method_demo"
                ).id,
                "token_id": None,
                "amount": 600.0,
                "currency_id": self.company.currency_id.id,
                "partner_id": self.owner_a.id,
                "access_token": params["access_token"][0],
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": "/my/property",
            },
        )
        self.make_jsonrpc_request(
            "/payment/demo/simulate_payment",
            {
                "reference": processing_values["reference"],
                "payment_details": "4242",
                "simulated_state": "done",
            },
        )
        transaction = self.env["payment.transaction"].search(
            [("reference", "=", processing_values["reference"])]
        )
        transaction._post_process()
        self.assertEqual(transaction.payment_id.amount, 600.0)
        self.assertEqual(january.amount_residual, 0.0)
        self.assertEqual(february.amount_residual, 0.0)
        # 600.00 - 2 × 247.80 = 104.40 is left for the next bills.
        self.assertEqual(self._balance(), 104.40)
        self.assertIn("104.40", self._balance_text(self._page()))
        march = self._run(3)
        self.assertEqual(march.amount_residual, 247.80 - 104.40)

    def test_zero_amount_rejected(self):
        self.authenticate("owner_a_advance", "owner_a_advance")
        page = self._page()
        csrf = page.xpath(
            "//form[hasclass('o_property_advance_form')]//input[@name='csrf_token']"
        )
        response = self.url_open(
            "/my/property/advance",
            data={"csrf_token": csrf[0].get("value"), "amount": "0"},
        )
        self.assertEqual(urlsplit(response.url).path, "/my/property")
        self.assertIn(
            "Enter an amount above zero",
            html.fromstring(response.content).text_content(),
        )

    def test_amount_not_a_number_rejected(self):
        self.authenticate("owner_a_advance", "owner_a_advance")
        page = self._page()
        csrf = page.xpath(
            "//form[hasclass('o_property_advance_form')]//input[@name='csrf_token']"
        )[0].get("value")
        for amount in ("inf", "-inf", "nan", "1e400", "abc"):
            response = self.url_open(
                "/my/property/advance",
                data={"csrf_token": csrf, "amount": amount},
            )
            self.assertEqual(response.status_code, 200, amount)
            self.assertEqual(urlsplit(response.url).path, "/my/property", amount)
            self.assertIn(
                "Enter an amount above zero, such as 500.00",
                html.fromstring(response.content).text_content(),
                amount,
            )
        self.assertFalse(self.env["payment.transaction"].search([]))
