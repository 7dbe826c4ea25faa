from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from unittest.mock import patch
from urllib.parse import urlsplit

from freezegun import freeze_time
from lxml import html

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import BaseCase, HttpCase, new_test_user, tagged

from ..models import property_billing_run
from ..tools import amounts, packages, periods
from .common import PropertyBillingCommon


@tagged("post_install", "-at_install")
class TestPackageArithmetic(BaseCase):
    def test_twelve_months_five_percent_off(self):
        amount = packages.package_line_amount(
            Decimal("247.80"), 12, 5.0, Decimal("0.01")
        )
        self.assertEqual(amount, Decimal("2824.92"))

    def test_fixed_monthly_price(self):
        amount = packages.package_line_amount(150.0, 12, 0.0, Decimal("0.01"))
        self.assertEqual(amount, Decimal("1800.00"))

    def test_package_end(self):
        self.assertEqual(packages.package_end(date(2026, 1, 1), 12), date(2026, 12, 31))
        self.assertEqual(packages.package_end(date(2026, 11, 1), 4), date(2027, 2, 28))
        self.assertEqual(packages.package_end(date(2028, 2, 1), 1), date(2028, 2, 29))

    def test_uncovered_ranges(self):
        q1_start, q1_end = date(2026, 1, 1), date(2026, 3, 31)
        self.assertEqual(
            packages.uncovered_ranges(
                q1_start, q1_end, [(date(2026, 2, 1), date(2026, 3, 31))]
            ),
            [(date(2026, 1, 1), date(2026, 1, 31))],
        )
        self.assertEqual(
            packages.uncovered_ranges(
                q1_start, q1_end, [(date(2026, 2, 1), date(2026, 2, 28))]
            ),
            [
                (date(2026, 1, 1), date(2026, 1, 31)),
                (date(2026, 3, 1), date(2026, 3, 31)),
            ],
        )
        # Two packages end to end, given in any order, cover the whole quarter.
        self.assertEqual(
            packages.uncovered_ranges(
                q1_start,
                q1_end,
                [
                    (date(2026, 2, 1), date(2026, 12, 31)),
                    (date(2025, 11, 1), date(2026, 1, 31)),
                ],
            ),
            [],
        )
        self.assertEqual(
            packages.uncovered_ranges(q1_start, q1_end, []), [(q1_start, q1_end)]
        )

    def test_fourteen_days_of_january(self):
        # A package from 15 January to 31 March leaves 1 to 14 January of a
        # quarterly fee of 100.00 a month: 100.00 × 14/31 = 45.1612... = 45.16.
        parts = packages.uncovered_ranges(
            date(2026, 1, 1),
            date(2026, 3, 31),
            [(date(2026, 1, 15), date(2026, 3, 31))],
        )
        self.assertEqual(parts, [(date(2026, 1, 1), date(2026, 1, 14))])
        months = periods.month_fraction(*parts[0])
        self.assertEqual(months, Fraction(14, 31))
        self.assertEqual(
            amounts.charge_amount(100.0, 1.0, months, Decimal("0.01")),
            Decimal("45.16"),
        )


