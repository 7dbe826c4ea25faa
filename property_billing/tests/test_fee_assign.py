from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import PropertyBillingCommon


@tagged("post_install", "-at_install")
class TestFeeAssign(PropertyBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.flat_1 = cls._create_unit(cls.building_1, "101", 89.50, cls.owner_a)
        cls.flat_2 = cls._create_unit(cls.building_1, "102", 120.05, cls.owner_b)
        cls.flat_3 = cls._create_unit(cls.building_2, "201", 133.80, cls.owner_b)
        cls.parking = cls._create_unit(
            cls.building_2, "B1-001", 0.0, cls.owner_a, unit_type="parking"
        )

    def _assign(self, **values):
        wizard = self.env["property.fee.assign.wizard"].create(
            {
                "community_id": self.community.id,
                "date_start": date(2026, 1, 1),
                **values,
            }
        )
        return wizard, wizard.action_assign()

    def test_assign_to_whole_community(self):
        _wizard, action = self._assign(fee_item_id=self.fee_garbage.id)

        fees = self.env["property.unit.fee"].search(
            [("fee_item_id", "=", self.fee_garbage.id)]
        )
        self.assertEqual(
            fees.unit_id, self.flat_1 | self.flat_2 | self.flat_3 | self.parking
        )
        self.assertEqual(set(fees.mapped("date_start")), {date(2026, 1, 1)})
        self.assertIn("4 units now have fee Garbage Fee", action["params"]["message"])

    def test_assign_skips_units_without_area(self):
        _wizard, action = self._assign(fee_item_id=self.fee_management.id)

        fees = self.env["property.unit.fee"].search(
            [("fee_item_id", "=", self.fee_management.id)]
        )
        self.assertEqual(fees.unit_id, self.flat_1 | self.flat_2 | self.flat_3)
        self.assertIn("1 have no area", action["params"]["message"])

    def test_assign_by_building_and_type(self):
        self._assign(
            fee_item_id=self.fee_parking.id,
            building_ids=[(6, 0, self.building_2.ids)],
            unit_types="parking",
        )
        fees = self.env["property.unit.fee"].search(
            [("fee_item_id", "=", self.fee_parking.id)]
        )
        self.assertEqual(fees.unit_id, self.parking)

    def test_assign_twice_creates_nothing_new(self):
        self._assign(fee_item_id=self.fee_garbage.id)
        _wizard, action = self._assign(fee_item_id=self.fee_garbage.id)

        fees = self.env["property.unit.fee"].search(
            [("fee_item_id", "=", self.fee_garbage.id)]
        )
        self.assertEqual(len(fees), 4)
        self.assertIn("0 units now have fee", action["params"]["message"])
        self.assertIn("4 already had it", action["params"]["message"])

    def test_assign_with_own_rate_then_bill(self):
        self._assign(
            fee_item_id=self.fee_management.id,
            building_ids=[(6, 0, self.building_1.ids)],
            has_rate_override=True,
            rate_override=3.00,
        )
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        run.action_generate()

        # 89.50 × 3.00 and 120.05 × 3.00, one invoice per owner.
        self.assertEqual(run.invoice_count, 2)
        self.assertAlmostEqual(run.amount_total, 268.50 + 360.15, places=2)

    def test_assign_with_no_matching_unit(self):
        with self.assertRaisesRegex(UserError, "No unit of community Sunshine Garden"):
            self._assign(fee_item_id=self.fee_garbage.id, unit_types="storage")
