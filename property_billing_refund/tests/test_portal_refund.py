from datetime import date, timedelta
from urllib.parse import urlsplit

from lxml import html

from odoo import Command, fields, http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import RefundCommon

# The period of the extra bills: a second bill of unit A for the period of
# bill A would bill its charge twice.
LAST_YEAR = (date(2025, 1, 1), date(2025, 12, 31))


@tagged("post_install", "-at_install")
class TestPortalRefund(RefundCommon, HttpCase):
    """Owners A and B each paid a bill; each may act on his own bill only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_a = cls._create_portal_user("refund_owner_a", cls.owner_a)
        cls.user_b = cls._create_portal_user("refund_owner_b", cls.owner_b)

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
        self.bill_a = self._create_bill(self.unit_a, 1200.00)
        self.bill_b = self._create_bill(self.unit_b, 1200.00)
        self._pay(self.bill_a, 1200.00, today)
        self._pay(self.bill_b, 1200.00, today)
        self.request_b = self._new_request(self.bill_b, amount=50.00)
        self.request_b.action_submit()

    def _requests_of(self, bill):
        return self.env["property.refund.request"].search([("move_id", "=", bill.id)])

    def _page(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return response, html.fromstring(response.content)

    def _post_form(self, bill, **values):
        return self.url_open(
            f"/my/refunds/new/{bill.id}",
            data={"csrf_token": http.Request.csrf_token(self), **values},
        )

    # ------------------------------------------------------------
    # PAGES
    # ------------------------------------------------------------

    def test_owner_creates_and_follows_request(self):
        self.authenticate("refund_owner_a", "refund_owner_a")
        response, page = self._page(f"/my/refunds/new/{self.bill_a.id}")
        self.assertEqual(
            urlsplit(response.url).path, f"/my/refunds/new/{self.bill_a.id}"
        )
        self.assertIn(self.bill_a.name, page.text_content())

        response = self._post_form(
            self.bill_a, amount="250.00", reason="not_delivered", description="Lift out"
        )
        request = self._requests_of(self.bill_a)
        self.assertEqual(len(request), 1)
        self.assertEqual(urlsplit(response.url).path, f"/my/refunds/{request.id}")
        self.assertRecordValues(
            request,
            [
                {
                    "state": "submitted",
                    "amount": 250.00,
                    "reason": "not_delivered",
                    "partner_id": self.owner_a.id,
                }
            ],
        )
        self.assertIn("Submitted for 250.00", request.message_ids[0].body)

        _response, page = self._page("/my/refunds")
        ids = {
            int(row.get("data-refund-id"))
            for row in page.xpath("//tr[@data-refund-id]")
        }
        self.assertEqual(ids, {request.id})
        self.assertNotIn(self.request_b.name, page.text_content())

        _response, page = self._page(f"/my/refunds/{request.id}")
        self.assertIn("250.00", page.text_content())
        self.assertIn("Submitted", page.text_content())

    def test_owner_refunds_package(self):
        self._apply_fee(self.unit_a, self.fee_management, date(2026, 1, 1))
        package = self.env["property.package"].create(
            {
                "name": "Management fee, 12 months",
                "months": 12,
                "discount": 10.0,
                "line_ids": [
                    Command.create(
                        {"fee_item_id": self.fee_management.id, "monthly_price": 100.00}
                    )
                ],
            }
        )
        subscription = self.env["property.package.subscription"].create(
            {
                "package_id": package.id,
                "unit_id": self.unit_a.id,
                "date_start": date(2026, 1, 1),
            }
        )
        subscription.action_confirm()
        invoice = subscription.move_id
        self._pay(invoice, 1080.00, fields.Date.today())
        self.authenticate("refund_owner_a", "refund_owner_a")
        _response, page = self._page(f"/my/invoices/{invoice.id}")
        self.assertTrue(page.xpath("//a[hasclass('o_property_refund_link')]"))

        response = self._post_form(
            invoice, reason="ended_early", service_end_date="2026-09-30"
        )
        refund = self._requests_of(invoice)
        self.assertEqual(urlsplit(response.url).path, f"/my/refunds/{refund.id}")
        self.assertRecordValues(
            refund,
            [
                {
                    "state": "submitted",
                    "amount": 270.00,
                    "package_subscription_id": subscription.id,
                    "partner_id": self.owner_a.id,
                }
            ],
        )

    def test_rejected_amount_shows_error(self):
        self.authenticate("refund_owner_a", "refund_owner_a")
        response = self._post_form(self.bill_a, amount="1300.00", reason="other")
        page = html.fromstring(response.content)
        error = page.xpath("//div[contains(@class, 'o_property_refund_error')]")
        self.assertEqual(len(error), 1)
        self.assertIn("at most 1,200.00", error[0].text_content())
        self.assertFalse(self._requests_of(self.bill_a))

    def _form_error(self, response):
        self.assertEqual(response.status_code, 200)
        page = html.fromstring(response.content)
        error = page.xpath("//div[contains(@class, 'o_property_refund_error')]")
        self.assertEqual(len(error), 1, response.text[:500])
        return error[0].text_content().strip()

    def test_bad_form_values_show_clear_error(self):
        sequence = self.env["ir.sequence"].search(
            [("code", "=", "property.refund.request")]
        )
        next_number = sequence.number_next_actual
        self.authenticate("refund_owner_a", "refund_owner_a")
        for value in ("inf", "1e400", "abc", "nan", "-inf"):
            with self.subTest(amount=value):
                error = self._form_error(
                    self._post_form(self.bill_a, amount=value, reason="other")
                )
                self.assertIn(f"The amount {value} is not a number", error)
        error = self._form_error(
            self._post_form(
                self.bill_a, amount="100", service_end_date="bad", reason="other"
            )
        )
        self.assertIn("The service end date bad is not a date", error)
        error = self._form_error(
            self._post_form(self.bill_a, amount="100", reason="bogus")
        )
        self.assertIn("The reason bogus is not one of the listed reasons", error)
        # Refused by the amount check after the request was created: it is
        # rolled back, and the message names no request, since it has no
        # number yet.
        error = self._form_error(
            self._post_form(self.bill_a, amount="1300.00", reason="other")
        )
        self.assertEqual(
            error,
            f"You asked for 1,300.00 but at most 1,200.00 can still be refunded "
            f"on bill {self.bill_a.name} (paid 1,200.00, already refunded or "
            f"requested 0.00): lower the amount.",
        )
        self.assertFalse(self._requests_of(self.bill_a))
        sequence.invalidate_recordset(["number_next_actual"])
        self.assertEqual(sequence.number_next_actual, next_number)

        self._post_form(self.bill_a, amount="100.00", reason="other")
        request = self._requests_of(self.bill_a)
        self.assertEqual(len(request), 1)
        self.assertEqual(request.state, "submitted")
        self.assertEqual(request.amount, 100.00)
        self.assertTrue(request.name.endswith(f"/{next_number:05d}"), request.name)
        self.assertIn(request.name, request.late_fee_hold_id.reason)

    def test_owner_errors_name_no_request(self):
        self.authenticate("refund_owner_a", "refund_owner_a")
        error = self._form_error(
            self._post_form(self.bill_a, amount="-100", reason="other")
        )
        self.assertEqual(
            error,
            "The amount to refund is negative (-100.00): enter a positive "
            "amount, or leave it empty for the amount our refund policy proposes.",
        )
        error = self._form_error(self._post_form(self.bill_a, reason="other"))
        self.assertEqual(
            error,
            "There is no amount to refund: enter the amount, or the last day "
            "you used the service so that our refund policy proposes an amount.",
        )
        self.assertFalse(self._requests_of(self.bill_a))

    def test_owner_errors_send_to_office(self):
        late_bill = self._create_bill(self.unit_a, 1200.00, period=LAST_YEAR)
        paid_on = fields.Date.today() - timedelta(days=45)
        self._pay(late_bill, 1200.00, paid_on)
        self.authenticate("refund_owner_a", "refund_owner_a")
        error = self._form_error(
            self._post_form(late_bill, amount="100.00", reason="other")
        )
        self.assertEqual(
            error,
            f"The refund window of bill {late_bill.name} closed on "
            f"{paid_on + timedelta(days=30)}, 30 days after its last payment on "
            f"{paid_on}: contact the property office, which can reopen it.",
        )
        self.policy.unlink()
        error = self._form_error(
            self._post_form(self.bill_a, amount="100.00", reason="other")
        )
        self.assertEqual(
            error,
            f"Yearly Management Package on bill {self.bill_a.name} cannot be "
            "refunded online: contact the property office.",
        )
        self.assertFalse(self._requests_of(self.bill_a))
        self.assertFalse(self._requests_of(late_bill))

    def _unavailable_notice(self, page):
        notices = page.xpath("//div[contains(@class, 'o_property_refund_unavailable')]")
        self.assertEqual(len(notices), 1)
        return " ".join(notices[0].text_content().split())

    def test_unpaid_bill_offers_no_refund(self):
        unpaid = self._create_bill(self.unit_a, 300.00, period=LAST_YEAR)
        self.authenticate("refund_owner_a", "refund_owner_a")
        _response, page = self._page(f"/my/invoices/{unpaid.id}")
        self.assertFalse(page.xpath("//a[contains(@class, 'o_property_refund_link')]"))

        response, page = self._page(f"/my/refunds/new/{unpaid.id}")
        self.assertEqual(urlsplit(response.url).path, f"/my/refunds/new/{unpaid.id}")
        self.assertFalse(page.xpath("//form[@method='post']//input[@name='amount']"))
        self.assertEqual(
            self._unavailable_notice(page),
            f"Bill {unpaid.name} has no payment yet, so there is nothing to "
            "refund. Back to the bill",
        )

        response = self._post_form(unpaid, amount="50.00", reason="other")
        page = html.fromstring(response.content)
        self.assertIn("has no payment yet", self._unavailable_notice(page))
        self.assertFalse(
            page.xpath("//div[contains(@class, 'o_property_refund_error')]")
        )
        self.assertFalse(self._requests_of(unpaid))

    def test_claimed_bill_offers_no_refund(self):
        request = self._new_request(self.bill_a, amount=1200.00)
        request.action_submit()
        self.authenticate("refund_owner_a", "refund_owner_a")
        _response, page = self._page(f"/my/invoices/{self.bill_a.id}")
        self.assertFalse(page.xpath("//a[contains(@class, 'o_property_refund_link')]"))
        self.assertEqual(self.bill_a.property_amount_refundable, 0.0)

        _response, page = self._page(f"/my/refunds/new/{self.bill_a.id}")
        self.assertFalse(page.xpath("//form[@method='post']//input[@name='amount']"))
        self.assertEqual(
            self._unavailable_notice(page),
            f"The ¥ 1,200.00 paid on bill {self.bill_a.name} is already refunded "
            "or requested back, so nothing is left to refund: follow your "
            "requests under Refund Requests. Back to the bill",
        )
        self._post_form(self.bill_a, amount="10.00", reason="other")
        self.assertEqual(self._requests_of(self.bill_a), request)

        # Cancelling the request frees the amount again.
        request.action_cancel()
        _response, page = self._page(f"/my/invoices/{self.bill_a.id}")
        links = page.xpath("//a[contains(@class, 'o_property_refund_link')]/@href")
        self.assertEqual(links, [f"/my/refunds/new/{self.bill_a.id}"])

    def test_property_page_links_to_refunds(self):
        self.authenticate("refund_owner_a", "refund_owner_a")
        _response, page = self._page("/my/property")
        links = page.xpath("//p[contains(@class, 'o_property_refunds_link')]/a/@href")
        self.assertEqual(links, ["/my/refunds"])

    def test_bill_page_links_to_refund(self):
        self.authenticate("refund_owner_a", "refund_owner_a")
        _response, page = self._page(f"/my/invoices/{self.bill_a.id}")
        links = page.xpath("//a[contains(@class, 'o_property_refund_link')]/@href")
        self.assertEqual(links, [f"/my/refunds/new/{self.bill_a.id}"])

    @mute_logger("odoo.addons.property_billing_refund.controllers.portal")
    def test_other_owner_bill_by_url(self):
        self.authenticate("refund_owner_a", "refund_owner_a")
        response, page = self._page(f"/my/refunds/new/{self.bill_b.id}")
        self.assertEqual(urlsplit(response.url).path, "/my/refunds")
        self.assertNotIn(self.bill_b.name, page.text_content())

        response = self._post_form(self.bill_b, amount="10.00", reason="other")
        self.assertEqual(urlsplit(response.url).path, "/my/refunds")
        self.assertEqual(self._requests_of(self.bill_b), self.request_b)

    def test_other_owner_request_by_url(self):
        self.authenticate("refund_owner_a", "refund_owner_a")
        response, page = self._page(f"/my/refunds/{self.request_b.id}")
        self.assertEqual(urlsplit(response.url).path, "/my/refunds")
        self.assertNotIn(self.request_b.name, page.text_content())

    def test_anonymous_redirected_to_login(self):
        response = self.url_open("/my/refunds")
        self.assertEqual(urlsplit(response.url).path, "/web/login")

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    def test_orm_other_owner(self):
        Request = self.env["property.refund.request"].with_user(self.user_a)
        self.assertFalse(Request.search([]))
        with self.assertRaises(AccessError):
            self.request_b.with_user(self.user_a).read(["amount"])
        with self.assertRaises(AccessError):
            Request.create({"move_id": self.bill_b.id, "amount": 10.00})
        with self.assertRaises(AccessError):
            self.request_b.with_user(self.user_a).write({"amount": 1.00})

    def test_orm_owner_cannot_set_state(self):
        Request = self.env["property.refund.request"].with_user(self.user_a)
        with self.assertRaisesRegex(AccessError, "state"):
            Request.create(
                {"move_id": self.bill_a.id, "amount": 10.00, "state": "done"}
            )
        request = Request.create({"move_id": self.bill_a.id, "amount": 10.00})
        self.assertEqual(request.state, "draft")
        with self.assertRaises(AccessError):
            request.action_approve()
        with self.assertRaises(AccessError):
            request.write({"state": "done"})

    def test_bill_page_shows_refund(self):
        request = self._new_request(self.bill_a, amount=600.00)
        request.action_submit()
        self.authenticate("refund_owner_a", "refund_owner_a")
        _response, page = self._page(f"/my/invoices/{self.bill_a.id}")
        self.assertTrue(
            page.xpath("//*[contains(@class, 'o_property_bill_refund_open')]")
        )

        request.action_approve()
        self._confirm_transfer(request)
        _response, page = self._page(f"/my/invoices/{self.bill_a.id}")
        refunded = page.xpath("//*[contains(@class, 'o_property_bill_refunded')]")
        self.assertEqual(len(refunded), 1)
        self.assertIn("600.00", refunded[0].text_content())
        self.assertIn("Partially refunded", refunded[0].text_content())
        self.assertEqual(refunded[0].get("data-refund-status"), "partial")
        self.assertFalse(
            page.xpath("//*[contains(@class, 'o_property_bill_refund_open')]")
        )
        _response, page = self._page(f"/my/refunds/{request.id}")
        self.assertIn(
            "Refunded",
            page.xpath("//*[contains(@class, 'o_property_refund_state')]")[
                0
            ].text_content(),
        )

    def test_bill_list_shows_refund_status(self):
        self.authenticate("refund_owner_a", "refund_owner_a")
        _response, page = self._page("/my/invoices")
        self.assertFalse(
            page.xpath("//*[contains(@class, 'o_property_refund_status')]")
        )
        request = self._new_request(self.bill_a, amount=1200.00)
        request.action_submit()
        request.with_user(self.billing_manager).action_approve()
        self._confirm_transfer(request)
        self.assertEqual(self.bill_a.property_refund_status, "refunded")
        _response, page = self._page("/my/invoices")
        badges = page.xpath("//*[contains(@class, 'o_property_refund_status')]")
        self.assertEqual(
            [badge.get("data-refund-status") for badge in badges], ["refunded"]
        )
        self.assertIn("Refunded", badges[0].text_content())
        # Owner B's bill is not in A's list.
        self.assertNotIn(self.bill_b.name, page.text_content())

    def test_refund_waiting_for_transfer_is_not_an_advance(self):
        request = self._new_request(self.bill_a, amount=600.00)
        request.action_submit()
        request.action_approve()
        self.assertEqual(request.state, "refunding")
        self.assertTrue(request.credit_note_id.property_no_advance)
        self.assertEqual(request.credit_note_id.amount_residual, 600.00)
        self.assertEqual(self.owner_a._get_property_advance_balance(self.company), 0.0)
        self.authenticate("refund_owner_a", "refund_owner_a")
        _response, page = self._page("/my/property")
        balance = page.xpath("//div[hasclass('o_property_advance_balance')]")
        self.assertEqual(len(balance), 1)
        self.assertIn("0.00", balance[0].text_content())
        self.assertNotIn("600.00", balance[0].text_content())

        # The next bill is not paid with the money owed back to the owner.
        next_bill = self._create_bill(self.unit_a, 1200.00)
        self.owner_a._apply_property_advance_payments(self.company)
        self.assertEqual(next_bill.amount_residual, 1200.00)
        self.assertEqual(request.credit_note_id.amount_residual, 600.00)

    @mute_logger("odoo.http")
    def test_rpc_other_owner(self):
        self.authenticate("refund_owner_a", "refund_owner_a")
        model = "property.refund.request"

        def call(method, args, kwargs=None):
            return self.make_jsonrpc_request(
                f"/web/dataset/call_kw/{model}/{method}",
                {
                    "model": model,
                    "method": method,
                    "args": args,
                    "kwargs": kwargs or {},
                },
            )

        found = call("search_read", [[]], {"fields": ["name"]})
        self.assertEqual(found, [])
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            call("read", [self.request_b.ids, ["amount"]])
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            call("create", [{"move_id": self.bill_b.id, "amount": 10.00}])
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            call("action_approve", [self.request_b.ids])
        self.assertEqual(self._requests_of(self.bill_b), self.request_b)
        self.assertEqual(self.request_b.state, "submitted")
