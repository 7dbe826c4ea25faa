from odoo import Command
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


@tagged("post_install", "-at_install")
class PropertyBillingCommon(AccountTestInvoicingCommon):
    """A CNY company with one community, fee items and helpers to bill it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.company_data["company"]
        cls.cny = cls.env.ref("base.CNY")
        cls.cny.active = True
        cls.company.currency_id = cls.cny
        cls.env.user.groups_id += cls.env.ref(
            "property_billing.property_billing_group_manager"
        )

        cls.community = cls.env["property.community"].create(
            {"name": "Sunshine Garden", "code": "SG", "due_days": 15}
        )
        cls.building_1, cls.building_2 = cls.env["property.building"].create(
            [
                {"name": "Building 1", "code": "1", "community_id": cls.community.id},
                {"name": "Building 2", "code": "2", "community_id": cls.community.id},
            ]
        )
        cls.fee_management = cls._create_fee_item(
            "Management Fee", "MGMT", "area", 2.80
        )
        cls.fee_garbage = cls._create_fee_item("Garbage Fee", "GARB", "fixed", 10.00)
        cls.fee_parking = cls._create_fee_item(
            "Parking Management", "PARK", "fixed", 150.00
        )

        cls.owner_a = cls.env["res.partner"].create({"name": "Owner A"})
        cls.owner_b = cls.env["res.partner"].create({"name": "Owner B"})

    @classmethod
    def _create_fee_item(cls, name, code, calculation, rate, **values):
        product = cls.env["product.product"].create(
            {
                "name": name,
                "type": "service",
                "taxes_id": [Command.clear()],
                "property_account_income_id": cls.company_data[
                    "default_account_revenue"
                ].id,
            }
        )
        return cls.env["property.fee.item"].create(
            {
                "name": name,
                "code": code,
                "calculation": calculation,
                "rate": rate,
                "product_id": product.id,
                **values,
            }
        )

    @classmethod
    def _create_unit(cls, building, number, area, owner, **values):
        return cls.env["property.unit"].create(
            {
                "building_id": building.id,
                "number": number,
                "area": area,
                "owner_id": owner.id if owner else False,
                **values,
            }
        )

    @classmethod
    def _apply_fee(cls, units, fee_item, date_start, date_end=False, **values):
        return cls.env["property.unit.fee"].create(
            [
                {
                    "unit_id": unit.id,
                    "fee_item_id": fee_item.id,
                    "date_start": date_start,
                    "date_end": date_end,
                    **values,
                }
                for unit in units
            ]
        )

    def _create_run(self, period_start, period_end, **values):
        return self.env["property.billing.run"].create(
            {
                "community_id": self.community.id,
                "period_start": period_start,
                "period_end": period_end,
                "invoice_date": period_start,
                **values,
            }
        )

    def _live_charges(self, units):
        return self.env["property.billing.charge"].search(
            [("unit_id", "in", units.ids), ("state", "=", "invoiced")]
        )
