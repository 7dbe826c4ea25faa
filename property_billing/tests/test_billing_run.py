from datetime import date
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import RecordCapturer, new_test_user, tagged
from odoo.tools import mute_logger

from ..models import property_billing_run
from .common import PropertyBillingCommon


@tagged("post_install", "-at_install")
class TestBillingRun(PropertyBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unit_1 = cls._create_unit(cls.building_1, "101", 89.50, cls.owner_a)
        cls.unit_2 = cls._create_unit(cls.building_1, "102", 120.05, cls.owner_a)
        cls.unit_3 = cls._create_unit(cls.building_2, "201", 133.80, cls.owner_b)
        cls.units = cls.unit_1 | cls.unit_2 | cls.unit_3
        cls._apply_fee(cls.units, cls.fee_management, date(2026, 1, 1))
        cls._apply_fee(cls.units, cls.fee_garbage, date(2026, 1, 1))

    def _invoice_of(self, run, partner):
        return run.invoice_ids.filtered(lambda move: move.partner_id == partner)

    def test_generate_one_invoice_per_partner(self):
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        run.action_generate()

        self.assertEqual(run.state, "done")
        self.assertEqual(run.invoice_count, 2)
        self.assertEqual(run.billed_unit_count, 3)
        self.assertEqual(run.error_count, 0)
        self.assertEqual(run.skipped_count, 0)
        self.assertAlmostEqual(run.amount_total, 991.38, places=2)

        invoice_a = self._invoice_of(run, self.owner_a)
        invoice_b = self._invoice_of(run, self.owner_b)
        self.assertRecordValues(
            invoice_a | invoice_b,
            [
                {
                    "state": "posted",
                    "move_type": "out_invoice",
                    "amount_total": 606.74,
                    "invoice_date": date(2026, 4, 1),
                    "invoice_date_due": date(2026, 4, 16),
                    "currency_id": self.cny.id,
                    "invoice_origin": run.name,
                    "property_community_id": self.community.id,
                },
                {
                    "state": "posted",
                    "move_type": "out_invoice",
                    "amount_total": 384.64,
                    "invoice_date": date(2026, 4, 1),
                    "invoice_date_due": date(2026, 4, 16),
                    "currency_id": self.cny.id,
                    "invoice_origin": run.name,
                    "property_community_id": self.community.id,
                },
            ],
        )
        self.assertRecordValues(
            invoice_a.invoice_line_ids,
            [
                {
                    "name": "Management Fee 2026-04 1-101: "
                    "89.50 m² × 2.80/m²/month × 1 month(s)",
                    "quantity": 1.0,
                    "price_subtotal": 250.60,
                    "product_id": self.fee_management.product_id.id,
                },
                {
                    "name": "Garbage Fee 2026-04 1-101: 10.00/month × 1 month(s)",
                    "quantity": 1.0,
                    "price_subtotal": 10.00,
                    "product_id": self.fee_garbage.product_id.id,
                },
                {
                    "name": "Management Fee 2026-04 1-102: "
                    "120.05 m² × 2.80/m²/month × 1 month(s)",
                    "quantity": 1.0,
                    "price_subtotal": 336.14,
                    "product_id": self.fee_management.product_id.id,
                },
                {
                    "name": "Garbage Fee 2026-04 1-102: 10.00/month × 1 month(s)",
                    "quantity": 1.0,
                    "price_subtotal": 10.00,
                    "product_id": self.fee_garbage.product_id.id,
                },
            ],
        )
        analytic_key = str(self.community.analytic_account_id.id)
        for line in run.invoice_ids.invoice_line_ids:
            self.assertEqual(line.analytic_distribution, {analytic_key: 100})

    def test_charges_linked_to_invoice_lines(self):
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        run.action_generate()

        charges = run.charge_ids
        self.assertEqual(len(charges), 6)
        self.assertEqual(set(charges.mapped("state")), {"invoiced"})
        for charge in charges:
            self.assertEqual(charge.move_line_id.property_charge_id, charge)
            self.assertEqual(charge.move_line_id.move_id, charge.move_id)
            self.assertAlmostEqual(charge.move_line_id.price_subtotal, charge.amount, 2)
            self.assertEqual(charge.period_start, date(2026, 4, 1))
            self.assertEqual(charge.period_end, date(2026, 4, 30))

    def test_billing_partner_receives_bill(self):
        tenant = self.env["res.partner"].create({"name": "Tenant"})
        self.unit_3.billing_partner_id = tenant
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        run.action_generate()

        self.assertEqual(run.invoice_ids.partner_id, self.owner_a | tenant)
        self.assertIn(tenant, self._invoice_of(run, tenant).message_partner_ids)

    def test_preview_creates_no_invoice(self):
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        run.action_preview()

        self.assertEqual(run.state, "draft")
        self.assertEqual(len(run.charge_ids), 6)
        self.assertEqual(set(run.charge_ids.mapped("state")), {"draft"})
        self.assertAlmostEqual(run.amount_preview, 991.38, places=2)
        self.assertFalse(run.invoice_ids)

        # A second preview replaces the first instead of adding to it.
        run.action_preview()
        self.assertEqual(len(run.charge_ids), 6)

    def test_fee_starting_mid_month_prorated_by_days(self):
        unit = self._create_unit(self.building_2, "202", 89.50, self.owner_b)
        self._apply_fee(unit, self.fee_management, date(2026, 4, 16))
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30), unit_ids=unit.ids)
        run.action_generate()

        # 15 of April's 30 days: 250.60 × 15 / 30.
        self.assertEqual(len(run.charge_ids), 1)
        self.assertAlmostEqual(run.charge_ids.amount, 125.30, places=2)
        self.assertAlmostEqual(run.charge_ids.months, 0.5, places=4)
        self.assertEqual(run.charge_ids.period_start, date(2026, 4, 16))
        self.assertEqual(
            run.charge_ids.label,
            "Management Fee 2026-04-16 – 2026-04-30 2-202: "
            "89.50 m² × 2.80/m²/month × 0.5000 month(s)",
        )

    def test_fee_ending_mid_month_prorated_by_days(self):
        unit = self._create_unit(self.building_2, "203", 89.50, self.owner_b)
        self._apply_fee(unit, self.fee_management, date(2026, 1, 1), date(2026, 4, 10))
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30), unit_ids=unit.ids)
        run.action_generate()

        # 10 of 30 days: 250.60 / 3 = 83.5333...
        self.assertAlmostEqual(run.charge_ids.amount, 83.53, places=2)
        self.assertEqual(run.charge_ids.period_end, date(2026, 4, 10))

    def test_february_leap_year_proration(self):
        unit = self._create_unit(self.building_2, "204", 89.50, self.owner_b)
        self._apply_fee(unit, self.fee_management, date(2024, 2, 15))
        run = self._create_run(date(2024, 2, 1), date(2024, 2, 29), unit_ids=unit.ids)
        run.action_generate()

        # 15 of the 29 days of February 2024: 250.60 × 15 / 29 = 129.6206...
        self.assertAlmostEqual(run.charge_ids.amount, 129.62, places=2)

        unit_2026 = self._create_unit(self.building_2, "205", 89.50, self.owner_b)
        self._apply_fee(unit_2026, self.fee_management, date(2026, 2, 15))
        run_2026 = self._create_run(
            date(2026, 2, 1), date(2026, 2, 28), unit_ids=unit_2026.ids
        )
        run_2026.action_generate()

        # 14 of the 28 days of February 2026: exactly half.
        self.assertAlmostEqual(run_2026.charge_ids.amount, 125.30, places=2)

    def test_quarterly_fee_billed_in_first_month(self):
        quarterly = self._create_fee_item(
            "Elevator Fee", "LIFT", "fixed", 20.00, billing_cycle="3"
        )
        self._apply_fee(self.unit_1, quarterly, date(2026, 1, 1))

        april = self._create_run(
            date(2026, 4, 1), date(2026, 4, 30), fee_item_ids=quarterly.ids
        )
        april.action_generate()
        self.assertEqual(len(april.charge_ids), 1)
        self.assertAlmostEqual(april.charge_ids.amount, 60.00, places=2)
        self.assertEqual(april.charge_ids.period_end, date(2026, 6, 30))

        may = self._create_run(
            date(2026, 5, 1), date(2026, 5, 31), fee_item_ids=quarterly.ids
        )
        may.action_generate()
        self.assertFalse(may.charge_ids)
        self.assertFalse(may.invoice_ids)

    def test_rate_override_and_rounding(self):
        self.fee_management.rounding = "unit"
        self.unit_1.fee_ids.filtered(
            lambda fee: fee.fee_item_id == self.fee_management
        ).write({"has_rate_override": True, "rate_override": 3.15})
        run = self._create_run(
            date(2026, 4, 1),
            date(2026, 4, 30),
            unit_ids=self.unit_1.ids,
            fee_item_ids=self.fee_management.ids,
        )
        run.action_generate()

        # 89.50 × 3.15 = 281.925, rounded to the yuan: 282.
        self.assertAlmostEqual(run.charge_ids.amount, 282.00, places=2)
        self.assertAlmostEqual(run.amount_total, 282.00, places=2)

    def test_preview_in_batches_same_charges(self):
        self.unit_3.owner_id = False
        whole = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        whole.action_preview()
        expected = sorted(
            (c.unit_id.code, c.fee_item_id.code, c.amount) for c in whole.charge_ids
        )
        whole.unlink()
        with patch.object(property_billing_run, "PREVIEW_BATCH_SIZE", 1):
            batched = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
            batched.action_preview()
        self.assertEqual(
            sorted(
                (c.unit_id.code, c.fee_item_id.code, c.amount)
                for c in batched.charge_ids
            ),
            expected,
        )
        # Units 101 and 102 bill 250.60 + 10.00 and 336.14 + 10.00.
        self.assertEqual(batched.charge_count, 4)
        self.assertEqual(batched.amount_preview, 606.74)
        self.assertEqual(batched.partner_total, 1)
        # Unit 201 has no owner: one error, not one per fee.
        self.assertEqual(batched.error_count, 1)

    def test_payment_terms_set_due_date(self):
        self.community.payment_term_id = self.env.ref(
            "account.account_payment_term_30days"
        )
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        run.action_generate()
        self.assertEqual(
            set(run.invoice_ids.mapped("invoice_date_due")), {date(2026, 5, 1)}
        )

    def test_billing_user_previews_again(self):
        clerk = new_test_user(
            self.env,
            login="preview_clerk",
            groups="property_billing.property_billing_group_user",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30)).with_user(clerk)
        run.action_preview()
        self.assertEqual(run.charge_count, 6)
        # A second preview replaces the first one's charges.
        run.action_preview()
        self.assertEqual(run.charge_count, 6)
        run.action_generate()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.invoice_count, 2)


