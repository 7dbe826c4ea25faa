from datetime import date, timedelta
from decimal import Decimal

from freezegun import freeze_time
from lxml import html

from odoo.exceptions import AccessError, UserError
from odoo.tests import BaseCase, HttpCase, new_test_user, tagged

from ..tools import late_fees, periods
from .common import PropertyBillingCommon

CENT = Decimal("0.01")


@tagged("post_install", "-at_install")
class TestLateFeeArithmetic(BaseCase):
    """The pure accrual function, on plain values."""

    rate = Decimal("0.0005")
    first_day = date(2026, 4, 1)

    def test_ten_days_on_whole_base(self):
        fee = late_fees.accrued_late_fee(
            Decimal("1000.00"), [], self.rate, self.first_day, date(2026, 4, 10)
        )
        self.assertEqual(fee, Decimal("5.00"))

    def test_payment_day_counts_on_new_base(self):
        payments = [(date(2026, 4, 5), Decimal("400.00"))]
        fee = late_fees.accrued_late_fee(
            Decimal("1000.00"), payments, self.rate, self.first_day, date(2026, 4, 10)
        )
        self.assertEqual(fee, Decimal("3.80"))

    def test_before_first_day_is_zero(self):
        fee = late_fees.accrued_late_fee(
            Decimal("1000.00"), [], self.rate, self.first_day, date(2026, 3, 31)
        )
        self.assertEqual(fee, Decimal("0"))

    def test_payment_before_first_day_lowers_cap(self):
        # 600.00 unpaid on the first day, at 1 % a day: capped at 600.00.
        payments = [(date(2026, 3, 20), Decimal("400.00"))]
        fee = late_fees.accrued_late_fee(
            Decimal("1000.00"),
            payments,
            Decimal("0.01"),
            self.first_day,
            date(2026, 12, 31),
        )
        self.assertEqual(fee, Decimal("600.00"))

    def test_hold_days_do_not_accrue(self):
        # Held 3, 4 and 5 April: 7 days accrue.
        holds = [(date(2026, 4, 3), date(2026, 4, 6))]
        fee = late_fees.accrued_late_fee(
            Decimal("1000.00"),
            [],
            self.rate,
            self.first_day,
            date(2026, 4, 10),
            holds=holds,
        )
        self.assertEqual(fee, Decimal("3.50"))

    def test_open_hold_stops_accrual(self):
        holds = [(date(2026, 4, 5), None)]
        fee = late_fees.accrued_late_fee(
            Decimal("1000.00"),
            [],
            self.rate,
            self.first_day,
            date(2026, 4, 30),
            holds=holds,
        )
        self.assertEqual(fee, Decimal("2.00"))

    def test_rounded_once_half_up(self):
        # 3 days × 333.33 × 0.05 % = 0.499995, rounded once to 0.50.
        fee = late_fees.accrued_late_fee(
            Decimal("333.33"), [], self.rate, self.first_day, date(2026, 4, 3)
        )
        self.assertEqual(fee, Decimal("0.50"))

    def test_attribute_payment_pro_rata(self):
        self.assertEqual(
            late_fees.attribute_payment(400, 1000, 1200, CENT), Decimal("333.33")
        )
        self.assertEqual(
            late_fees.attribute_payment(1500, 1000, 1200, CENT), Decimal("1000")
        )
        self.assertEqual(late_fees.attribute_payment(400, 0, 1200, CENT), 0)

    def test_percent_to_rate(self):
        self.assertEqual(late_fees.percent_to_rate(0.05), Decimal("0.0005"))
        self.assertEqual(late_fees.percent_to_rate(100.0), Decimal("1"))

    def test_first_accrual_day(self):
        self.assertEqual(
            late_fees.first_accrual_day(date(2026, 3, 31), 0), date(2026, 4, 1)
        )
        self.assertEqual(
            late_fees.first_accrual_day(date(2026, 3, 31), 5), date(2026, 4, 6)
        )


