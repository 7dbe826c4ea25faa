from datetime import date

from odoo import SUPERUSER_ID
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from .common import PropertyBillingCommon


@tagged("post_install", "-at_install")
class TestRunNothingBilled(PropertyBillingCommon):
    """Runs that would bill nothing useful: too long, zero bills, no fee at all."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner_c = cls.env["res.partner"].create({"name": "Owner C"})
        # Owner A's only fee is waived: his bill would be zero.
        cls.unit_waived = cls._create_unit(cls.building_1, "101", 89.50, cls.owner_a)
        # Owner B has a waived fee and a billed one.
        cls.unit_b_waived = cls._create_unit(cls.building_1, "102", 70.00, cls.owner_b)
        cls.unit_b_billed = cls._create_unit(cls.building_2, "201", 80.00, cls.owner_b)
        cls.unit_c = cls._create_unit(cls.building_2, "202", 90.00, cls.owner_c)
        waived = cls.unit_waived | cls.unit_b_waived
        cls._apply_fee(
            waived,
            cls.fee_garbage,
            date(2026, 1, 1),
            has_rate_override=True,
            rate_override=0.0,
        )
        cls._apply_fee(
            cls.unit_b_billed | cls.unit_c, cls.fee_garbage, date(2026, 1, 1)
        )

    def test_period_over_twelve_months_rejected(self):
        with self.assertRaisesRegex(
            ValidationError,
            r"2027-01-01 to 2036-12-31 covers 120 months, more than the 12 months",
        ):
            self._create_run(date(2027, 1, 1), date(2036, 12, 31))

    def test_period_of_twelve_months_accepted(self):
        run = self._create_run(date(2027, 1, 1), date(2027, 12, 31))
        self.assertEqual(run.state, "draft")

    def test_period_limit_from_system_parameter(self):
        self.env["ir.config_parameter"].set_param(
            "property_billing.max_period_months", 24
        )
        run = self._create_run(date(2027, 1, 1), date(2028, 12, 31))
        self.assertEqual(run.period_end, date(2028, 12, 31))
        with self.assertRaisesRegex(ValidationError, "25 months, more than the 24"):
            self._create_run(date(2027, 1, 1), date(2029, 1, 31))

    def test_invalid_period_limit_parameter(self):
        params = self.env["ir.config_parameter"]
        for value in ("abc", "12.5", "0", "-1"):
            params.set_param("property_billing.max_period_months", value)
            with self.assertRaisesRegex(
                ValidationError,
                rf"property_billing.max_period_months is {value}, which is not a "
                "number of months",
            ):
                self._create_run(date(2027, 1, 1), date(2027, 1, 31))

    def test_zero_bill_not_posted(self):
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        run.action_generate()

        self.assertEqual(run.state, "done")
        self.assertEqual(run.invoice_count, 2)
        self.assertEqual(run.invoice_ids.partner_id, self.owner_b | self.owner_c)
        self.assertFalse(
            self.env["account.move"].search([("partner_id", "=", self.owner_a.id)])
        )
        self.assertEqual(run.amount_total, 20.0)
        self.assertEqual(run.billed_unit_count, 3)
        warnings = run.warning_ids
        self.assertEqual(len(warnings), 1)
        self.assertEqual(warnings.unit_id, self.unit_waived)
        self.assertEqual(warnings.fee_item_id, self.fee_garbage)
        self.assertIn(
            "comes to ¥\xa00.00 for 2026-04-01 to 2026-04-30", warnings.message
        )
        self.assertIn("Owner A", warnings.message)

    def test_zero_line_kept_on_other_bill(self):
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        run.action_generate()

        move = run.invoice_ids.filtered(lambda m: m.partner_id == self.owner_b)
        self.assertEqual(len(move.invoice_line_ids), 2)
        self.assertEqual(
            sorted(move.invoice_line_ids.mapped("price_subtotal")), [0.0, 10.0]
        )
        self.assertEqual(move.amount_total, 10.0)

    def test_zero_bill_not_billed_on_rerun(self):
        self._create_run(date(2026, 4, 1), date(2026, 4, 30)).action_generate()
        rerun = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        rerun.action_generate()

        self.assertEqual(rerun.state, "done")
        self.assertEqual(rerun.invoice_count, 0)
        self.assertEqual(rerun.skipped_count, 3)
        self.assertEqual(len(rerun.warning_ids), 1)
        self.assertEqual(rerun.warning_ids.unit_id, self.unit_waived)

    def test_zero_bill_counted_out_of_progress(self):
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        run.action_preview()
        # Owner B and owner C; owner A's zero bill is left out.
        self.assertEqual(run.partner_total, 2)
        self.assertEqual(run.charge_count, 3)

    def test_run_before_fees_explains(self):
        run = self._create_run(date(2020, 1, 1), date(2020, 1, 31))
        run.action_generate()

        self.assertEqual(run.state, "done")
        self.assertEqual(run.invoice_count, 0)
        self.assertEqual(len(run.warning_ids), 1)
        self.assertFalse(run.warning_ids.unit_id)
        self.assertIn(
            "Nothing to bill in community Sunshine Garden for 2020-01-01 to 2020-01-31",
            run.warning_ids.message,
        )

    def test_rerun_of_billed_unit_not_warned(self):
        self._create_run(date(2026, 4, 1), date(2026, 4, 30)).action_generate()
        rerun = self._create_run(
            date(2026, 4, 1), date(2026, 4, 30), unit_ids=self.unit_c.ids
        )
        rerun.action_generate()
        self.assertEqual(rerun.skipped_count, 1)
        self.assertFalse(rerun.warning_ids)

    def test_salesperson_is_user_who_bills(self):
        clerk = new_test_user(
            self.env,
            login="billing_clerk",
            groups="property_billing.property_billing_group_user",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        run.with_user(clerk).action_generate()

        self.assertEqual(run.user_id, clerk)
        self.assertEqual(run.invoice_ids.invoice_user_id, clerk)

    def test_background_run_keeps_salesperson(self):
        clerk = new_test_user(
            self.env,
            login="background_clerk",
            groups="property_billing.property_billing_group_user",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        self.env["ir.config_parameter"].set_param(
            "property_billing.background_threshold", 1
        )
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        run.with_user(clerk).action_generate()
        self.assertEqual(run.state, "running")

        # The scheduled action bills as its own user, OdooBot.
        self.env["property.billing.run"].with_user(SUPERUSER_ID)._cron_process_runs()

        self.assertEqual(run.state, "done")
        self.assertEqual(run.invoice_count, 2)
        self.assertEqual(run.invoice_ids.invoice_user_id, clerk)

    def test_superuser_run_has_no_salesperson(self):
        run = self._create_run(date(2026, 4, 1), date(2026, 4, 30))
        run.with_user(SUPERUSER_ID).action_generate()

        self.assertEqual(run.invoice_count, 2)
        self.assertFalse(run.invoice_ids.invoice_user_id)