@tagged("post_install", "-at_install")
class TestBillingRunIdempotency(PropertyBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        owners = cls.env["res.partner"].create(
            [{"name": f"Owner {number}"} for number in range(5)]
        )
        cls.units = cls.env["property.unit"]
        for number, owner in enumerate(owners):
            cls.units |= cls._create_unit(
                cls.building_1, f"{number + 1}01", 100.00, owner
            )
        cls._apply_fee(cls.units, cls.fee_management, date(2026, 1, 1))
        cls._apply_fee(cls.units, cls.fee_garbage, date(2026, 1, 1))

    def test_second_run_same_period_bills_nothing(self):
        first = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        first.action_generate()
        self.assertEqual(first.invoice_count, 5)

        second = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        second.action_generate()

        self.assertEqual(second.state, "done")
        self.assertEqual(second.invoice_count, 0)
        self.assertEqual(second.skipped_count, 10)
        for invoice in first.invoice_ids:
            self.assertIn(invoice.name, second.skipped_note)
        self.assertEqual(len(self._live_charges(self.units)), 10)

    def test_rerun_after_crash_bills_the_rest(self):
        self.env["ir.config_parameter"].set_param("property_billing.chunk_size", 2)
        crashed = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        crashed._check_can_bill()
        crashed._prepare_preview()
        # Bill the first chunk of two partners only, as a run that died after
        # committing its first chunk would have.
        crashed._bill_partners(crashed._get_next_partner_ids(2))
        self.assertEqual(len(crashed.invoice_ids), 2)

        rerun = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        rerun.action_generate()

        self.assertEqual(rerun.invoice_count, 3)
        self.assertEqual(rerun.skipped_count, 4)
        self.assertEqual(len(self._live_charges(self.units)), 10)
        self.assertEqual(
            (crashed.invoice_ids | rerun.invoice_ids).partner_id,
            self.units.billing_partner_id,
        )

    def test_cancelled_invoice_releases_charges(self):
        first = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        first.action_generate()
        invoice = first.invoice_ids[0]
        invoice.button_draft()
        invoice.button_cancel()

        self.assertEqual(
            set(invoice.property_charge_ids.mapped("state")), {"cancelled"}
        )

        second = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        second.action_generate()
        self.assertEqual(second.invoice_count, 1)
        self.assertEqual(second.invoice_ids.partner_id, invoice.partner_id)
        self.assertAlmostEqual(second.amount_total, invoice.amount_total, places=2)
        self.assertEqual(second.skipped_count, 8)

    def test_cancelled_bill_rebilled_cannot_reopen(self):
        first = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        first.action_generate()
        invoice = first.invoice_ids[0]
        invoice.button_draft()
        invoice.button_cancel()
        second = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        second.action_generate()

        with self.assertRaisesRegex(UserError, second.invoice_ids.name):
            invoice.button_draft()
        self.assertEqual(invoice.state, "cancel")

        # Once the new bill is cancelled, the old one may be reopened.
        second.invoice_ids.button_draft()
        second.invoice_ids.button_cancel()
        invoice.button_draft()
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(set(invoice.property_charge_ids.mapped("state")), {"invoiced"})

    def test_deleted_invoice_releases_charges(self):
        first = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        first.action_generate()
        invoice = first.invoice_ids[0]
        charges = invoice.property_charge_ids
        invoice.button_draft()
        invoice.unlink()

        self.assertEqual(set(charges.mapped("state")), {"cancelled"})
        second = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        second.action_generate()
        self.assertEqual(second.invoice_count, 1)

    def test_database_refuses_second_live_charge(self):
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        run.action_generate()
        charge = run.charge_ids[0]
        duplicate = charge.copy({"run_id": False})
        self.assertEqual(duplicate.state, "draft")

        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    "UPDATE property_billing_charge SET state = 'invoiced' "
                    "WHERE id = %s",
                    [duplicate.id],
                )

    def test_overlapping_period_skipped(self):
        # Billing April, then a run over the whole quarter bills May and June only.
        april = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        april.action_generate()
        quarter = self._create_run(date(2026, 4, 1), date(2026, 6, 30))
        quarter.action_generate()

        self.assertEqual(quarter.skipped_count, 10)
        self.assertEqual(
            len(quarter.charge_ids.filtered(lambda c: c.state == "invoiced")), 20
        )
        self.assertEqual(
            set(quarter.charge_ids.mapped("period_start")),
            {date(2026, 5, 1), date(2026, 6, 1)},
        )


