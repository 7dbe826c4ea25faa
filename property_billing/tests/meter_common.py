from datetime import date

from odoo import Command

from .common import PropertyBillingCommon


class MeterBillingCommon(PropertyBillingCommon):
    """Three units with water meters and a tiered water fee with sewage."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unit_1 = cls._create_unit(cls.building_1, "101", 89.50, cls.owner_a)
        cls.unit_2 = cls._create_unit(cls.building_1, "102", 120.05, cls.owner_a)
        cls.unit_3 = cls._create_unit(cls.building_2, "201", 133.80, cls.owner_b)
        cls.units = cls.unit_1 | cls.unit_2 | cls.unit_3
        cls.fee_water = cls._create_fee_item(
            "Water Fee",
            "WATER",
            "metered",
            3.50,
            meter_type="water",
            surcharge_name="Sewage",
            surcharge_rate=0.95,
            tier_ids=[
                Command.create({"upper_bound": 15, "price": 3.50}),
                Command.create({"upper_bound": 25, "price": 4.55}),
                Command.create({"upper_bound": 0, "price": 6.90}),
            ],
        )
        cls._apply_fee(cls.units, cls.fee_water, date(2026, 1, 1))
        cls.meter_1, cls.meter_2, cls.meter_3 = cls.env["property.meter"].create(
            [
                {
                    "serial_number": f"W-{unit.code}",
                    "meter_type": "water",
                    "unit_id": unit.id,
                    "initial_value": 100,
                }
                for unit in cls.units
            ]
        )

    @classmethod
    def _read(cls, meter, day, value, confirm=True, **values):
        reading = cls.env["property.meter.reading"].create(
            {"meter_id": meter.id, "date": day, "value": value, **values}
        )
        if confirm:
            reading.action_confirm()
        return reading
