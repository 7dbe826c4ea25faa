"""An owner pays a property bill on the portal with the demo payment provider.

Needs a database with property_billing and payment_demo installed; run with
pytest-odoo: ``pytest --odoo-database=DB --odoo-http tests/test_portal_pay_tour.py``.
"""

import unittest
from datetime import date

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests import common as test_common

from odoo.addons.property_billing.tests import common


@tagged("post_install", "-at_install")
class TestPortalPayTour(common.PropertyBillingCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unit = cls._create_unit(cls.building_1, "101", 88.50, cls.owner_a)
        # 88.50 m² × 2.80 + 10.00 = 257.80 a month, the amount the tour expects.
        cls._apply_fee(cls.unit, cls.fee_management, date(2024, 1, 1))
        cls._apply_fee(cls.unit, cls.fee_garbage, date(2024, 1, 1))
        cls.user = new_test_user(
            cls.env,
            login="owner_a_tour",
            password="owner_a_tour",
            groups="base.group_portal",
            name=cls.owner_a.name,
            partner_id=cls.owner_a.id,
            company_id=cls.company.id,
            tz="UTC",
        )
        cls.provider = cls._enable_demo_provider()
        cls.env["ir.config_parameter"].sudo().set_param(
            "account_payment.enable_portal_payment", True
        )

    @classmethod
    def _enable_demo_provider(cls):
        """Return the demo provider of the test company, in test mode and published."""
        Provider = cls.env["payment.provider"].sudo()
        provider = Provider.search(
            [("code", "=", "demo"), ("company_id", "=", cls.company.id)], limit=1
        )
        if not provider:
            provider = Provider.search([("code", "=", "demo")], limit=1).copy(
                {"company_id": cls.company.id}
            )
        provider.write(
            {
                "state": "test",
                "is_published": True,
                "journal_id": cls.company_data["default_journal_bank"].id,
            }
        )
        return provider

    def _check_browser_available(self):
        # Odoo skips browser tests when websocket-client or Chromium is
        # missing; this test must fail instead, because it is the only proof
        # that an owner can pay on the portal.
        self.assertIsNotNone(
            test_common.websocket,
            "websocket-client is not installed: pip install websocket-client",
        )
        try:
            test_common._find_executable()
        except unittest.SkipTest as error:
            self.fail(f"Chromium is required for the portal payment tour: {error}")

    def test_owner_pays_bill_on_portal(self):
        self._check_browser_available()
        self.assertTrue(self.provider.journal_id)
        run = self._create_run(date(2024, 1, 1), date(2024, 1, 31))
        run.action_generate()
        invoice = run.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertRecordValues(
            invoice,
            [
                {
                    "partner_id": self.owner_a.id,
                    "state": "posted",
                    "amount_total": 257.80,
                    "amount_residual": 257.80,
                    "payment_state": "not_paid",
                }
            ],
        )

        try:
            self.start_tour(
                "/my/property", "property_billing_portal_pay", login="owner_a_tour"
            )
        except unittest.SkipTest as error:
            self.fail(f"The portal payment tour could not run: {error}")

        invoice.invalidate_recordset()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))
        transactions = self.env["payment.transaction"].search(
            [("invoice_ids", "in", invoice.ids)]
        )
        self.assertEqual(len(transactions), 1)
        self.assertRecordValues(
            transactions,
            [
                {
                    "state": "done",
                    "provider_id": self.provider.id,
                    "partner_id": self.owner_a.id,
                    "amount": 257.80,
                    "currency_id": invoice.currency_id.id,
                    "is_post_processed": True,
                }
            ],
        )
        self.assertEqual(transactions.payment_id.amount, 257.80)
