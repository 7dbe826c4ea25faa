from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import PropertyBillingCommon


@tagged("post_install", "-at_install")
class TestSecurity(PropertyBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unit = cls._create_unit(cls.building_1, "101", 89.50, cls.owner_a)
        cls._apply_fee(cls.unit, cls.fee_garbage, date(2026, 1, 1))
        # No email: billing must not depend on the user's mail settings.
        cls.billing_user = new_test_user(
            cls.env,
            login="pb_billing_user",
            email=False,
            groups="base.group_user,property_billing.property_billing_group_user",
            company_id=cls.company.id,
        )
        cls.billing_manager = new_test_user(
            cls.env,
            login="pb_billing_manager",
            groups="base.group_user,property_billing.property_billing_group_manager",
            company_id=cls.company.id,
        )
        cls.other_company = cls.setup_other_company(name="Other Property Co")["company"]
        cls.other_user = new_test_user(
            cls.env,
            login="pb_other_company_manager",
            groups="base.group_user,property_billing.property_billing_group_manager",
            company_id=cls.other_company.id,
            company_ids=[(6, 0, cls.other_company.ids)],
        )

    def test_billing_user_bills_but_cannot_price(self):
        env = self.env(user=self.billing_user)
        run = env["property.billing.run"].create(
            {
                "community_id": self.community.id,
                "period_start": date(2026, 4, 1),
                "period_end": date(2026, 4, 30),
                "invoice_date": date(2026, 4, 1),
            }
        )
        run.action_generate()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.invoice_count, 1)

        with self.assertRaises(AccessError):
            env["property.fee.item"].create(
                {
                    "name": "Unapproved Fee",
                    "calculation": "fixed",
                    "rate": 1.0,
                    "product_id": self.fee_garbage.product_id.id,
                }
            )
        with self.assertRaises(AccessError):
            self.fee_garbage.with_user(self.billing_user).rate = 0.0
        with self.assertRaises(AccessError):
            self.community.with_user(self.billing_user).unlink()

    def test_other_company_sees_nothing(self):
        env = self.env(user=self.other_user)
        for model in (
            "property.community",
            "property.building",
            "property.unit",
            "property.fee.item",
            "property.unit.fee",
        ):
            self.assertEqual(env[model].search_count([]), 0, model)
        with self.assertRaises(AccessError):
            self.unit.with_user(self.other_user).read(["code"])
        with self.assertRaises(AccessError):
            self.community.with_user(self.other_user).read(["name"])

    def test_manager_creates_community_with_analytic(self):
        analytic_group = self.env.ref("analytic.group_analytic_accounting")
        self.assertNotIn(analytic_group, self.billing_manager.groups_id)
        community = (
            self.env["property.community"]
            .with_user(self.billing_manager)
            .create({"name": "Moonlight Court", "code": "MC"})
        )
        self.assertEqual(community.sudo().analytic_account_id.name, "Moonlight Court")
