"""Two users billing the same community at the same moment, in two transactions.

These tests commit real data, so they run outside Odoo's per-test
transaction: each thread opens its own cursor on the test database, and
what they create is left in that database under a community code of its own.
"""

import threading
import uuid
from datetime import date

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name

UNIT_COUNT = 12
PERIOD_START = date(2026, 3, 1)
PERIOD_END = date(2026, 3, 31)


@tagged("post_install", "-at_install")
class TestConcurrentBilling(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.code = f"CC{uuid.uuid4().hex[:8].upper()}"
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cls.community_id = cls._create_community(env).id

    @classmethod
    def _create_community(cls, env):
        product = env["product.product"].create(
            {"name": f"Management Fee {cls.code}", "type": "service", "taxes_id": False}
        )
        fee_item = env["property.fee.item"].create(
            {
                "name": f"Management Fee {cls.code}",
                "code": cls.code,
                "calculation": "area",
                "rate": 2.80,
                "product_id": product.id,
            }
        )
        community = env["property.community"].create(
            {"name": f"Concurrency {cls.code}", "code": cls.code}
        )
        building = env["property.building"].create(
            {"name": "Building 1", "code": "1", "community_id": community.id}
        )
        owners = env["res.partner"].create(
            [{"name": f"Owner {cls.code} {number}"} for number in range(UNIT_COUNT)]
        )
        units = env["property.unit"].create(
            [
                {
                    "building_id": building.id,
                    "number": f"{number + 1:03d}",
                    "area": 100.00,
                    "owner_id": owner.id,
                }
                for number, owner in enumerate(owners)
            ]
        )
        env["property.unit.fee"].create(
            [
                {
                    "unit_id": unit.id,
                    "fee_item_id": fee_item.id,
                    "date_start": date(2026, 1, 1),
                }
                for unit in units
            ]
        )
        return community

    def _bill_in_thread(self, barrier, results, key):
        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})

                def generate():
                    # A retried attempt starts a new run on a fresh snapshot,
                    # as Odoo does for a user's request.
                    run = env["property.billing.run"].create(
                        {
                            "community_id": self.community_id,
                            "period_start": PERIOD_START,
                            "period_end": PERIOD_END,
                            "invoice_date": PERIOD_START,
                        }
                    )
                    if not barrier.broken:
                        try:
                            barrier.wait(timeout=30)
                        except threading.BrokenBarrierError:
                            pass
                    run.action_generate()
                    return run.id

                results[key] = retrying(generate, env)
        except Exception as error:  # noqa: BLE001  (reported by the test)
            results[key] = error

    def test_two_users_bill_same_period(self):
        barrier = threading.Barrier(2)
        results = {}
        threads = [
            threading.Thread(target=self._bill_in_thread, args=(barrier, results, key))
            for key in ("first", "second")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)

        for key in ("first", "second"):
            self.assertIsInstance(results.get(key), int, f"{key} run: {results.get(key)!r}")

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            runs = env["property.billing.run"].browse(
                [results["first"], results["second"]]
            )
            self.assertEqual(runs.mapped("state"), ["done", "done"])
            self.assertEqual(sorted(runs.mapped("invoice_count")), [0, UNIT_COUNT])
            self.assertEqual(sorted(runs.mapped("skipped_count")), [0, UNIT_COUNT])

            cr.execute(
                """
                SELECT count(*), count(DISTINCT (unit_id, fee_item_id, period_start))
                  FROM property_billing_charge
                 WHERE community_id = %s AND state = 'invoiced'
                """,
                [self.community_id],
            )
            live, distinct = cr.fetchone()
            self.assertEqual(live, UNIT_COUNT)
            self.assertEqual(distinct, UNIT_COUNT)

            invoices = env["account.move"].search(
                [("property_community_id", "=", self.community_id)]
            )
            self.assertEqual(len(invoices), UNIT_COUNT)
            self.assertAlmostEqual(sum(invoices.mapped("amount_total")), 3360.00, places=2)
