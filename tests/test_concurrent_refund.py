"""Two staff members approving refunds of the same bill at the same moment.

These tests commit real data, so they run outside Odoo's per-test
transaction: each thread opens its own cursor on the test database, and what
they create is left in that database under a community code of its own.
"""

import threading
import uuid

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name


@tagged("post_install", "-at_install")
class TestConcurrentRefund(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.code = f"RF{uuid.uuid4().hex[:8].upper()}"
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cls.bill_id = cls._create_paid_bill(env).id

    @classmethod
    def _create_paid_bill(cls, env):
        product = env["product.product"].create(
            {"name": f"Package {cls.code}", "type": "service", "taxes_id": False}
        )
        env["property.fee.item"].create(
            {
                "name": f"Package {cls.code}",
                "code": cls.code,
                "calculation": "fixed",
                "rate": 100.00,
                "product_id": product.id,
            }
        )
        community = env["property.community"].create(
            {"name": f"Refunds {cls.code}", "code": cls.code}
        )
        env["property.refund.policy"].create(
            {"community_id": community.id, "manager_threshold": 10000.00}
        )
        owner = env["res.partner"].create({"name": f"Owner {cls.code}"})
        bill = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": owner.id,
                "invoice_date": fields.Date.today(),
                "property_community_id": community.id,
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": product.id, "quantity": 1, "price_unit": 1200.00}
                    )
                ],
            }
        )
        bill.action_post()
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=bill.ids
        ).create({"amount": bill.amount_total})._create_payments()
        return bill

    def _submit_in_thread(self, barrier, results, attempts, key, request_id):
        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})

                def submit():
                    attempts[key] += 1
                    request = env["property.refund.request"].browse(request_id)
                    # Both threads read the bill before either submits, so a
                    # check that does not lock would let both through.
                    request.amount_refundable  # noqa: B018
                    if attempts[key] == 1:
                        try:
                            barrier.wait(timeout=30)
                        except threading.BrokenBarrierError:
                            pass
                    request.action_submit()
                    return request.state

                results[key] = retrying(submit, env)
        except Exception as error:  # noqa: BLE001  (reported by the test)
            results[key] = error

    def _create_requests(self, amounts):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            requests = env["property.refund.request"].create(
                [{"move_id": self.bill_id, "amount": amount} for amount in amounts]
            )
            return requests.ids

    def test_two_submissions_never_exceed_paid(self):
        # A submitted request reserves its amount, so the race is between
        # two submissions of the same bill.
        request_ids = self._create_requests([700.00, 700.00])
        barrier = threading.Barrier(2)
        results = {}
        attempts = {"first": 0, "second": 0}
        threads = [
            threading.Thread(
                target=self._submit_in_thread,
                args=(barrier, results, attempts, key, request_id),
            )
            for key, request_id in zip(("first", "second"), request_ids, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)

        outcomes = sorted(
            results.values(), key=lambda value: isinstance(value, Exception)
        )
        self.assertEqual(outcomes[0], "submitted", results)
        self.assertIsInstance(outcomes[1], UserError, results)
        self.assertIn("at most 500.00 can still be refunded", str(outcomes[1]))
        # The later submission failed on the locked bill and was retried on a
        # fresh snapshot, which is what refused it.
        self.assertEqual(sorted(attempts.values()), [1, 2])

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            requests = env["property.refund.request"].browse(request_ids)
            self.assertEqual(
                sorted(requests.mapped("state")), ["draft", "submitted"]
            )
            self.assertEqual(
                requests.filtered(lambda r: r.state == "submitted").amount, 700.00
            )
            credit_notes = env["account.move"].search(
                [("property_refund_bill_id", "=", self.bill_id), ("state", "=", "posted")]
            )
            self.assertFalse(credit_notes)
