from datetime import date
from decimal import Decimal
from fractions import Fraction

from odoo.tests import BaseCase, tagged

from ..tools import amounts, periods


@tagged("post_install", "-at_install")
class TestPeriods(BaseCase):
    def test_month_fraction_whole_months(self):
        self.assertEqual(periods.month_fraction(date(2026, 4, 1), date(2026, 4, 30)), 1)
        self.assertEqual(
            periods.month_fraction(date(2026, 1, 1), date(2026, 12, 31)), 12
        )

    def test_month_fraction_february(self):
        # 15 of the 29 days of February in a leap year, 14 of 28 otherwise.
        self.assertEqual(
            periods.month_fraction(date(2024, 2, 15), date(2024, 2, 29)),
            Fraction(15, 29),
        )
        self.assertEqual(
            periods.month_fraction(date(2026, 2, 15), date(2026, 2, 28)), Fraction(1, 2)
        )
        self.assertEqual(
            periods.month_fraction(date(2100, 2, 1), date(2100, 2, 28)), 1
        )  # 2100 is not a leap year

    def test_month_fraction_spans_months(self):
        # 17 days of May (of 31), then June to December whole.
        self.assertEqual(
            periods.month_fraction(date(2026, 5, 15), date(2026, 12, 31)),
            Fraction(17, 31) + 7,
        )
        self.assertEqual(periods.month_fraction(date(2026, 5, 2), date(2026, 5, 1)), 0)

    def test_cycle_start_aligned_on_january(self):
        self.assertEqual(periods.cycle_start(date(2026, 5, 20), 3), date(2026, 4, 1))
        self.assertEqual(periods.cycle_start(date(2026, 12, 31), 6), date(2026, 7, 1))
        self.assertEqual(periods.cycle_start(date(2026, 3, 3), 12), date(2026, 1, 1))
        with self.assertRaises(ValueError):
            periods.cycle_start(date(2026, 3, 3), 2)

    def test_billable_blocks_quarterly(self):
        # A quarterly fee is billed by the run of the quarter's first month.
        self.assertEqual(
            periods.billable_blocks(
                date(2026, 4, 1), date(2026, 4, 30), 3, date(2020, 1, 1)
            ),
            [(date(2026, 4, 1), date(2026, 4, 1), date(2026, 6, 30))],
        )
        self.assertEqual(
            periods.billable_blocks(
                date(2026, 5, 1), date(2026, 5, 31), 3, date(2020, 1, 1)
            ),
            [],
        )

    def test_billable_blocks_start_inside_cycle(self):
        # A yearly fee starting on 15 May bills the rest of the year in May.
        self.assertEqual(
            periods.billable_blocks(
                date(2026, 5, 1), date(2026, 5, 31), 12, date(2026, 5, 15)
            ),
            [(date(2026, 1, 1), date(2026, 5, 15), date(2026, 12, 31))],
        )

    def test_billable_blocks_monthly_over_a_year(self):
        blocks = periods.billable_blocks(
            date(2026, 1, 1),
            date(2026, 12, 31),
            1,
            date(2026, 3, 10),
            date(2026, 5, 20),
        )
        self.assertEqual(
            blocks,
            [
                (date(2026, 3, 1), date(2026, 3, 10), date(2026, 3, 31)),
                (date(2026, 4, 1), date(2026, 4, 1), date(2026, 4, 30)),
                (date(2026, 5, 1), date(2026, 5, 1), date(2026, 5, 20)),
            ],
        )

    def test_is_whole_months(self):
        self.assertTrue(periods.is_whole_months(date(2026, 2, 1), date(2026, 2, 28)))
        self.assertTrue(periods.is_whole_months(date(2026, 1, 1), date(2026, 3, 31)))
        self.assertFalse(periods.is_whole_months(date(2026, 2, 2), date(2026, 2, 28)))
        self.assertFalse(periods.is_whole_months(date(2024, 2, 1), date(2024, 2, 28)))


@tagged("post_install", "-at_install")
class TestAmounts(BaseCase):
    def test_charge_amount_exact_decimal(self):
        # 89.50 m² × 2.80 is 250.60 exactly; binary floats give 250.59999...
        self.assertEqual(
            amounts.charge_amount(2.8, 89.5, 1, Decimal("0.01")), Decimal("250.60")
        )
        self.assertEqual(
            amounts.charge_amount(2.8, 89.5, 3, Decimal("0.01")), Decimal("751.80")
        )

    def test_charge_amount_prorated(self):
        self.assertEqual(
            amounts.charge_amount(2.8, 89.5, Fraction(15, 29), Decimal("0.01")),
            Decimal("129.62"),
        )
        self.assertEqual(
            amounts.charge_amount(10, 1, Fraction(1, 3), Decimal("0.01")),
            Decimal("3.33"),
        )

    def test_rounding_half_up(self):
        # 1.00 m² × 2.25 = 2.25, rounded to the jiao: 2.3 (not banker's 2.2).
        self.assertEqual(
            amounts.charge_amount(2.25, 1, 1, Decimal("0.1")), Decimal("2.3")
        )
        self.assertEqual(
            amounts.charge_amount(2.8, 89.5, 1, Decimal("1")), Decimal("251")
        )
        self.assertEqual(
            amounts.charge_amount(0.005, 1, 1, Decimal("0.01")), Decimal("0.01")
        )

    def test_rounding_step_never_finer_than_currency(self):
        self.assertEqual(amounts.rounding_step("currency", 0.01), Decimal("0.01"))
        self.assertEqual(amounts.rounding_step("tenth", 0.01), Decimal("0.1"))
        self.assertEqual(amounts.rounding_step("unit", 0.01), Decimal("1"))
        # A currency without decimals keeps its own step.
        self.assertEqual(amounts.rounding_step("tenth", 1.0), Decimal("1.0"))
