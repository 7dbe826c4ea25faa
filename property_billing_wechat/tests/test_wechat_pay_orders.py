import json
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..tools import errors
from .common import WeChatPayCommon
from .wechat_pay_emulator import _new_key, _public_pem

PROVIDER_LOGGER = "odoo.addons.property_billing_wechat.models.payment_provider"
TRANSACTION_LOGGER = "odoo.addons.property_billing_wechat.models.payment_transaction"


@tagged("post_install", "-at_install")
class TestWeChatPayOrders(WeChatPayCommon):
    def test_provider_defaults(self):
        provider = self.env.ref(
            "property_billing_wechat.payment_provider_wechat_pay"
        ).sudo()
        self.assertRecordValues(
            provider,
            [{"code": "wechat_pay", "state": "disabled", "support_refund": "partial"}],
        )
        self.assertEqual(provider.payment_method_ids, self.payment_method)
        self.assertEqual(self.provider.available_currency_ids.mapped("name"), ["CNY"])

    def test_credentials_restricted_to_system(self):
        for name in (
            "wechat_pay_mchid",
            "wechat_pay_private_key",
            "wechat_pay_apiv3_key",
            "wechat_pay_merchant_serial",
            "wechat_pay_public_key",
        ):
            self.assertEqual(self.provider._fields[name].groups, "base.group_system")
        manager = self.env["res.users"].create(
            {
                "name": "Accountant",
                "login": "wechat_accountant",
                "groups_id": [
                    (6, 0, self.env.ref("account.group_account_manager").ids)
                ],
            }
        )
        with self.assertRaises(AccessError):
            self.provider.with_user(manager).read(["wechat_pay_apiv3_key"])

    def test_neutralize_clears_credentials(self):
        for query in get_neutralization_queries(["payment", "property_billing_wechat"]):
            self.env.cr.execute(query)
        self.provider.invalidate_recordset()
        self.assertRecordValues(
            self.provider,
            [
                {
                    "state": "disabled",
                    "wechat_pay_private_key": False,
                    "wechat_pay_apiv3_key": False,
                    "wechat_pay_mchid": False,
                }
            ],
        )

    def test_credentials_validated(self):
        cases = [
            ({"wechat_pay_apiv3_key": "short"}, "exactly 32 characters"),
            (
                {"wechat_pay_private_key": "-----BEGIN PRIVATE KEY-----x"},
                "not a valid unencrypted PEM",
            ),
            ({"wechat_pay_public_key_id": False}, "both the WeChat Pay public key"),
            ({"wechat_pay_public_key_id": "KEY1"}, "must start with PUB_KEY_ID_"),
            ({"wechat_pay_order_prefix": "PB/1"}, "1 to 8 letters"),
            ({"wechat_pay_order_lifetime": 121}, "between 5 and 120"),
            ({"state": "test"}, "no test environment"),
        ]
        for values, message in cases:
            with (
                self.subTest(values=values),
                self.assertRaisesRegex(ValidationError, message),
            ):
                with self.env.cr.savepoint():
                    self.provider.write(values)
            self.provider.invalidate_recordset()

    def test_native_order_created(self):
        tx = self._create_tx()
        values = tx._get_processing_values()
        self.assertIn(
            'action="/payment/wechat_pay/native"', values["redirect_form_html"]
        )
        self.assertNotIn(self.emulator.apiv3_key, json.dumps(values))
        order = self.emulator.orders[tx.wechat_pay_out_trade_no]["request"]
        self.assertEqual(order["amount"], {"total": 25780, "currency": "CNY"})
        self.assertEqual(order["mchid"], self.emulator.mchid)
        self.assertEqual(order["appid"], self.emulator.appid)
        self.assertTrue(order["time_expire"].endswith("+08:00"))
        self.assertTrue(
            order["notify_url"].endswith(
                f"/payment/wechat_pay/notify/{self.provider.id}"
            )
        )
        self.assertRegex(tx.wechat_pay_out_trade_no, r"^PBTEST[0-9a-f]{24}$")
        self.assertRecordValues(
            tx, [{"state": "pending", "wechat_pay_order_status": "created"}]
        )
        self.assertTrue(
            tx.wechat_pay_code_url.startswith("weixin://wxpay/bizpayurl?pr=")
        )
        expire = tx.wechat_pay_expire_at - fields.Datetime.now()
        self.assertTrue(timedelta(minutes=29) < expire <= timedelta(minutes=30))

    def test_amount_263_90_in_fen(self):
        invoice = self._bill()
        tx = self._create_order(invoice=invoice, amount=100.0)
        self.assertEqual(
            self.emulator.orders[tx.wechat_pay_out_trade_no]["request"]["amount"][
                "total"
            ],
            10000,
        )
        invoice_2 = self._invoice(263.90)
        tx_2 = self._create_order(invoice=invoice_2)
        self.assertEqual(
            self.emulator.orders[tx_2.wechat_pay_out_trade_no]["request"]["amount"],
            {"total": 26390, "currency": "CNY"},
        )

    def test_non_cny_rejected_before_request(self):
        usd = self.env.ref("base.USD")
        usd.active = True
        tx = self._create_tx(currency=usd)
        with self.assertRaisesRegex(UserError, "WeChat Pay collects CNY only"):
            tx._get_processing_values()
        self.assertEqual(self.emulator.requests, [])

    def test_amount_above_residual_rejected(self):
        tx = self._create_tx(amount=300.0)
        with self.assertRaisesRegex(UserError, "more than the 257.8"):
            tx._get_processing_values()
        self.assertEqual(self.emulator.orders, {})

    @mute_logger(PROVIDER_LOGGER, TRANSACTION_LOGGER)
    def test_timeout_keeps_order_and_resends(self):
        self.emulator.faults["order"] = "drop"
        tx = self._create_tx()
        tx._get_processing_values()
        # WeChat Pay stores the order, but Odoo never got the response.
        self.assertIn(tx.wechat_pay_out_trade_no, self.emulator.orders)
        self.assertRecordValues(
            tx,
            [
                {
                    "state": "pending",
                    "wechat_pay_order_status": "unknown",
                    "wechat_pay_code_url": False,
                }
            ],
        )
        body = tx.wechat_pay_request_body
        self.assertEqual(tx._wechat_pay_check_status(), "pending")
        self.assertRecordValues(
            tx,
            [{"wechat_pay_order_status": "created", "wechat_pay_request_body": body}],
        )
        self.assertTrue(tx.wechat_pay_code_url)
        self.assertEqual(len(self.emulator.orders), 1)
        creations = [r for r in self.emulator.requests if r[1].endswith("/native")]
        self.assertEqual([r[2] for r in creations], [200, 200])

    @mute_logger(PROVIDER_LOGGER, TRANSACTION_LOGGER)
    def test_real_timeout_on_order(self):
        # The emulator responds after 11 s; Odoo gives up after 10 s.
        self.emulator.faults["order"] = 11
        tx = self._create_tx()
        tx._get_processing_values()
        self.assertRecordValues(
            tx, [{"state": "pending", "wechat_pay_order_status": "unknown"}]
        )

    @mute_logger(PROVIDER_LOGGER)
    def test_response_signature_verified(self):
        # Trust another WeChat Pay public key: verifying the emulator's
        # responses must fail.
        self.provider.wechat_pay_public_key = _public_pem(_new_key())
        tx = self._create_tx()
        with self.assertRaisesRegex(ValidationError, "signature mismatch"):
            tx._get_processing_values()

    def test_certificate_mode_order(self):
        self.provider.write(self.emulator.provider_values("certificate"))
        self.emulator.verification_mode = "certificate"
        tx = self._create_order()
        self.assertTrue(tx.wechat_pay_code_url)

    def test_every_request_has_timeout(self):
        tx = self._create_tx()
        with patch(
            "requests.request", side_effect=errors.WeChatPayNetworkError
        ) as mock:
            with self.assertRaises(errors.WeChatPayNetworkError):
                tx.provider_id._wechat_pay_make_request("GET", "/v3/x")
        self.assertEqual(mock.call_args.kwargs["timeout"], 10.0)

    def _age(self, tx, delta):
        # The ORM ignores writes to create_date.
        self.env.cr.execute(
            "UPDATE payment_transaction SET create_date = %s WHERE id = %s",
            [fields.Datetime.now() - delta, tx.id],
        )
        tx.invalidate_recordset(["create_date"])

    def test_lost_notification_found_by_query(self):
        tx = self._create_order()
        self.emulator.pay(tx.wechat_pay_out_trade_no, notify=False)
        self._age(tx, timedelta(minutes=2))
        self.env["payment.transaction"]._cron_wechat_pay_reconcile()
        self.assertEqual(tx.state, "done")
        self.assertEqual(
            tx.provider_reference,
            self.emulator.orders[tx.wechat_pay_out_trade_no]["transaction_id"],
        )

    def test_expired_order_closed(self):
        tx = self._create_order()
        self._age(tx, timedelta(hours=1))
        tx.wechat_pay_expire_at = fields.Datetime.now() - timedelta(minutes=5)
        self.env["payment.transaction"]._cron_wechat_pay_reconcile()
        self.assertRecordValues(
            tx, [{"state": "cancel", "wechat_pay_order_status": "closed"}]
        )
        self.assertEqual(
            self.emulator.orders[tx.wechat_pay_out_trade_no]["trade_state"], "CLOSED"
        )
        with self.assertRaisesRegex(Exception, "CLOSED"):
            self.emulator.pay(tx.wechat_pay_out_trade_no)

    def test_paid_while_closing(self):
        # The owner pays just before the job closes the order: the close is
        # refused (ORDERPAID), so the transaction is recorded as paid.
        tx = self._create_order()
        self.emulator.pay(tx.wechat_pay_out_trade_no, notify=False)
        tx._wechat_pay_close_order()
        self.assertEqual(tx.state, "done")
        self.assertFalse(tx.wechat_pay_needs_review)
