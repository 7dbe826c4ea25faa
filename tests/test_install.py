"""Checks of the installed database that no single addon owns."""

from odoo.tests import HttpCase, TransactionCase, tagged

ADDONS = ("property_billing", "property_billing_wechat", "property_billing_refund")


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_addons_installed(self):
        modules = self.env["ir.module.module"].search([("name", "in", ADDONS)])
        self.assertEqual(
            {module.name: module.state for module in modules},
            dict.fromkeys(ADDONS, "installed"),
        )

    def _index_definition(self, name):
        self.env.cr.execute(
            """
            SELECT indexdef
              FROM pg_indexes
             WHERE tablename = 'property_billing_charge'
               AND indexname = %s
            """,
            [name],
        )
        rows = self.env.cr.fetchall()
        self.assertEqual(len(rows), 1)
        return rows[0][0]

    def test_live_charge_index(self):
        # Billing the same unit, fee item and period twice is rejected by this
        # partial unique index, which the ORM cannot declare.
        self.assertEqual(
            self._index_definition("property_billing_charge_live_uniq"),
            "CREATE UNIQUE INDEX property_billing_charge_live_uniq "
            "ON public.property_billing_charge USING btree "
            "(unit_id, fee_item_id, period_start) "
            "WHERE (((state)::text = 'invoiced'::text) "
            "AND (shared_cost_id IS NULL))",
        )

    def test_shared_cost_charge_index(self):
        # The parts of shared costs are unique per unit and shared cost.
        self.assertEqual(
            self._index_definition("property_billing_charge_shared_cost_live_uniq"),
            "CREATE UNIQUE INDEX property_billing_charge_shared_cost_live_uniq "
            "ON public.property_billing_charge USING btree "
            "(unit_id, shared_cost_id) "
            "WHERE (((state)::text = 'invoiced'::text) "
            "AND (shared_cost_id IS NOT NULL))",
        )


@tagged("post_install", "-at_install")
class TestHttpServer(HttpCase):
    def test_login_page_served(self):
        response = self.url_open("/web/login")
        self.assertEqual(response.status_code, 200)
        self.assertIn('name="login"', response.text)