@tagged("post_install", "-at_install")
class TestBillingRunFailures(PropertyBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unit_ok = cls._create_unit(cls.building_1, "101", 100.00, cls.owner_a)
        cls.unit_no_owner = cls._create_unit(cls.building_1, "102", 100.00, False)
        cls._apply_fee(
            cls.unit_ok | cls.unit_no_owner, cls.fee_garbage, date(2026, 1, 1)
        )

    def test_unit_without_owner_recorded_rest_billed(self):
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        run.action_generate()

        self.assertEqual(run.state, "done")
        self.assertEqual(run.invoice_count, 1)
        self.assertEqual(run.invoice_ids.partner_id, self.owner_a)
        self.assertEqual(len(run.error_ids), 1)
        self.assertEqual(run.error_ids.unit_id, self.unit_no_owner)
        self.assertIn("1-102", run.error_ids.message)
        self.assertIn("no owner", run.error_ids.message)

    def test_all_units_failing_fails_run(self):
        run = self._create_run(
            date(2026, 4, 1), date(2026, 4, 30), unit_ids=self.unit_no_owner.ids
        )
        run.action_generate()
        self.assertEqual(run.state, "failed")
        self.assertEqual(run.invoice_count, 0)
        run.action_reset_to_draft()
        self.assertEqual(run.state, "draft")

    def test_invoice_error_recorded_per_unit(self):
        # A billing partner restricted to another company cannot be invoiced
        # by this one: Odoo's company check rejects the invoice.
        other_company = self.setup_other_company(name="Other Property Co")["company"]
        stranger = self.env["res.partner"].create(
            {"name": "Stranger", "company_id": other_company.id}
        )
        unit = self._create_unit(self.building_2, "201", 80.00, self.owner_b)
        self._apply_fee(unit, self.fee_garbage, date(2026, 1, 1))
        self.env.cr.execute(
            "UPDATE property_unit SET billing_partner_id = %s WHERE id = %s",
            [stranger.id, unit.id],
        )
        unit.invalidate_recordset()

        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        run.action_generate()

        self.assertEqual(run.state, "done")
        self.assertEqual(run.invoice_ids.partner_id, self.owner_a)
        errors = run.error_ids.filtered(lambda error: error.unit_id == unit)
        self.assertEqual(len(errors), 1)
        self.assertEqual(errors.partner_id, stranger)
        self.assertFalse(
            run.charge_ids.filtered(lambda charge: charge.unit_id == unit),
            "charges of a failed partner are removed from the run",
        )

    def test_period_end_before_start(self):
        with self.assertRaisesRegex(
            ValidationError, "2026-03-31.*before it starts on 2026-04-01"
        ):
            self._create_run(date(2026, 4, 1), date(2026, 3, 31))

    def test_period_not_whole_months(self):
        with self.assertRaisesRegex(ValidationError, "2026-04-01 to 2026-04-30"):
            self._create_run(date(2026, 4, 10), date(2026, 4, 30))

    def test_due_date_before_invoice_date(self):
        with self.assertRaisesRegex(ValidationError, "2026-03-01"):
            self._create_run(
                date(2026, 4, 1), date(2026, 4, 30), due_date=date(2026, 3, 1)
            )

    def test_negative_rate_rejected(self):
        with self.assertRaisesRegex(ValidationError, r"Garbage Fee.*-1\.0"):
            self.fee_garbage.rate = -1.0
        fee = self.unit_ok.fee_ids
        with self.assertRaisesRegex(ValidationError, "negative"):
            fee.write({"has_rate_override": True, "rate_override": -0.5})

    def test_fee_item_without_product_rejected(self):
        with self.assertRaisesRegex(ValidationError, "Water Fee has no product"):
            self.env["property.fee.item"].create(
                {"name": "Water Fee", "calculation": "fixed", "rate": 1.0}
            )

    def test_area_fee_on_unit_without_area_rejected(self):
        unit = self._create_unit(self.building_2, "202", 0.0, self.owner_b)
        with self.assertRaisesRegex(ValidationError, "2-202 has no building area"):
            self._apply_fee(unit, self.fee_management, date(2026, 1, 1))

    def test_area_cleared_after_assignment_recorded(self):
        unit = self._create_unit(self.building_2, "203", 50.0, self.owner_b)
        self._apply_fee(unit, self.fee_management, date(2026, 1, 1))
        unit.area = 0.0
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30), unit_ids=unit.ids)
        run.action_generate()
        self.assertEqual(run.state, "failed")
        self.assertIn("no building area", run.error_ids.message)

    def test_overlapping_fee_assignment_rejected(self):
        with self.assertRaisesRegex(ValidationError, "already applied to unit"):
            self._apply_fee(self.unit_ok, self.fee_garbage, date(2026, 3, 1))

    def test_negative_area_rejected(self):
        with self.assertRaisesRegex(ValidationError, "negative area"):
            self.unit_ok.area = -89.50

    def test_duplicate_unit_code_rejected(self):
        with self.assertRaisesRegex(
            ValidationError,
            "Unit code 1-101 already exists in community Sunshine Garden",
        ):
            self._create_unit(self.building_1, "101", 50.0, self.owner_b)
        other = self._create_unit(self.building_1, "103", 50.0, self.owner_b)
        with self.assertRaisesRegex(ValidationError, "Unit code 1-101 already exists"):
            other.number = "101"

    def test_already_billed_with_errors_is_done(self):
        first = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        first.action_generate()
        second = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        second.action_generate()

        self.assertEqual(second.state, "done")
        self.assertEqual(second.skipped_count, 1)
        self.assertEqual(second.error_count, 1)
        self.assertEqual(second.invoice_count, 0)

    def test_unit_without_owner_reported_once(self):
        self._apply_fee(self.unit_no_owner, self.fee_parking, date(2026, 1, 1))
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        run.action_preview()
        self.assertEqual(len(run.error_ids), 1)
        self.assertEqual(run.error_ids.unit_id, self.unit_no_owner)

    def test_period_and_dates_follow_start(self):
        run = self.env["property.billing.run"].create(
            {"community_id": self.community.id, "period_start": date(2026, 2, 1)}
        )
        self.assertEqual(run.period_end, date(2026, 2, 28))
        self.assertEqual(run.invoice_date, date(2026, 2, 1))
        self.assertEqual(run.due_date, date(2026, 2, 16))

    def test_run_on_other_company_community(self):
        other_company = self.setup_other_company(name="Other Property Co")["company"]
        community = (
            self.env["property.community"]
            .with_company(other_company)
            .create({"name": "Far Away", "code": "FA", "company_id": other_company.id})
        )
        with self.assertRaisesRegex(ValidationError, "Far Away.*Other Property Co"):
            self.env["property.billing.run"].create(
                {
                    "community_id": community.id,
                    "company_id": self.company.id,
                    "period_start": date(2026, 4, 1),
                    "period_end": date(2026, 4, 30),
                }
            )

    def test_run_on_company_not_selected(self):
        other_company = self.setup_other_company(name="Other Property Co")["company"]
        community = self.env["property.community"].create(
            {"name": "Far Away", "code": "FA", "company_id": other_company.id}
        )
        run = (
            self.env["property.billing.run"]
            .with_company(other_company)
            .create(
                {
                    "community_id": community.id,
                    "period_start": date(2026, 4, 1),
                    "period_end": date(2026, 4, 30),
                }
            )
        )
        with self.assertRaisesRegex(UserError, "not among your selected companies"):
            run.with_context(allowed_company_ids=[self.company.id]).action_generate()

    def test_billed_run_cannot_be_deleted(self):
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        run.action_generate()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            run.unlink()
        draft = self._create_run(date(2026, 5, 1), date(2026, 5, 31))
        draft.action_preview()
        draft.unlink()
        self.assertFalse(draft.exists())