class LateFeeCommon(PropertyBillingCommon):
    """A community billing 1,000.00 a month per unit, with a late fee policy.

    Policy: 0.05 % a day on the fixed "Service Fee", no grace days, cap
    100 %, billed with the next bill through the "Late Fee" item.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fee_service = cls._create_fee_item("Service Fee", "SERV", "fixed", 1000.00)
        cls.fee_late = cls._create_fee_item("Late Fee", "LATE", "fixed", 0.0)
        cls.policy = cls.env["property.late.fee.policy"].create(
            {
                "community_id": cls.community.id,
                "daily_rate": 0.05,
                "grace_days": 0,
                "fee_item_ids": [(6, 0, cls.fee_service.ids)],
                "late_fee_item_id": cls.fee_late.id,
                "billing_mode": "next_bill",
            }
        )
        cls.unit_1 = cls._create_unit(cls.building_1, "101", 90.0, cls.owner_a)
        cls._apply_fee(cls.unit_1, cls.fee_service, date(2026, 1, 1))
        cls.LateFee = cls.env["property.late.fee"]

    def _bill_march(self, units=None):
        """Bill March (1,000.00 per unit) with a due date of 31 March."""
        run = self._create_run(
            date(2026, 3, 1),
            date(2026, 3, 31),
            due_date=date(2026, 3, 31),
            unit_ids=[(6, 0, (units or self.unit_1).ids)],
        )
        run.action_generate()
        return run.invoice_ids

    def _pay(self, invoice, amount, day):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": amount, "payment_date": day})._create_payments()

    def _run_job(self, day, **kwargs):
        # 02:00 UTC is 10:00 the same day in the community's Asia/Shanghai.
        with freeze_time(f"{day.isoformat()} 02:00:00"):
            return self.LateFee._cron_accrue_late_fees(**kwargs)

    def _late_fee_of(self, invoice):
        return self.LateFee.search([("move_id", "=", invoice.id)])


@tagged("post_install", "-at_install")
class TestLateFeeAccrual(LateFeeCommon):
    def test_bill_amount_and_due_date(self):
        bill = self._bill_march()
        self.assertRecordValues(
            bill, [{"amount_total": 1000.00, "invoice_date_due": date(2026, 3, 31)}]
        )

    def test_job_once(self):
        bill = self._bill_march()
        self._run_job(date(2026, 4, 10))
        fee = self._late_fee_of(bill)
        self.assertEqual(len(fee), 1)
        self.assertRecordValues(
            fee,
            [
                {
                    "amount_accrued": 5.00,
                    "base_amount": 1000.00,
                    "as_of_date": date(2026, 4, 10),
                    "first_accrual_date": date(2026, 4, 1),
                    "unit_id": self.unit_1.id,
                    "partner_id": self.owner_a.id,
                }
            ],
        )

    def test_job_twice_same_day(self):
        bill = self._bill_march()
        self._run_job(date(2026, 4, 10))
        self._run_job(date(2026, 4, 10))
        fee = self._late_fee_of(bill)
        self.assertEqual(len(fee), 1)
        self.assertEqual(fee.amount_accrued, 5.00)

    def test_job_after_ten_days_downtime(self):
        bill = self._bill_march()
        self._run_job(date(2026, 3, 31))
        self.assertFalse(self._late_fee_of(bill))
        self._run_job(date(2026, 4, 10))
        self.assertEqual(self._late_fee_of(bill).amount_accrued, 5.00)

    def test_job_every_day(self):
        bill = self._bill_march()
        for day in range(1, 11):
            self._run_job(date(2026, 4, day))
            self.assertEqual(self._late_fee_of(bill).amount_accrued, day * 0.50)
        self.assertEqual(self._late_fee_of(bill).amount_accrued, 5.00)

    def test_day_counted_in_community_time_zone(self):
        bill = self._bill_march()
        # 17:00 UTC on 9 April is 01:00 on 10 April in Shanghai.
        with freeze_time("2026-04-09 17:00:00"):
            self.LateFee._cron_accrue_late_fees()
        self.assertRecordValues(
            self._late_fee_of(bill),
            [{"amount_accrued": 5.00, "as_of_date": date(2026, 4, 10)}],
        )

    def test_partial_payment_lowers_base(self):
        bill = self._bill_march()
        self._run_job(date(2026, 4, 3))
        self._pay(bill, 400.00, date(2026, 4, 5))
        self._run_job(date(2026, 4, 10))
        # 4 days (1-4 April) on 1,000.00 + 6 days (5-10 April) on 600.00.
        self.assertEqual(self._late_fee_of(bill).amount_accrued, 3.80)

    def test_payment_found_after_downtime(self):
        bill = self._bill_march()
        self._pay(bill, 1000.00, date(2026, 4, 5))
        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        self._run_job(date(2026, 4, 10))
        fee = self._late_fee_of(bill)
        self.assertEqual(fee.amount_accrued, 2.00)
        self.assertTrue(bill.property_late_fee_closed)
        self._run_job(date(2026, 4, 20))
        self.assertEqual(fee.as_of_date, date(2026, 4, 10))
        self.assertEqual(fee.amount_accrued, 2.00)

    def test_paid_on_time_has_no_fee(self):
        bill = self._bill_march()
        self._pay(bill, 1000.00, date(2026, 3, 31))
        self._run_job(date(2026, 4, 10))
        self.assertFalse(self._late_fee_of(bill))
        self.assertTrue(bill.property_late_fee_closed)
        self.assertEqual(bill.property_late_fee_date, date(2026, 4, 10))

    def test_base_excludes_other_fee_items(self):
        self._apply_fee(self.unit_1, self.fee_garbage, date(2026, 1, 1))
        bill = self._bill_march()
        self.assertEqual(bill.amount_total, 1010.00)
        # 505.00 paid: 500.00 of it pays the base pro rata (505 × 1000 / 1010).
        self._pay(bill, 505.00, date(2026, 4, 1))
        self._run_job(date(2026, 4, 10))
        fee = self._late_fee_of(bill)
        self.assertEqual(fee.base_amount, 1000.00)
        self.assertEqual(fee.amount_accrued, 2.50)

    def test_grace_days(self):
        self.policy.grace_days = 5
        bill = self._bill_march()
        self._run_job(date(2026, 4, 5))
        self.assertFalse(self._late_fee_of(bill))
        self._run_job(date(2026, 4, 10))
        # 6 to 10 April.
        self.assertEqual(self._late_fee_of(bill).amount_accrued, 2.50)

    def test_cap(self):
        self.fee_service.rate = 100.00
        self.unit_1.fee_ids.rate = 100.00
        self.policy.daily_rate = 1.0
        bill = self._bill_march()
        self.assertEqual(bill.amount_total, 100.00)
        self._run_job(date(2026, 6, 1))
        # 1 April to 1 June is 62 days.
        self.assertEqual(self._late_fee_of(bill).amount_accrued, 62.00)
        self._run_job(date(2026, 7, 9))
        self.assertEqual(self._late_fee_of(bill).amount_accrued, 100.00)
        self._run_job(date(2026, 12, 31))
        self.assertEqual(self._late_fee_of(bill).amount_accrued, 100.00)

    def test_hold_flag_pauses_accrual(self):
        bill = self._bill_march()
        with freeze_time("2026-04-03 02:00:00"):
            bill.property_late_fee_on_hold = True
        self.assertTrue(bill.property_late_fee_on_hold)
        self._run_job(date(2026, 4, 4))
        # 1 and 2 April only.
        self.assertEqual(self._late_fee_of(bill).amount_accrued, 1.00)
        with freeze_time("2026-04-06 02:00:00"):
            bill.property_late_fee_on_hold = False
        self._run_job(date(2026, 4, 10))
        self.assertRecordValues(
            bill.property_late_fee_hold_ids,
            [{"date_start": date(2026, 4, 3), "date_end": date(2026, 4, 6)}],
        )
        # 3, 4 and 5 April held: 7 days accrue.
        self.assertEqual(self._late_fee_of(bill).amount_accrued, 3.50)

    def test_batches_continue(self):
        unit_2 = self._create_unit(self.building_1, "102", 90.0, self.owner_b)
        self._apply_fee(unit_2, self.fee_service, date(2026, 1, 1))
        bills = self._bill_march(self.unit_1 | unit_2)
        self.assertEqual(len(bills), 2)
        self.assertEqual(self._run_job(date(2026, 4, 10), batch_size=1), 1)
        self.assertEqual(len(self.LateFee.search([("move_id", "in", bills.ids)])), 1)
        self.assertEqual(self._run_job(date(2026, 4, 10), batch_size=1), 1)
        self.assertEqual(self._run_job(date(2026, 4, 10), batch_size=1), 0)
        fees = self.LateFee.search([("move_id", "in", bills.ids)])
        self.assertEqual(fees.mapped("amount_accrued"), [5.00, 5.00])

    def test_portal_amount_to_date(self):
        bill = self._bill_march()
        with freeze_time("2026-04-10 02:00:00"):
            amounts = bill._get_property_late_fees_to_date()
        self.assertEqual(amounts, {bill.id: 5.00})


@tagged("post_install", "-at_install")
class TestLateFeeWaiver(LateFeeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing_user = new_test_user(
            cls.env,
            login="late_fee_billing_user",
            groups="property_billing.property_billing_group_user",
            company_id=cls.company.id,
        )

    def setUp(self):
        super().setUp()
        self.bill = self._bill_march()
        self._run_job(date(2026, 4, 10))
        self.fee = self._late_fee_of(self.bill)

    def _waive(self, fee, amount, reason):
        with freeze_time("2026-04-10 02:00:00"):
            wizard = (
                self.env["property.late.fee.waive"]
                .with_user(fee.env.user)
                .create({"late_fee_id": fee.id, "amount": amount, "reason": reason})
            )
            wizard.action_waive()

    def test_manager_waives_part(self):
        self._waive(self.fee, 2.00, "Water leak dispute settled")
        self.assertRecordValues(
            self.fee,
            [{"amount_accrued": 5.00, "amount_waived": 2.00, "amount_unbilled": 3.00}],
        )
        self.assertRecordValues(
            self.fee.waiver_ids,
            [
                {
                    "amount": 2.00,
                    "reason": "Water leak dispute settled",
                    "user_id": self.env.user.id,
                }
            ],
        )
        message = self.fee.message_ids[:1]
        self.assertIn("Water leak dispute settled", message.body)
        self.assertIn("2.00", message.body)

    def test_billing_user_cannot_waive(self):
        fee = self.fee.with_user(self.billing_user)
        self.assertEqual(fee.amount_accrued, 5.00)
        with self.assertRaises(AccessError):
            fee._waive(2.00, "Goodwill")
        with self.assertRaises(AccessError):
            self._waive(fee, 2.00, "Goodwill")
        self.assertFalse(self.fee.waiver_ids)
        self.assertEqual(self.fee.amount_unbilled, 5.00)

    def test_waive_more_than_left(self):
        with self.assertRaisesRegex(UserError, "waive at most"):
            self._waive(self.fee, 5.01, "Too much")
        with self.assertRaisesRegex(UserError, "above 0"):
            self._waive(self.fee, 0.0, "Nothing")
        self.assertFalse(self.fee.waiver_ids)

    def test_waive_all(self):
        self._waive(self.fee, 5.00, "First offence")
        self.assertEqual(self.fee.amount_unbilled, 0.00)
        with freeze_time("2026-04-10 02:00:00"):
            amounts = self.bill._get_property_late_fees_to_date()
        self.assertEqual(amounts, {})


@tagged("post_install", "-at_install")
class TestLateFeePortal(LateFeeCommon, HttpCase):
    """The owner portal shows the late fee accrued to date on an overdue bill.

    The HTTP server does not see frozen time, so the bill falls due ten days
    before today in the community's time zone.
    """

    def test_portal_shows_late_fee(self):
        today = self.policy._get_today()
        due = today - timedelta(days=10)
        run = self._create_run(
            periods.month_start(due - timedelta(days=31)),
            periods.month_end(due - timedelta(days=31)),
            due_date=due,
            unit_ids=[(6, 0, self.unit_1.ids)],
        )
        run.action_generate()
        bill = run.invoice_ids
        self.assertEqual(bill.amount_total, 1000.00)
        user = new_test_user(
            self.env,
            login="late_fee_owner_a",
            password="late_fee_owner_a",
            groups="base.group_portal",
            partner_id=self.owner_a.id,
            company_id=self.company.id,
        )
        self.authenticate(user.login, user.login)
        response = self.url_open("/my/property")
        self.assertEqual(response.status_code, 200)
        page = html.fromstring(response.content)
        row = page.xpath(f"//tr[@data-invoice-id='{bill.id}']")
        self.assertEqual(len(row), 1)
        late_fee = row[0].find_class("o_property_late_fee")
        self.assertEqual(len(late_fee), 1)
        # Ten days on 1,000.00 at 0.05 % a day.
        self.assertIn("5.00", late_fee[0].text_content())
