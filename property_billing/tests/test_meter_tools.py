from datetime import date
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from ..tools import meters

WATER_TIERS = [(15, Decimal("3.50")), (25, Decimal("4.55")), (None, Decimal("6.90"))]
CENT = Decimal("0.01")


@tagged("post_install", "-at_install")
class TestMeterTools(BaseCase):
    def test_tiered_price_31_m3(self):
        amount, parts = meters.tiered_amount(31, WATER_TIERS, CENT)
        self.assertEqual(amount, Decimal("139.40"))
        self.assertEqual([part.quantity for part in parts], [15, 10, 6])
        self.assertEqual(
            [part.amount for part in parts],
            [Decimal("52.50"), Decimal("45.50"), Decimal("41.40")],
        )

    def test_tiered_price_within_first_tier(self):
        amount, parts = meters.tiered_amount(12, WATER_TIERS, CENT)
        self.assertEqual(amount, Decimal("42.00"))
        self.assertEqual(len(parts), 1)

    def test_tiered_price_on_bound(self):
        amount, parts = meters.tiered_amount(15, WATER_TIERS, CENT)
        self.assertEqual(amount, Decimal("52.50"))
        self.assertEqual(len(parts), 1)

    def test_cumulative_tiers_continue_from_used(self):
        # 20 m³ billed earlier in the year: 5 m³ left in tier 2, then tier 3.
        amount, parts = meters.tiered_amount(11, WATER_TIERS, CENT, already_used=20)
        self.assertEqual(
            [(part.quantity, part.price) for part in parts],
            [(5, Decimal("4.55")), (6, Decimal("6.90"))],
        )
        self.assertEqual(amount, Decimal("64.15"))

    def test_cumulative_tiers_past_all_bounds(self):
        amount, parts = meters.tiered_amount(10, WATER_TIERS, CENT, already_used=40)
        self.assertEqual(amount, Decimal("69.00"))
        self.assertEqual(parts[0].lower, 25)

    def test_tiers_must_end_open(self):
        with self.assertRaises(ValueError):
            meters.tier_parts(10, [(15, Decimal("3.50"))])

    def test_tiers_must_increase(self):
        with self.assertRaises(ValueError):
            meters.tier_parts(30, [(25, 1), (15, 2), (None, 3)])

    def test_consumption_plain_and_multiplier(self):
        self.assertEqual(meters.consumption(120, 151), 31)
        self.assertEqual(meters.consumption(120, 120), 0)
        self.assertEqual(meters.consumption(12.5, 14.25, multiplier=40), 70)

    def test_consumption_rollover(self):
        self.assertEqual(meters.consumption(99950, 12, digits=5, rollover=True), 62)

    def test_consumption_below_previous_rejected(self):
        with self.assertRaises(meters.MeterValueError) as caught:
            meters.consumption(99950, 12, digits=5)
        self.assertEqual(caught.exception.code, "below_previous")
        self.assertEqual(caught.exception.params["previous"], 99950)

    def test_rollover_not_below_rejected(self):
        with self.assertRaises(meters.MeterValueError) as caught:
            meters.consumption(100, 120, digits=5, rollover=True)
        self.assertEqual(caught.exception.code, "rollover_not_below")

    def test_rollover_needs_digits(self):
        with self.assertRaises(meters.MeterValueError) as caught:
            meters.consumption(100, 20, digits=0, rollover=True)
        self.assertEqual(caught.exception.code, "rollover_no_digits")

    def test_value_beyond_digits_rejected(self):
        with self.assertRaises(meters.MeterValueError) as caught:
            meters.consumption(100, 100000, digits=5)
        self.assertEqual(caught.exception.code, "too_many_digits")

    def test_anomaly_high(self):
        history = [10, 12, 11, 9, 10, 8]  # average 10
        self.assertEqual(meters.detect_anomaly(31, history), "high")
        self.assertIsNone(meters.detect_anomaly(30, history))

    def test_anomaly_uses_last_six_periods(self):
        history = [100, 10, 10, 10, 10, 10, 10]
        self.assertEqual(meters.detect_anomaly(31, history), "high")

    def test_anomaly_stuck_at_zero(self):
        self.assertEqual(meters.detect_anomaly(0, [5, 0, 0]), "stuck")
        self.assertIsNone(meters.detect_anomaly(0, [5, 3, 0]))
        self.assertIsNone(meters.detect_anomaly(0, [0]))

    def test_anomaly_without_history(self):
        self.assertIsNone(meters.detect_anomaly(500, []))

    def test_allocate_equal_three_ways(self):
        shares = meters.allocate(100, [1, 1, 1], ["1-101", "1-102", "2-201"], CENT)
        self.assertEqual(shares, [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")])

    def test_allocate_ties_by_key_not_order(self):
        shares = meters.allocate(100, [1, 1, 1], ["2-201", "1-102", "1-101"], CENT)
        self.assertEqual(shares, [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")])

    def test_allocate_by_area_largest_remainder(self):
        shares = meters.allocate(
            100, [89.50, 120.05, 133.80], ["1-101", "1-102", "2-201"], CENT
        )
        self.assertEqual(shares, [Decimal("26.07"), Decimal("34.96"), Decimal("38.97")])
        self.assertEqual(sum(shares), Decimal("100.00"))

    def test_allocate_zero_weight_gets_nothing(self):
        shares = meters.allocate(Decimal("10.00"), [0, 3, 1], ["a", "b", "c"], CENT)
        self.assertEqual(shares, [Decimal("0.00"), Decimal("7.50"), Decimal("2.50")])

    def test_allocate_rejects_no_weight(self):
        with self.assertRaises(ValueError):
            meters.allocate(10, [0, 0], ["a", "b"], CENT)

    def test_allocate_rejects_unrounded_total(self):
        with self.assertRaises(ValueError):
            meters.allocate(Decimal("10.005"), [1, 1], ["a", "b"], CENT)

    def test_parse_reading_table(self):
        table = [
            ["表号", "本期读数", "抄表日期", "翻表"],
            ["W-1", "1,234.5", "2026/4/25", ""],
            ["", "abc", "2026-13-01", "是"],
            ["", "", "", ""],
        ]
        rows = meters.parse_reading_table(table)
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[0].serial, "W-1")
        self.assertEqual(rows[0].value, Decimal("1234.5"))
        self.assertEqual(rows[0].date, date(2026, 4, 25))
        self.assertFalse(rows[0].rollover)
        self.assertEqual(rows[1].line, 3)
        self.assertEqual(
            rows[1].issues, ["serial_missing", "value_invalid", "date_invalid"]
        )
        self.assertTrue(rows[1].rollover)
