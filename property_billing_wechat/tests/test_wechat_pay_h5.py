import re
from urllib.parse import parse_qs, urlsplit

from odoo.tests import HttpCase, new_test_user, tagged

from ..tools import devices
from .common import WeChatPayCommon

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
WECHAT_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.47.2560(0x28002F35) "
    "NetType/WIFI Language/zh_CN"
)
DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36"
)


@tagged("post_install", "-at_install")
class TestWeChatPayH5(WeChatPayCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(
            cls.env,
            login="owner_a_h5",
            password="owner_a_h5",
            groups="base.group_portal",
            partner_id=cls.owner_a.id,
            company_id=cls.company.id,
        )

    def test_detect_browser(self):
        self.assertEqual(devices.detect_browser(IPHONE), "mobile")
        self.assertEqual(devices.detect_browser(WECHAT_ANDROID), "wechat")
        self.assertEqual(devices.detect_browser(DESKTOP), "desktop")
        self.assertEqual(devices.detect_browser(None), "desktop")

    def _start_payment(self, user_agent):
        """Pay the bill from the invoice portal page; return (tx, form html)."""
        invoice = self._bill()
        invoice._portal_ensure_token()
        self.authenticate("owner_a_h5", "owner_a_h5")
        self.env.flush_all()
        result = self.make_jsonrpc_request(
            f"/invoice/transaction/{invoice.id}",
            {
                "access_token": invoice.access_token,
                "provider_id": self.provider.id,
                "payment_method_id": self.payment_method.id,
                "token_id": None,
                "amount": invoice.amount_residual,
                "flow": "redirect",
                "tokenization_requested": False,
                "landing_route": invoice.get_portal_url(),
                "is_validation": False,
            },
            headers={"User-Agent": user_agent},
        )
        self.env.invalidate_all()
        tx = self.env["payment.transaction"].search(
            [("invoice_ids", "in", invoice.ids)]
        )
        self.assertEqual(len(tx), 1)
        return tx, result["redirect_form_html"]

    def test_mobile_browser_pays_h5(self):
        self.provider.wechat_pay_h5_enabled = True
        tx, form = self._start_payment(IPHONE)
        self.assertEqual(tx.wechat_pay_trade_type, "MWEB")
        order = self.emulator.orders[tx.wechat_pay_out_trade_no]
        self.assertEqual(order["kind"], "h5")
        self.assertEqual(
            order["request"]["scene_info"],
            {"payer_client_ip": "127.0.0.1", "h5_info": {"type": "Wap"}},
        )
        self.assertIn('action="https://wx.tenpay.com/cgi-bin/mmpayweb-bin"', form)
        redirect_url = re.search(r'name="redirect_url" value="([^"]+)"', form).group(1)
        redirect_url = redirect_url.replace("&amp;", "&")
        self.assertTrue(
            urlsplit(redirect_url).path.endswith("/payment/wechat_pay/return")
        )
        self.assertEqual(
            parse_qs(urlsplit(redirect_url).query)["reference"], [tx.reference]
        )

        # The owner pays in WeChat, which notifies Odoo, then comes back in a
        # browser that may have lost the session.
        self.assertEqual(self.emulator.pay(tx.wechat_pay_out_trade_no), 204)
        self.authenticate(None, None)
        response = self.url_open(redirect_url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("/payment/wechat_pay/native", response.url)
        self.assertIn("o_wechat_pay_h5", response.text)
        result = self.make_jsonrpc_request(
            "/payment/wechat_pay/status",
            {"reference": tx.reference, "access_token": tx._wechat_pay_access_token()},
        )
        self.env.invalidate_all()
        self.assertEqual(result["state"], "done")
        self.assertEqual(result["landing_route"], tx.landing_route)
        self.assertTrue(tx.is_post_processed)
        invoice = tx.invoice_ids
        self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))

    def test_mobile_without_h5_gets_qr_code(self):
        tx, form = self._start_payment(IPHONE)
        self.assertEqual(tx.wechat_pay_trade_type, "NATIVE")
        self.assertIn('action="/payment/wechat_pay/native"', form)
        response = self.url_open(
            "/payment/wechat_pay/native?"
            f"reference={tx.reference}&access_token={tx._wechat_pay_access_token()}",
            headers={"User-Agent": IPHONE},
        )
        self.assertIn("o_wechat_pay_other_screen", response.text)

    def test_desktop_and_wechat_get_qr_code(self):
        # WeChat's browser gets a QR code when JSAPI is off.
        self.provider.wechat_pay_h5_enabled = True
        self.provider.wechat_pay_jsapi_enabled = False
        for user_agent in (DESKTOP, WECHAT_ANDROID):
            with self.subTest(user_agent=user_agent):
                tx, _form = self._start_payment(user_agent)
                self.assertEqual(tx.wechat_pay_trade_type, "NATIVE")
                self.assertEqual(
                    self.emulator.orders[tx.wechat_pay_out_trade_no]["kind"], "native"
                )
                tx.invoice_ids.button_draft()
                tx.invoice_ids.button_cancel()
