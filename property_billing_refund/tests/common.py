from datetime import date

from odoo import Command, fields
from odoo.tests import new_test_user, tagged

from odoo.addons.property_billing.tests.common import PropertyBillingCommon

YEAR_START = date(2026, 1, 1)
YEAR_END = date(2026, 12, 31)


@tagged("post_install", "-at_install")
class RefundCommon(PropertyBillingCommon):
    """A community with a default refund policy and helpers for paid bills.

    The default policy proposes unused whole months and keeps no handling
    fee. Billing users may approve up to 1,000.00, a decision is due within 5
    working days, and the window closes 30 days after the last payment.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unit_a = cls._create_unit(cls.building_1, "101", 88.50, cls.owner_a)
        cls.unit_b = cls._create_unit(cls.building_1, "102", 120.00, cls.owner_b)
        cls.fee_package = cls._create_fee_item(
            "Yearly Management Package", "PKG", "fixed", 100.00, billing_cycle="12"
        )
        cls.policy = cls.env["property.refund.policy"].create(
            {
                "community_id": cls.community.id,
                "window_days": 30,
                "proposal_method": "months",
                "handling_fee_type": "fixed",
                "handling_fee": 0.0,
                "manager_threshold": 1000.00,
                "deadline_days": 5,
            }
        )
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.billing_user = new_test_user(
            cls.env,
            login="refund_billing_user",
            groups="property_billing.property_billing_group_user",
            company_id=cls.company.id,
        )
        cls.billing_manager = new_test_user(
            cls.env,
            login="refund_billing_manager",
            groups="property_billing.property_billing_group_manager",
            company_id=cls.company.id,
        )

    @classmethod
    def _create_bill(
        cls,
        unit,
        price,
        discount=0.0,
        fee_item=None,
        period=(YEAR_START, YEAR_END),
        invoice_date=YEAR_START,
    ):
        """Post a property bill of one line for ``period``, linked to its charge.

        The line is priced ``price`` less ``discount`` percent, as a prepaid
        package sold at a discount would be.
        """
        fee_item = fee_item or cls.fee_package
        bill = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": unit.owner_id.id,
                "invoice_date": invoice_date,
                "property_community_id": cls.community.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": fee_item.product_id.id,
                            "name": f"{fee_item.name} {period[0]} – {period[1]}",
                            "quantity": 1.0,
                            "price_unit": price,
                            "discount": discount,
                            "analytic_distribution": {
                                str(cls.community.analytic_account_id.id): 100
                            },
                        }
                    )
                ],
            }
        )
        bill.action_post()
        line = bill.invoice_line_ids
        charge = cls.env["property.billing.charge"].create(
            {
                "unit_id": unit.id,
                "community_id": cls.community.id,
                "company_id": cls.company.id,
                "fee_item_id": fee_item.id,
                "partner_id": unit.owner_id.id,
                "cycle_start": period[0],
                "period_start": period[0],
                "period_end": period[1],
                "quantity": 1.0,
                "rate": price / 12,
                "months": 12,
                "amount": line.price_subtotal,
                "move_id": bill.id,
                "move_line_id": line.id,
            }
        )
        line.property_charge_id = charge
        return bill

    @classmethod
    def _pay(cls, bill, amount, payment_date=None):
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=bill.ids
        ).create(
            {
                "amount": amount,
                "payment_date": payment_date or fields.Date.today(),
                "journal_id": cls.bank_journal.id,
            }
        )._create_payments()

    @classmethod
    def _community_today(cls):
        """Return today in the community's time zone, the day windows count in."""
        return fields.Date.context_today(cls.env.user.with_context(tz=cls.community.tz))

    def _new_request(self, bill, **values):
        return self.env["property.refund.request"].create(
            {"move_id": bill.id, "reason": "ended_early", **values}
        )

    def _confirm_transfer(self, request):
        """Post the bank transfer that the accountant sends to the owner."""
        self.assertEqual(request.refund_method, "transfer")
        request.payment_id.action_post()