class PackageCommon(PropertyBillingCommon):
    """Unit 1-101 of A (88.50 m²) pays 247.80 of management and 10.00 of
    garbage fee a month; unit 1-102 of B (120 m²) pays 336.00 and 10.00.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unit_a = cls._create_unit(cls.building_1, "101", 88.50, cls.owner_a)
        cls.unit_b = cls._create_unit(cls.building_1, "102", 120.00, cls.owner_b)
        units = cls.unit_a | cls.unit_b
        cls._apply_fee(units, cls.fee_management, date(2026, 1, 1))
        cls._apply_fee(units, cls.fee_garbage, date(2026, 1, 1))
        Package = cls.env["property.package"]
        cls.package_year = Package.create(
            {
                "name": "Management fee, 12 months",
                "months": 12,
                "discount": 5.0,
                "portal_published": True,
                "line_ids": [Command.create({"fee_item_id": cls.fee_management.id})],
            }
        )
        cls.package_parking = Package.create(
            {
                "name": "Parking monthly pass",
                "months": 1,
                "line_ids": [
                    Command.create(
                        {"fee_item_id": cls.fee_parking.id, "monthly_price": 150.00}
                    )
                ],
            }
        )

    def _sell(self, package, unit, date_start):
        action = (
            self.env["property.package.sell"]
            .create(
                {
                    "unit_id": unit.id,
                    "package_id": package.id,
                    "date_start": date_start,
                }
            )
            .action_sell()
        )
        return self.env["property.package.subscription"].browse(action["res_id"])

    def _pay(self, move, amount=None, day=None):
        return (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create(
                {
                    "amount": amount if amount is not None else move.amount_residual,
                    "payment_date": day or move.invoice_date,
                }
            )
            ._create_payments()
        )


@tagged("post_install", "-at_install")
class TestPackageSale(PackageCommon):
    def test_sale_invoices_discounted_year(self):
        subscription = self._sell(self.package_year, self.unit_a, date(2026, 1, 1))
        self.assertRecordValues(
            subscription,
            [
                {
                    "state": "invoiced",
                    "partner_id": self.owner_a.id,
                    "date_start": date(2026, 1, 1),
                    "date_end": date(2026, 12, 31),
                    "amount_total": 2824.92,
                }
            ],
        )
        self.assertEqual(subscription.fee_item_ids, self.fee_management)
        move = subscription.move_id
        self.assertEqual(move.state, "posted")
        # No property bill: an unpaid package gets no late fee and no reminder.
        self.assertFalse(move.property_community_id)
        self.assertEqual(move.property_package_subscription_ids, subscription)
        self.assertEqual(
            move.invoice_line_ids.product_id, self.fee_management.product_id
        )

    @freeze_time("2026-03-02")
    def test_unpaid_package_cancelled_after_start(self):
        unpaid = self._sell(self.package_year, self.unit_a, date(2026, 3, 1))
        paid_in_part = self._sell(self.package_year, self.unit_b, date(2026, 3, 1))
        self._pay(paid_in_part.move_id, 100.00, date(2026, 2, 20))
        later = self._sell(self.package_parking, self.unit_a, date(2026, 4, 1))
        cancelled = self.env["property.package.subscription"]._cron_cancel_unpaid()
        self.assertEqual(cancelled, unpaid)
        self.assertEqual(unpaid.state, "cancelled")
        self.assertEqual(unpaid.move_id.state, "cancel")
        self.assertEqual(paid_in_part.state, "invoiced")
        self.assertEqual(later.state, "invoiced")

    def test_fixed_price_pass(self):
        subscription = self._sell(self.package_parking, self.unit_a, date(2026, 3, 1))
        self.assertEqual(subscription.amount_total, 150.00)
        self.assertEqual(subscription.date_end, date(2026, 3, 31))

    def test_paid_when_invoice_paid(self):
        subscription = self._sell(self.package_year, self.unit_a, date(2026, 1, 1))
        self._pay(subscription.move_id, 1000.00)
        self.assertEqual(subscription.state, "invoiced")
        self._pay(subscription.move_id)
        self.assertEqual(subscription.state, "paid")

    def test_overlap_rejected(self):
        self._sell(self.package_year, self.unit_a, date(2026, 1, 1))
        with self.assertRaisesRegex(UserError, "start this one on 2027-01-01"):
            self._sell(self.package_year, self.unit_a, date(2026, 6, 1))

    def test_sale_in_billed_month_rejected(self):
        run = self._create_run(date(2026, 1, 1), date(2026, 2, 28))
        run.action_preview()
        run.action_generate()
        with self.assertRaisesRegex(UserError, "billed until 2026-02-28"):
            self._sell(self.package_year, self.unit_a, date(2026, 2, 1))
        self.assertFalse(
            self.env["property.package.subscription"].search([("state", "!=", "draft")])
        )
        # Once the February bill is cancelled, February can be sold again.
        run.invoice_ids.filtered(lambda m: m.partner_id == self.owner_a).button_cancel()
        subscription = self._sell(self.package_year, self.unit_a, date(2026, 2, 1))
        self.assertEqual(subscription.state, "invoiced")

    def test_start_on_first_of_month(self):
        with self.assertRaises(ValidationError):
            self._sell(self.package_year, self.unit_a, date(2026, 1, 15))

    def test_fee_not_applied_has_no_price(self):
        package = self.package_year.copy({"name": "Parking at unit rate"})
        package.line_ids.fee_item_id = self.fee_parking
        with self.assertRaisesRegex(UserError, "is not applied to unit"):
            self._sell(package, self.unit_a, date(2026, 1, 1))

    def test_renew_same_terms(self):
        subscription = self._sell(self.package_year, self.unit_a, date(2026, 1, 1))
        self._pay(subscription.move_id)
        renewal = subscription.action_renew()
        self.assertRecordValues(
            renewal,
            [
                {
                    "package_id": self.package_year.id,
                    "unit_id": self.unit_a.id,
                    "date_start": date(2027, 1, 1),
                    "date_end": date(2027, 12, 31),
                    "state": "invoiced",
                    "amount_total": 2824.92,
                }
            ],
        )


@tagged("post_install", "-at_install")
class TestPackageBilling(PackageCommon):
    def _march_run(self):
        run = self._create_run(date(2026, 3, 1), date(2026, 3, 31))
        run.action_preview()
        return run

    def test_paid_package_bills_nothing_in_march(self):
        subscription = self._sell(self.package_year, self.unit_a, date(2026, 1, 1))
        self._pay(subscription.move_id)
        run = self._march_run()
        charges = run.charge_ids
        self.assertEqual(
            sorted((c.unit_id.code, c.fee_item_id.code, c.amount) for c in charges),
            [
                (self.unit_a.code, "GARB", 10.00),
                (self.unit_b.code, "GARB", 10.00),
                (self.unit_b.code, "MGMT", 336.00),
            ],
        )
        self.assertEqual(run.package_covered_count, 1)
        self.assertEqual(
            run.package_covered_note,
            f"{self.unit_a.code} Management Fee 2026-03-01 to 2026-03-31: covered "
            f"by package Management fee, 12 months ({subscription.name}, "
            "2026-01-01 to 2026-12-31)",
        )
        run.action_generate()
        bill_a = run.invoice_ids.filtered(lambda m: m.partner_id == self.owner_a)
        self.assertEqual(bill_a.amount_total, 10.00)

    def test_covered_charges_added_up_over_batches(self):
        subscription_a = self._sell(self.package_year, self.unit_a, date(2026, 1, 1))
        subscription_b = self._sell(self.package_year, self.unit_b, date(2026, 1, 1))
        self._pay(subscription_a.move_id)
        self._pay(subscription_b.move_id)
        # One unit fee per preview batch: each covered charge is in its own batch.
        with patch.object(property_billing_run, "PREVIEW_BATCH_SIZE", 1):
            run = self._march_run()
        self.assertEqual(run.package_covered_count, 2)
        self.assertEqual(len(run.package_covered_note.split("\n")), 2)
        self.assertEqual(
            sorted((c.unit_id.code, c.fee_item_id.code) for c in run.charge_ids),
            [(self.unit_a.code, "GARB"), (self.unit_b.code, "GARB")],
        )

    def test_unpaid_package_covers_nothing(self):
        self._sell(self.package_year, self.unit_a, date(2026, 1, 1))
        run = self._march_run()
        self.assertEqual(run.package_covered_count, 0)
        self.assertFalse(run.package_covered_note)
        mgmt_a = run.charge_ids.filtered(
            lambda c: c.unit_id == self.unit_a and c.fee_item_id == self.fee_management
        )
        self.assertEqual(mgmt_a.amount, 247.80)

    def test_cancelled_package_covers_nothing(self):
        subscription = self._sell(self.package_year, self.unit_a, date(2026, 1, 1))
        subscription.move_id.button_cancel()
        self.assertEqual(subscription.state, "cancelled")
        run = self._march_run()
        self.assertEqual(run.package_covered_count, 0)

    def test_package_ended_early_bills_again(self):
        subscription = self._sell(self.package_year, self.unit_a, date(2026, 1, 1))
        self._pay(subscription.move_id)
        subscription._end_early(date(2026, 2, 28))
        self.assertRecordValues(
            subscription,
            [
                {
                    "state": "paid",
                    "date_ended_early": date(2026, 2, 28),
                    "date_end": date(2026, 2, 28),
                }
            ],
        )
        self.assertIn("Ended early", subscription.message_ids[0].body)
        run = self._march_run()
        self.assertEqual(run.package_covered_count, 0)
        self.assertFalse(run.package_covered_note)
        mgmt_a = run.charge_ids.filtered(
            lambda c: c.unit_id == self.unit_a and c.fee_item_id == self.fee_management
        )
        self.assertEqual(mgmt_a.amount, 247.80)

    def test_end_early_rejects_bad_day(self):
        subscription = self._sell(self.package_year, self.unit_a, date(2026, 1, 1))
        with self.assertRaisesRegex(UserError, "is not paid"):
            subscription._end_early(date(2026, 2, 28))
        self._pay(subscription.move_id)
        with self.assertRaisesRegex(
            UserError, "choose a day from 2025-12-31 to 2026-12-30"
        ):
            subscription._end_early(date(2026, 12, 31))
        self.assertFalse(subscription.date_ended_early)
        self.assertEqual(subscription.date_end, date(2026, 12, 31))

    def test_package_ended_bills_again(self):
        subscription = self._sell(self.package_parking, self.unit_a, date(2026, 2, 1))
        self._pay(subscription.move_id)
        self._apply_fee(self.unit_a, self.fee_parking, date(2026, 1, 1))
        run = self._march_run()
        parking = run.charge_ids.filtered(lambda c: c.fee_item_id == self.fee_parking)
        self.assertEqual(parking.amount, 150.00)
        self.assertEqual(run.package_covered_count, 0)


@tagged("post_install", "-at_install")
class TestPackagePartialCoverage(PackageCommon):
    """A quarterly fee of 3 × 100.00 on unit 1-101, partly covered by packages."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fee_quarter = cls._create_fee_item(
            "Quarterly Service Fee", "QTR", "fixed", 100.00, billing_cycle="3"
        )
        cls._apply_fee(cls.unit_a, cls.fee_quarter, date(2026, 1, 1))
        cls.package_two = cls._create_quarter_package(2)
        cls.package_one = cls._create_quarter_package(1)

    @classmethod
    def _create_quarter_package(cls, months):
        return cls.env["property.package"].create(
            {
                "name": f"Service fee, {months} months",
                "months": months,
                "line_ids": [Command.create({"fee_item_id": cls.fee_quarter.id})],
            }
        )

    def _sell_paid(self, package, unit, date_start):
        subscription = self._sell(package, unit, date_start)
        self._pay(subscription.move_id)
        self.assertEqual(subscription.state, "paid")
        return subscription

    def _quarter_run(self, period_start, unit=None):
        run = self._create_run(
            period_start,
            periods.month_end(period_start),
            fee_item_ids=[Command.set(self.fee_quarter.ids)],
            unit_ids=[Command.set((unit or self.unit_a).ids)],
        )
        run.action_preview()
        return run

    def test_package_from_february_bills_january(self):
        subscription = self._sell_paid(self.package_two, self.unit_a, date(2026, 2, 1))
        self.assertEqual(subscription.amount_total, 200.00)
        run = self._quarter_run(date(2026, 1, 1))
        self.assertRecordValues(
            run.charge_ids,
            [
                {
                    "cycle_start": date(2026, 1, 1),
                    "period_start": date(2026, 1, 1),
                    "period_end": date(2026, 1, 31),
                    "months": 1.0,
                    "amount": 100.00,
                }
            ],
        )
        self.assertEqual(
            run.charge_ids.label,
            f"Quarterly Service Fee 2026-01 {self.unit_a.code}: 100.00/month × 1 "
            f"month(s); covered by package Service fee, 2 months ({subscription.name}) "
            "from 2026-02-01 to 2026-03-31",
        )
        self.assertEqual(run.package_covered_count, 1)
        self.assertEqual(
            run.package_covered_note,
            f"{self.unit_a.code} Quarterly Service Fee 2026-02-01 to 2026-03-31: "
            f"covered by package Service fee, 2 months ({subscription.name}, "
            "2026-02-01 to 2026-03-31)",
        )
        run.action_generate()
        self.assertEqual(run.invoice_ids.amount_total, 100.00)
        self.assertEqual(run.invoice_ids.invoice_line_ids.name, run.charge_ids.label)
        # A second January run finds January billed and bills nothing.
        again = self._quarter_run(date(2026, 1, 1))
        self.assertFalse(again.charge_ids)
        self.assertEqual(again.skipped_count, 1)

    def test_package_from_fifteenth_bills_fourteen_days(self):
        subscription = self._sell_paid(
            self.package_two.copy({"months": 3}), self.unit_a, date(2026, 1, 1)
        )
        # Packages start on a 1st; moved in the database to 15 January, it
        # checks that the run prorates by the day: 100.00 × 14/31 = 45.16.
        self.env.cr.execute(
            "UPDATE property_package_subscription SET date_start = %s WHERE id = %s",
            [date(2026, 1, 15), subscription.id],
        )
        subscription.invalidate_recordset(["date_start"])
        run = self._quarter_run(date(2026, 1, 1))
        self.assertRecordValues(
            run.charge_ids,
            [
                {
                    "period_start": date(2026, 1, 1),
                    "period_end": date(2026, 1, 14),
                    "months": 0.4516,
                    "amount": 45.16,
                }
            ],
        )
        self.assertIn("from 2026-01-15 to 2026-03-31", run.charge_ids.label)
        self.assertIn("2026-01-01 – 2026-01-14", run.charge_ids.label)

    def test_leap_february_prorated_by_its_days(self):
        # Unit 1-102 starts paying on 15 February 2028; a package covers March.
        # February 2028 has 29 days: 15 days are 100.00 × 15/29 = 51.72.
        self._apply_fee(self.unit_b, self.fee_quarter, date(2028, 2, 15))
        self._sell_paid(self.package_one, self.unit_b, date(2028, 3, 1))
        run = self._quarter_run(date(2028, 2, 1), unit=self.unit_b)
        self.assertRecordValues(
            run.charge_ids,
            [
                {
                    "cycle_start": date(2028, 1, 1),
                    "period_start": date(2028, 2, 15),
                    "period_end": date(2028, 2, 29),
                    "amount": 51.72,
                }
            ],
        )

    def test_middle_month_covered_bills_both_ends(self):
        package = self.package_one
        subscription = self._sell_paid(package, self.unit_a, date(2026, 2, 1))
        run = self._quarter_run(date(2026, 1, 1))
        self.assertEqual(
            [
                (c.period_start, c.period_end, c.amount)
                for c in run.charge_ids.sorted("period_start")
            ],
            [
                (date(2026, 1, 1), date(2026, 1, 31), 100.00),
                (date(2026, 3, 1), date(2026, 3, 31), 100.00),
            ],
        )
        self.assertEqual(run.package_covered_count, 1)
        self.assertIn(subscription.name, run.package_covered_note)
        run.action_generate()
        self.assertEqual(run.invoice_ids.amount_total, 200.00)
        self.assertEqual(len(run.invoice_ids.invoice_line_ids), 2)

    def test_packages_end_to_end_cover_quarter(self):
        first = self._sell_paid(self.package_one, self.unit_a, date(2026, 1, 1))
        second = self._sell_paid(self.package_two, self.unit_a, date(2026, 2, 1))
        run = self._quarter_run(date(2026, 1, 1))
        self.assertFalse(run.charge_ids)
        self.assertEqual(run.package_covered_count, 2)
        self.assertEqual(
            run.package_covered_note.split("\n"),
            [
                f"{self.unit_a.code} Quarterly Service Fee 2026-01-01 to 2026-01-31: "
                f"covered by package Service fee, 1 months ({first.name}, "
                "2026-01-01 to 2026-01-31)",
                f"{self.unit_a.code} Quarterly Service Fee 2026-02-01 to 2026-03-31: "
                f"covered by package Service fee, 2 months ({second.name}, "
                "2026-02-01 to 2026-03-31)",
            ],
        )

    def test_unpaid_package_bills_whole_quarter(self):
        self._sell(self.package_two, self.unit_a, date(2026, 2, 1))
        run = self._quarter_run(date(2026, 1, 1))
        self.assertRecordValues(
            run.charge_ids,
            [
                {
                    "period_start": date(2026, 1, 1),
                    "period_end": date(2026, 3, 31),
                    "amount": 300.00,
                }
            ],
        )
        self.assertEqual(run.package_covered_count, 0)


