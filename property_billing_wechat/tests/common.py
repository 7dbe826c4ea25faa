import os
from datetime import date

from odoo import Command
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME

from odoo.addons.property_billing.tests.common import PropertyBillingCommon

from .wechat_pay_emulator import WeChatPayEmulator


class WeChatPayCommon(PropertyBillingCommon):
    """A CNY company billing one owner, with WeChat Pay on a local emulator.

    The emulator listens on PB_WECHAT_EMULATOR_PORT, or on a free port.
    """

    emulator_mode = "public_key"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Payment state changes post messages on the invoices, written by the
        # payer, and Odoo's mail thread requires the author's email.
        cls.owner_a.email = "owner.a@example.com"
        port = int(os.environ.get("PB_WECHAT_EMULATOR_PORT", "0"))
        cls.emulator = WeChatPayEmulator(port=port).start()
        cls.addClassCleanup(cls.emulator.stop)
        cls.emulator.verification_mode = cls.emulator_mode
        method = cls.env.ref("payment.payment_method_wechat_pay")
        cls.provider = cls.env["payment.provider"].create(
            {
                "name": "WeChat Pay",
                "code": "wechat_pay",
                "state": "enabled",
                "is_published": True,
                "company_id": cls.company.id,
                "redirect_form_view_id": cls.env.ref(
                    "property_billing_wechat.redirect_form"
                ).id,
                "payment_method_ids": [Command.set(method.ids)],
                "wechat_pay_order_prefix": "PBTEST",
                **cls.emulator.provider_values(cls.emulator_mode),
            }
        )
        method.active = True
        cls.provider.journal_id = cls.company_data["default_journal_bank"]
        cls.payment_method = method
        cls.unit = cls._create_unit(cls.building_1, "101", 88.50, cls.owner_a)
        # 88.50 m² × 2.80 + 10.00 = 257.80 a month.
        cls._apply_fee(cls.unit, cls.fee_management, date(2024, 1, 1))
        cls._apply_fee(cls.unit, cls.fee_garbage, date(2024, 1, 1))

    def setUp(self):
        super().setUp()
        self.emulator.reset()
        self.emulator.verification_mode = self.emulator_mode
        # Odoo serves the notification on the test's cursor but with its own
        # cache: write this test's pending changes first, and read the
        # request's changes afterwards.
        # Odoo's HTTP test server also requires the test's cookie once a
        # browser ran; WeChat Pay does not sign cookies.
        deliver = self.emulator.deliver

        def deliver_flushed(url, headers, body):
            self.env.flush_all()
            request_key = getattr(self, "http_request_key", None)
            if request_key:
                headers = {
                    **headers,
                    "Cookie": f"{TEST_CURSOR_COOKIE_NAME}={request_key}",
                }
            status = deliver(url, headers, body)
            self.env.invalidate_all()
            return status

        self.emulator.deliver = deliver_flushed
        self.addCleanup(vars(self.emulator).pop, "deliver")
        self.addCleanup(self.emulator.join_timers)

    def _invoice(self, amount):
        """Return a posted bill of ``amount`` for owner A, without taxes."""
        return self.init_invoice(
            "out_invoice", partner=self.owner_a, amounts=[amount], taxes=[], post=True
        )

    def _bill(self):
        run = self._create_run(date(2024, 1, 1), date(2024, 1, 31))
        run.action_generate()
        self.assertEqual(len(run.invoice_ids), 1)
        self.assertEqual(run.invoice_ids.amount_residual, 257.80)
        return run.invoice_ids

    def _create_tx(self, invoice=None, amount=None, currency=None, **values):
        invoice = invoice if invoice is not None else self._bill()
        return self.env["payment.transaction"].create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.payment_method.id,
                "amount": amount if amount is not None else invoice.amount_residual,
                "currency_id": (currency or invoice.currency_id).id,
                "partner_id": invoice.partner_id.id,
                "operation": "online_redirect",
                "invoice_ids": [Command.set(invoice.ids)],
                **values,
            }
        )

    def _create_order(self, **values):
        """Return a pending transaction whose Native order the emulator stores."""
        tx = self._create_tx(**values)
        tx._get_processing_values()
        self.assertEqual(tx.state, "pending")
        self.assertIn(tx.wechat_pay_out_trade_no, self.emulator.orders)
        return tx