@tagged("post_install", "-at_install")
class TestBillingRunBackground(PropertyBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        owners = cls.env["res.partner"].create(
            [{"name": f"Owner {number}"} for number in range(7)]
        )
        cls.units = cls.env["property.unit"]
        for number, owner in enumerate(owners):
            cls.units |= cls._create_unit(
                cls.building_1, f"{number + 1}01", 90.00, owner
            )
        cls._apply_fee(cls.units, cls.fee_garbage, date(2026, 1, 1))

    def test_large_run_goes_to_background(self):
        self.env["ir.config_parameter"].set_param(
            "property_billing.background_threshold", 5
        )
        self.env["ir.config_parameter"].set_param("property_billing.chunk_size", 3)
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        cron = self.env.ref("property_billing.ir_cron_property_billing_run")
        triggers = self.env["ir.cron.trigger"].sudo()
        with RecordCapturer(triggers, [("cron_id", "=", cron.id)]) as capture:
            run.action_generate()

        self.assertEqual(run.state, "running")
        self.assertEqual(run.partner_total, 7)
        self.assertEqual(run.partner_done, 0)
        self.assertFalse(run.invoice_ids)
        self.assertEqual(len(capture.records), 1)

        # Each call of the scheduled action bills one chunk of three partners.
        Run = self.env["property.billing.run"]
        Run._cron_process_runs()
        self.assertEqual(run.state, "running")
        self.assertEqual(run.partner_done, 3)
        self.assertEqual(len(run.invoice_ids), 3)
        Run._cron_process_runs()
        self.assertEqual(run.partner_done, 6)
        Run._cron_process_runs()

        self.assertEqual(run.state, "done")
        self.assertEqual(run.partner_done, 7)
        self.assertEqual(run.progress, 100.0)
        self.assertEqual(run.invoice_count, 7)
        self.assertAlmostEqual(run.amount_total, 70.00, places=2)

    def test_small_run_stays_in_foreground(self):
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        run.action_generate()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.invoice_count, 7)