@tagged("post_install", "-at_install")
class TestPackageReminder(PackageCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.email = "billing@sunshine.example.com"
        cls.owner_a.email = "owner.a@example.com"
        cls.email = cls.env.ref("property_billing.property_notification_channel_email")
        cls.rule = cls.env["property.notification.rule"].create(
            {
                "community_id": cls.community.id,
                "stage": "package_end",
                "days": 15,
                "channel_ids": [Command.set(cls.email.ids)],
                "mail_template_id": cls.env.ref(
                    "property_billing.mail_template_property_package_end"
                ).id,
            }
        )

    def _notifications(self):
        return self.env["property.notification"].search([("stage", "=", "package_end")])

    def test_reminder_with_renew_link(self):
        subscription = self._sell(self.package_year, self.unit_a, date(2026, 1, 1))
        self._pay(subscription.move_id)
        Notification = self.env["property.notification"]
        # 16 December 2026, 10:00 in Shanghai: 15 days before the end.
        Notification._cron_send_notifications(now=datetime(2026, 12, 15, 2, 0))
        self.assertFalse(self._notifications())
        Notification._cron_send_notifications(now=datetime(2026, 12, 16, 2, 0))
        Notification._cron_send_notifications(now=datetime(2026, 12, 17, 2, 0))
        reminder = self._notifications()
        self.assertEqual(len(reminder), 1)
        self.assertRecordValues(
            reminder,
            [
                {
                    "state": "sent",
                    "key": "package_end:15",
                    "move_id": subscription.move_id.id,
                    "partner_id": self.owner_a.id,
                    "package_subscription_id": subscription.id,
                }
            ],
        )
        self.assertEqual(
            reminder.mail_id.subject,
            f"{self.company.name}: your package Management fee, 12 months for "
            f"{self.unit_a.code} ends on 12/31/2026",
        )
        self.assertIn("/my/property/packages", str(reminder.mail_id.body_html))

    def test_ended_package_not_reminded(self):
        subscription = self._sell(self.package_year, self.unit_a, date(2026, 1, 1))
        self._pay(subscription.move_id)
        subscription._end_early(date(2026, 12, 20))
        self.env["property.notification"]._cron_send_notifications(
            now=datetime(2026, 12, 16, 2, 0)
        )
        self.assertFalse(self._notifications())

    def test_renewed_package_not_reminded(self):
        subscription = self._sell(self.package_year, self.unit_a, date(2026, 1, 1))
        self._pay(subscription.move_id)
        subscription.action_renew()
        self.env["property.notification"]._cron_send_notifications(
            now=datetime(2026, 12, 16, 2, 0)
        )
        self.assertFalse(self._notifications())

    @freeze_time("2026-01-05 03:00:00")
    def test_package_payment_confirmed(self):
        self.env["property.notification.rule"].create(
            {
                "community_id": self.community.id,
                "stage": "payment",
                "channel_ids": [Command.set(self.email.ids)],
                "mail_template_id": self.env.ref(
                    "property_billing.mail_template_property_payment"
                ).id,
            }
        )
        subscription = self._sell(self.package_year, self.unit_a, date(2026, 1, 1))
        payment = self._pay(subscription.move_id)
        confirmation = self.env["property.notification"].search(
            [("move_id", "=", subscription.move_id.id)]
        )
        self.assertEqual(confirmation.key, f"payment:{payment.move_id.id}")
        self.assertEqual(confirmation.community_id, self.community)

    def test_unpaid_package_not_reminded(self):
        self._sell(self.package_year, self.unit_a, date(2026, 1, 1))
        self.env["property.notification"]._cron_send_notifications(
            now=datetime(2026, 12, 16, 2, 0)
        )
        self.assertFalse(self._notifications())


@tagged("post_install", "-at_install")
class TestPackagePortal(HttpCase, PackageCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_a = new_test_user(
            cls.env,
            login="owner_a_package",
            password="owner_a_package",
            groups="base.group_portal",
            partner_id=cls.owner_a.id,
            company_id=cls.company.id,
            tz="UTC",
        )
        cls.provider = cls.env.ref("payment.payment_provider_demo").sudo()
        cls.provider.write({"state": "test", "company_id": cls.company.id})

    def _page(self, url="/my/property/packages"):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return html.fromstring(response.content)

    def _csrf(self, page):
        return page.xpath("//input[@name='csrf_token']")[0].get("value")

    @freeze_time("2026-02-10 03:00:00")
    def test_owner_buys_and_pays_online(self):
        self.authenticate("owner_a_package", "owner_a_package")
        page = self._page()
        offers = page.xpath("//tr[hasclass('o_property_package_offer')]")
        # Only the year package prices: unit 1-101 has no parking fee.
        self.assertEqual(len(offers), 1)
        price = offers[0].xpath(".//td[hasclass('o_property_package_price')]")[0]
        self.assertIn("2,824.92", price.text_content())
        response = self.url_open(
            "/my/property/packages/buy",
            data={
                "csrf_token": self._csrf(page),
                "unit_id": self.unit_a.id,
                "package_id": self.package_year.id,
            },
        )
        subscription = self.env["property.package.subscription"].search(
            [("unit_id", "=", self.unit_a.id)]
        )
        self.assertRecordValues(
            subscription,
            [
                {
                    "state": "invoiced",
                    "date_start": date(2026, 3, 1),
                    "amount_total": 2824.92,
                }
            ],
        )
        invoice = subscription.move_id
        self.assertEqual(urlsplit(response.url).path, f"/my/invoices/{invoice.id}")

        # Pay it with the demo provider, as the invoice page's payment form does.
        processing_values = self.make_jsonrpc_request(
            f"/invoice/transaction/{invoice.id}",
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.env.ref(
                    "payment_demo.payment_method_demo"
                ).id,
                "token_id": None,
                "amount": invoice.amount_residual,
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": invoice.get_portal_url(),
                "access_token": invoice._portal_ensure_token(),
            },
        )
        self.make_jsonrpc_request(
            "/payment/demo/simulate_payment",
            {
                "reference": processing_values["reference"],
                "payment_details": "4242",
                "simulated_state": "done",
            },
        )
        transaction = self.env["payment.transaction"].search(
            [("reference", "=", processing_values["reference"])]
        )
        self.assertEqual(transaction.state, "done")
        self.assertEqual(transaction.amount, 2824.92)
        transaction._post_process()
        self.assertEqual(subscription.state, "paid")

        run = self._create_run(date(2026, 3, 1), date(2026, 3, 31))
        run.action_preview()
        self.assertEqual(run.package_covered_count, 1)
        self.assertFalse(
            run.charge_ids.filtered(
                lambda c: (
                    c.unit_id == self.unit_a and c.fee_item_id == self.fee_management
                )
            )
        )

        page = self._page()
        rows = page.xpath("//tr[hasclass('o_property_package_subscription')]")
        self.assertEqual(len(rows), 1)
        self.assertTrue(rows[0].xpath(".//form[contains(@action, '/renew')]"))
        response = self.url_open(
            f"/my/property/package/{subscription.id}/renew",
            data={"csrf_token": self._csrf(page)},
        )
        renewal = subscription._get_renewal()
        self.assertEqual(renewal.date_start, date(2027, 3, 1))
        self.assertEqual(
            urlsplit(response.url).path, f"/my/invoices/{renewal.move_id.id}"
        )

    @freeze_time("2026-01-20 03:00:00")
    def test_offer_starts_after_billed_months(self):
        run = self._create_run(date(2026, 1, 1), date(2026, 2, 28))
        run.action_preview()
        run.action_generate()
        billed = self.env["property.billing.charge"].search(
            [
                ("unit_id", "=", self.unit_a.id),
                ("fee_item_id", "=", self.fee_management.id),
                ("state", "=", "invoiced"),
            ]
        )
        self.assertEqual(max(billed.mapped("period_end")), date(2026, 2, 28))
        self.authenticate("owner_a_package", "owner_a_package")
        page = self._page()
        offers = page.xpath("//tr[hasclass('o_property_package_offer')]")
        self.assertEqual(len(offers), 1)
        start = offers[0].xpath(".//td[hasclass('o_property_package_start')]")[0]
        self.assertEqual(start.text_content().strip(), "03/01/2026")
        self.url_open(
            "/my/property/packages/buy",
            data={
                "csrf_token": self._csrf(page),
                "unit_id": self.unit_a.id,
                "package_id": self.package_year.id,
            },
        )
        subscription = self.env["property.package.subscription"].search(
            [("unit_id", "=", self.unit_a.id)]
        )
        self.assertRecordValues(
            subscription,
            [
                {
                    "state": "invoiced",
                    "date_start": date(2026, 3, 1),
                    "date_end": date(2027, 2, 28),
                    "amount_total": 2824.92,
                }
            ],
        )
        self.assertIn(
            "2026-03-01 to 2027-02-28", subscription.move_id.invoice_line_ids.name
        )

    @freeze_time("2026-02-10 03:00:00")
    def test_only_billing_partner_buys_or_renews(self):
        tenant = self.env["res.partner"].create(
            {"name": "Tenant T", "street": "1 Tenant Road", "email": "t@example.com"}
        )
        new_test_user(
            self.env,
            login="tenant_package",
            password="tenant_package",
            groups="base.group_portal",
            partner_id=tenant.id,
            company_id=self.company.id,
            tz="UTC",
        )
        self.unit_a.billing_partner_id = tenant
        Subscription = self.env["property.package.subscription"]

        # The owner of unit 1-101 is not billed for it: no offer, no sale.
        self.authenticate("owner_a_package", "owner_a_package")
        page = self._page()
        self.assertFalse(page.xpath("//tr[hasclass('o_property_package_offer')]"))
        response = self.url_open(
            "/my/property/packages/buy",
            data={
                # No offer, so no form on the packages page: take the token
                # of the advance payment form.
                "csrf_token": self._csrf(self._page("/my/property")),
                "unit_id": self.unit_a.id,
                "package_id": self.package_year.id,
            },
        )
        self.assertEqual(urlsplit(response.url).path, "/my/property/packages")
        self.assertNotIn("Tenant T", response.text)
        self.assertNotIn("1 Tenant Road", response.text)
        self.assertFalse(Subscription.search([]))

        # The tenant, who receives the unit's bills, buys it.
        self.authenticate("tenant_package", "tenant_package")
        page = self._page()
        offers = page.xpath("//tr[hasclass('o_property_package_offer')]")
        self.assertEqual(len(offers), 1)
        self.url_open(
            "/my/property/packages/buy",
            data={
                "csrf_token": self._csrf(page),
                "unit_id": self.unit_a.id,
                "package_id": self.package_year.id,
            },
        )
        subscription = Subscription.search([])
        self.assertRecordValues(
            subscription,
            [
                {
                    "partner_id": tenant.id,
                    "date_start": date(2026, 3, 1),
                    "amount_total": 2824.92,
                }
            ],
        )
        self.assertEqual(subscription.move_id.partner_id, tenant)
        self.assertFalse(subscription.move_id.invoice_user_id)
        self._pay(subscription.move_id)
        self.assertEqual(subscription.state, "paid")

        # A paid package of a unit billed to someone else is not renewed for him.
        subscription.partner_id = self.owner_a
        self.authenticate("owner_a_package", "owner_a_package")
        response = self.url_open(
            f"/my/property/package/{subscription.id}/renew",
            data={"csrf_token": self._csrf(self._page("/my/property"))},
        )
        self.assertEqual(urlsplit(response.url).path, "/my/property/packages")
        self.assertEqual(Subscription.search_count([]), 1)

    def test_staff_sale_keeps_salesperson(self):
        subscription = self._sell(self.package_year, self.unit_a, date(2026, 1, 1))
        self.assertEqual(subscription.move_id.invoice_user_id, self.env.user)

    def test_tampered_ids_rejected(self):
        self.authenticate("owner_a_package", "owner_a_package")
        csrf = self._csrf(self._page())
        for unit_id, package_id in (
            ("abc", self.package_year.id),
            (self.unit_a.id, "1.5"),
            ("", self.package_year.id),
            ("99999999999999999999", self.package_year.id),
        ):
            response = self.url_open(
                "/my/property/packages/buy",
                data={"csrf_token": csrf, "unit_id": unit_id, "package_id": package_id},
            )
            self.assertEqual(response.status_code, 200, unit_id)
            self.assertEqual(urlsplit(response.url).path, "/my/property/packages")
            error = html.fromstring(response.content).xpath(
                "//p[hasclass('o_property_package_error')]"
            )
            self.assertIn(
                "The unit or package you sent is not valid", error[0].text_content()
            )
        self.assertFalse(self.env["property.package.subscription"].search([]))

    def test_other_owner_unit_rejected(self):
        self.authenticate("owner_a_package", "owner_a_package")
        page = self._page()
        response = self.url_open(
            "/my/property/packages/buy",
            data={
                "csrf_token": self._csrf(page),
                "unit_id": self.unit_b.id,
                "package_id": self.package_year.id,
            },
        )
        self.assertEqual(urlsplit(response.url).path, "/my/property/packages")
        self.assertFalse(
            self.env["property.package.subscription"].search(
                [("unit_id", "=", self.unit_b.id)]
            )
        )

    def test_orm_owner_sees_own_subscriptions_only(self):
        own = self._sell(self.package_year, self.unit_a, date(2026, 1, 1))
        self._sell(self.package_year, self.unit_b, date(2026, 1, 1))
        Subscription = self.env["property.package.subscription"].with_user(self.user_a)
        self.assertEqual(Subscription.search([]), own)
        Package = self.env["property.package"].with_user(self.user_a)
        self.assertEqual(Package.search([]), self.package_year)

    def test_pass_not_offered_without_its_fee(self):
        self.package_parking.portal_published = True
        self.authenticate("owner_a_package", "owner_a_package")
        page = self._page()
        offers = page.xpath("//tr[hasclass('o_property_package_offer')]")
        self.assertEqual(len(offers), 1)
        self.assertIn("Management fee, 12 months", offers[0].text_content())
        response = self.url_open(
            "/my/property/packages/buy",
            data={
                "csrf_token": self._csrf(page),
                "unit_id": self.unit_a.id,
                "package_id": self.package_parking.id,
            },
        )
        self.assertEqual(urlsplit(response.url).path, "/my/property/packages")
        self.assertFalse(self.env["property.package.subscription"].search([]))
        self._apply_fee(self.unit_a, self.fee_parking, date(2026, 1, 1))
        offers = self._page().xpath("//tr[hasclass('o_property_package_offer')]")
        self.assertEqual(len(offers), 2)

    def test_unpublished_package_rejected(self):
        self.authenticate("owner_a_package", "owner_a_package")
        page = self._page()
        self._apply_fee(self.unit_a, self.fee_parking, date(2026, 1, 1))
        response = self.url_open(
            "/my/property/packages/buy",
            data={
                "csrf_token": self._csrf(page),
                "unit_id": self.unit_a.id,
                "package_id": self.package_parking.id,
            },
        )
        self.assertEqual(urlsplit(response.url).path, "/my/property/packages")
        self.assertFalse(self.env["property.package.subscription"].search([]))
