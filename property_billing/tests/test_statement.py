import io
from datetime import date
from urllib.parse import urlsplit

from lxml import html

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.pdf import PdfFileReader

from .test_collection_report import CollectionCommon


class StatementCommon(CollectionCommon):
    """The March 2025 bills of ``CollectionCommon``, plus for owner D a credit
    note of 200.00 on 15 April and a late-fee bill of 12.50 on 1 May.

    D's receivable: 1,000.00 billed, 250.00 paid on 30 April, 200.00
    credited, 12.50 late fee, 500.00 paid on 5 May: 62.50 left.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fee_late = cls._create_fee_item("Late Fee", "LATE", "fixed", 0.0)
        cls.env["property.late.fee.policy"].create(
            {
                "community_id": cls.community.id,
                "daily_rate": 0.05,
                "fee_item_ids": [Command.set(cls.fee_service.ids)],
                "late_fee_item_id": cls.fee_late.id,
            }
        )
        cls.refund_d = cls._create_move(
            "out_refund", cls.owner_d, date(2025, 4, 15), cls.fee_service, 200.00
        )
        cls.late_fee_d = cls._create_move(
            "out_invoice", cls.owner_d, date(2025, 5, 1), cls.fee_late, 12.50
        )
        unit_203 = cls.units.filtered(lambda unit: unit.number == "203")
        charge = cls.env["property.billing.charge"].create(
            {
                "unit_id": unit_203.id,
                "community_id": cls.community.id,
                "company_id": cls.company.id,
                "fee_item_id": cls.fee_late.id,
                "partner_id": cls.owner_d.id,
                "cycle_start": date(2025, 4, 1),
                "period_start": date(2025, 4, 1),
                "period_end": date(2025, 4, 30),
                "amount": 12.50,
            }
        )
        cls.late_fee_d.invoice_line_ids.property_charge_id = charge

    @classmethod
    def _create_move(cls, move_type, partner, day, fee_item, amount):
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": day,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": fee_item.product_id.id,
                            "quantity": 1.0,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        move.action_post()
        return move

    def _ledger_balance(self, partner, date_to):
        return self.env["account.move.line"]._read_group(
            [
                ("partner_id", "child_of", partner.id),
                ("company_id", "=", self.company.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("date", "<=", date_to),
            ],
            [],
            ["balance:sum"],
        )[0][0]


@tagged("post_install", "-at_install")
class TestStatement(StatementCommon):
    def test_statement_april_may(self):
        statement = self.owner_d._get_property_statement(
            date(2025, 4, 1), date(2025, 5, 31), self.company
        )
        self.assertAlmostEqual(statement["opening"], 1000.00, places=2)
        self.assertEqual(
            [line["move"] for line in statement["lines"]],
            [
                self.refund_d,
                self._payment_move(date(2025, 4, 30)),
                self.late_fee_d,
                self._payment_move(date(2025, 5, 5)),
            ],
        )
        totals = statement["totals"]
        self.assertAlmostEqual(totals["bills"], 0.0, places=2)
        self.assertAlmostEqual(totals["late_fees"], 12.50, places=2)
        self.assertAlmostEqual(totals["credit_notes"], 200.00, places=2)
        self.assertAlmostEqual(totals["payments"], 750.00, places=2)
        self.assertAlmostEqual(statement["closing"], 62.50, places=2)
        self.assertEqual(
            [line["balance"] for line in statement["lines"]],
            [800.00, 550.00, 562.50, 62.50],
        )

    def test_closing_equals_ledger(self):
        for date_from, date_to in [
            (date(2025, 1, 1), date(2025, 3, 31)),
            (date(2025, 3, 1), date(2025, 4, 30)),
            (date(2025, 4, 16), date(2025, 12, 31)),
        ]:
            for owner in (self.owner_a, self.owner_c, self.owner_d):
                statement = owner._get_property_statement(
                    date_from, date_to, self.company
                )
                self.assertEqual(
                    self.company.currency_id.compare_amounts(
                        statement["closing"], self._ledger_balance(owner, date_to)
                    ),
                    0,
                    f"{owner.name} {date_from} - {date_to}",
                )
        # Up to today, the ledger balance is the partner's receivable.
        statement = self.owner_d._get_property_statement(
            date(2025, 1, 1), date.today(), self.company
        )
        self.assertAlmostEqual(statement["closing"], self.owner_d.credit, places=2)

    def test_bill_in_range(self):
        statement = self.owner_c._get_property_statement(
            date(2025, 3, 1), date(2025, 3, 31), self.company
        )
        self.assertAlmostEqual(statement["opening"], 0.0, places=2)
        self.assertAlmostEqual(statement["totals"]["bills"], 2000.00, places=2)
        self.assertAlmostEqual(statement["totals"]["payments"], 1250.00, places=2)
        self.assertAlmostEqual(statement["closing"], 750.00, places=2)

    def test_dates_reversed_rejected(self):
        with self.assertRaisesRegex(UserError, "before it starts"):
            self.owner_d._get_property_statement(
                date(2025, 5, 1), date(2025, 4, 1), self.company
            )

    def test_wizard_prints_pdf(self):
        wizard = (
            self.env["property.statement.wizard"]
            .with_context(active_model="res.partner", active_ids=self.owner_d.ids)
            .create({"date_from": date(2025, 4, 1), "date_to": date(2025, 5, 31)})
        )
        self.assertEqual(wizard.partner_ids, self.owner_d)
        action = wizard.action_print()
        self.assertEqual(
            action["report_name"], "property_billing.report_property_statement"
        )
        self.assertEqual(action["data"]["date_to"], "2025-05-31")
        content, _report_type = self.env["ir.actions.report"]._render_qweb_html(
            "property_billing.property_statement_report_action",
            self.owner_d.ids,
            data=action["data"],
        )
        page = html.fromstring(content)
        [closing] = page.xpath("//td[@data-field='closing']")
        self.assertIn("62.50", closing.text_content())

    def _payment_move(self, day):
        return self.env["account.move"].search(
            [
                ("partner_id", "=", self.owner_d.id),
                ("origin_payment_id", "!=", False),
                ("date", "=", day),
            ]
        )


@tagged("post_install", "-at_install")
class TestStatementPortal(StatementCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_d = new_test_user(
            cls.env,
            login="owner_d_portal",
            password="owner_d_portal",
            groups="base.group_portal",
            name=cls.owner_d.name,
            partner_id=cls.owner_d.id,
            company_id=cls.company.id,
            tz="UTC",
        )
        cls.user_c = new_test_user(
            cls.env,
            login="owner_c_portal",
            password="owner_c_portal",
            groups="base.group_portal",
            name=cls.owner_c.name,
            partner_id=cls.owner_c.id,
            company_id=cls.company.id,
            tz="UTC",
        )

    def _open(self, user, url):
        self.authenticate(user.login, user.login)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return response

    def test_owner_sees_own_statement(self):
        response = self._open(
            self.user_d,
            "/my/property/statement?date_from=2025-04-01&date_to=2025-05-31",
        )
        self.assertEqual(urlsplit(response.url).path, "/my/property/statement")
        page = html.fromstring(response.content)
        [opening] = page.xpath("//td[@data-field='opening']")
        [closing] = page.xpath("//td[@data-field='closing']")
        self.assertIn("1,000.00", opening.text_content())
        self.assertIn("62.50", closing.text_content())
        self.assertEqual(
            len(page.xpath("//tr[contains(@class, 'o_property_statement_line')]")), 4
        )
        self.assertIn(self.late_fee_d.name, response.text)

    def test_partner_parameter_ignored(self):
        response = self._open(
            self.user_c,
            "/my/property/statement?date_from=2025-01-01&date_to=2025-12-31"
            f"&partner_id={self.owner_d.id}",
        )
        self.assertNotIn(self.late_fee_d.name, response.text)
        self.assertNotIn(self.bills[self.owner_d].name, response.text)
        self.assertIn(self.bills[self.owner_c].name, response.text)
        page = html.fromstring(response.content)
        [closing] = page.xpath("//td[@data-field='closing']")
        self.assertIn("0.00", closing.text_content())

    def test_pdf_of_own_statement(self):
        response = self._open(
            self.user_c,
            "/my/property/statement/pdf?date_from=2025-03-01&date_to=2025-03-31"
            f"&partner_id={self.owner_d.id}",
        )
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        # Tests render reports as HTML instead of running wkhtmltopdf.
        self.assertIn(self.bills[self.owner_c].name, response.text)
        self.assertNotIn(self.bills[self.owner_d].name, response.text)
        self.assertIn("750.00", response.text)

    def test_wkhtmltopdf_renders_statements(self):
        """Render the real PDF, one statement per owner, with wkhtmltopdf."""
        # Chinese names, because text set in the report's web fonts cannot be
        # extracted from wkhtmltopdf's output, while CJK text uses system fonts.
        self.owner_c.name = "张三"
        self.owner_d.name = "李四"
        content, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                "property_billing.property_statement_report_action",
                (self.owner_c | self.owner_d).ids,
                data={
                    "date_from": "2025-04-01",
                    "date_to": "2025-05-31",
                    "company_id": self.company.id,
                },
            )
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(content.startswith(b"%PDF-"))
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        self.assertEqual(len(reader.pages), 2)
        self.assertIn("张三", reader.pages[0].extract_text())
        self.assertNotIn("李四", reader.pages[0].extract_text())
        self.assertIn("李四", reader.pages[1].extract_text())

    def test_anonymous_redirected_to_login(self):
        response = self.url_open("/my/property/statement")
        self.assertEqual(urlsplit(response.url).path, "/web/login")
