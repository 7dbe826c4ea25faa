from datetime import date
from decimal import Decimal
from fractions import Fraction

from odoo.tests import BaseCase, tagged

from odoo.addons.property_billing_refund.tools import proration

CENT = Decimal("0.01")


@tagged("post_install", "-at_install")
class TestProration(BaseCase):
    def test_whole_months(self):
        cases = [
            (date(2026, 1, 1), date(2026, 12, 31), 12),
            (date(2026, 10, 1), date(2026, 12, 31), 3),
            (date(2026, 10, 15), date(2026, 12, 31), 2),
            (date(2026, 10, 1), date(2026, 12, 30), 2),
            (date(2026, 2, 1), date(2026, 2, 28), 1),
            (date(2026, 3, 1), date(2026, 2, 28), 0),
        ]
        for start, end, expected in cases:
            with self.subTest(start=start, end=end):
                self.assertEqual(proration.whole_months(start, end), expected)

    def test_unused_share_months(self):
        share = proration.unused_share(
            "months", date(2026, 1, 1), date(2026, 12, 31), date(2026, 9, 30)
        )
        self.assertEqual(share, Fraction(3, 12))

    def test_unused_share_partial_month_not_counted(self):
        # Ended on 15 September: the rest of September is not a whole month.
        share = proration.unused_share(
            "months", date(2026, 1, 1), date(2026, 12, 31), date(2026, 9, 15)
        )
        self.assertEqual(share, Fraction(3, 12))

    def test_unused_share_days(self):
        share = proration.unused_share(
            "days", date(2026, 1, 1), date(2026, 12, 31), date(2026, 12, 21)
        )
        self.assertEqual(share, Fraction(10, 365))

    def test_unused_share_before_period(self):
        share = proration.unused_share(
            "months", date(2026, 1, 1), date(2026, 12, 31), date(2025, 12, 31)
        )
        self.assertEqual(share, Fraction(1))

    def test_unused_share_after_period(self):
        share = proration.unused_share(
            "days", date(2026, 1, 1), date(2026, 12, 31), date(2027, 1, 5)
        )
        self.assertEqual(share, Fraction(0))

    def test_unused_share_bad_method(self):
        with self.assertRaises(ValueError):
            proration.unused_share(
                "weeks", date(2026, 1, 1), date(2026, 12, 31), date(2026, 6, 30)
            )

    def test_prorate_discounted_package(self):
        # 1,200.00 at 10% off is 1,080.00 paid; 3 of 12 months unused.
        self.assertEqual(
            proration.prorate(1080.00, Fraction(3, 12), CENT), Decimal("270.00")
        )

    def test_prorate_rounds_half_up(self):
        self.assertEqual(
            proration.prorate(100.00, Fraction(1, 8), CENT), Decimal("12.50")
        )
        self.assertEqual(proration.prorate(0.05, Fraction(1, 2), CENT), Decimal("0.03"))

    def test_handling_fee(self):
        self.assertEqual(
            proration.handling_fee(270.00, "percent", 10, CENT), Decimal("27.00")
        )
        self.assertEqual(
            proration.handling_fee(270.00, "fixed", 20, CENT), Decimal("20")
        )
        self.assertEqual(
            proration.handling_fee(15.00, "fixed", 20, CENT), Decimal("15.00")
        )

    def test_allocate_sums_to_total(self):
        parts = proration.allocate(Decimal("300.00"), [200.07, 202.25, 204.42], CENT)
        self.assertEqual(
            parts, [Decimal("98.92"), Decimal("100.00"), Decimal("101.08")]
        )
        # Three equal lines: the first one takes the cent left over.
        self.assertEqual(
            proration.allocate(Decimal("1.00"), [1, 1, 1], CENT),
            [Decimal("0.34"), Decimal("0.33"), Decimal("0.33")],
        )
        self.assertEqual(
            proration.allocate(Decimal("5.00"), [0, 0], CENT),
            [Decimal(0), Decimal(0)],
        )
