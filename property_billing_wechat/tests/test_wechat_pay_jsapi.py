import base64
import html
import json
import re
from urllib.parse import parse_qs, quote, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import WeChatPayCommon
from .test_wechat_pay_h5 import DESKTOP, IPHONE, WECHAT_ANDROID
from .wechat_pay_emulator import ApiError


@tagged("post_install", "-at_install")
class TestWeChatPayJsapi(WeChatPayCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_a = new_test_user(
            cls.env,
            login="owner_a_jsapi",
            password="owner_a_jsapi",
            groups="base.group_portal",
            partner_id=cls.owner_a.id,
            company_id=cls.company.id,
        )
        cls.user_b = new_test_user(
            cls.env,
            login="owner_b_jsapi",
            password="owner_b_jsapi",
            groups="base.group_portal",
            partner_id=cls.owner_b.id,
            company_id=cls.company.id,
        )
        cls.Binding = cls.env["property.wechat.binding"]

    def _authorize(self, redirect="/my/property"):
        """Open /my/wechat/bind; return the authorize URL's query and the
        URL WeChat sends the browser back to."""
        response = self.url_open(
            f"/my/wechat/bind?redirect={quote(redirect, safe='/')}",
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        location = response.headers["Location"]
        self.assertTrue(
            location.startswith(f"{self.emulator.url}/connect/oauth2/authorize?")
        )
        self.assertTrue(location.endswith("#wechat_redirect"))
        query = parse_qs(urlsplit(location).query)
        # WeChat's authorize page: the user is the emulator's current user.
        response = self.url_open(location, allow_redirects=False)
        self.assertEqual(response.status_code, 302)
        return query, response.headers["Location"]

    def _bind(self, login):
        self.authenticate(login, login)
        _query, callback = self._authorize()
        response = self.url_open(callback, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(urlsplit(response.headers["Location"]).path, "/my/property")
        return self.emulator.openid_for(self.emulator.current_user)

    def test_bind_stores_openid_of_logged_in_owner(self):
        self.authenticate("owner_a_jsapi", "owner_a_jsapi")
        query, callback = self._authorize()
        self.assertEqual(
            {key: values[0] for key, values in query.items() if key != "state"},
            {
                "appid": self.emulator.appid,
                "redirect_uri": f"{self.base_url()}/my/wechat/oauth",
                "response_type": "code",
                "scope": "snsapi_base",
            },
        )
        self.assertRegex(query["state"][0], r"^[0-9a-f]{32}$")
        self.assertFalse(self.Binding.search([]))
        response = self.url_open(callback, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertRecordValues(
            self.Binding.search([]),
            [
                {
                    "partner_id": self.owner_a.id,
                    "appid": self.emulator.appid,
                    "openid": self.emulator.openid_for("wechat-user-1"),
                }
            ],
        )
        # The code is single-use: replaying the callback binds nothing more.
        with mute_logger("odoo.addons.property_billing_wechat.controllers.portal"):
            response = self.url_open(callback, allow_redirects=False)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(len(self.Binding.search([])), 1)
        # The portal shows the binding and its unbind button.
        page = self.url_open("/my/property").text
        self.assertIn("Unbind WeChat", page)

    def test_portal_users_cannot_touch_bindings(self):
        self._bind("owner_a_jsapi")
        binding = self.Binding.search([])
        self.assertEqual(self.owner_a.wechat_binding_ids, binding)
        for user in (self.user_a, self.user_b):
            with self.assertRaises(AccessError):
                self.Binding.with_user(user).search([])
            with self.assertRaises(AccessError):
                user.partner_id.with_user(user).read(["wechat_binding_ids"])
            with self.assertRaises(AccessError):
                binding.with_user(user).write({"openid": "oSomeoneElse"})
            with self.assertRaises(AccessError):
                self.Binding.with_user(user).create(
                    {
                        "partner_id": user.partner_id.id,
                        "appid": self.emulator.appid,
                        "openid": "oForged",
                    }
                )

    def test_state_mismatch_rejected(self):
        self.authenticate("owner_a_jsapi", "owner_a_jsapi")
        _query, callback = self._authorize()
        code = parse_qs(urlsplit(callback).query)["code"][0]
        logger = "odoo.addons.property_billing_wechat.controllers.portal"
        with self.assertLogs(logger, "WARNING") as logs:
            response = self.url_open(
                f"/my/wechat/oauth?code={code}&state=forged", allow_redirects=False
            )
        self.assertEqual(response.status_code, 403)
        self.assertIn("invalid OAuth state", logs.output[0])
        # The state was used up, so the genuine callback is refused too.
        with mute_logger(logger):
            response = self.url_open(callback, allow_redirects=False)
        self.assertEqual(response.status_code, 403)
        # Another owner's session never had this state.
        self.authenticate("owner_b_jsapi", "owner_b_jsapi")
        self._authorize()
        with mute_logger(logger):
            response = self.url_open(callback, allow_redirects=False)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.Binding.search([]))
        self.assertFalse(self.emulator.oauth_codes[code]["used"])

    def test_unbind(self):
        self._bind("owner_a_jsapi")
        page = self.url_open("/my/property").text
        csrf = re.search(
            r'action="/my/wechat/unbind".*?name="csrf_token" value="([^"]+)"',
            page,
            re.DOTALL,
        ).group(1)
        response = self.url_open(
            "/my/wechat/unbind", data={"csrf_token": csrf}, allow_redirects=False
        )
        self.assertEqual(response.status_code, 303)
        self.assertFalse(self.Binding.search([]))
        self.assertIn("Bind WeChat", self.url_open("/my/property").text)

    def _start_payment(self, user_agent):
        invoice = self._bill()
        invoice._portal_ensure_token()
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

    def test_wechat_browser_pays_jsapi(self):
        self.authenticate("owner_a_jsapi", "owner_a_jsapi")
        tx, form = self._start_payment(WECHAT_ANDROID)
        self.assertEqual(tx.wechat_pay_trade_type, "JSAPI")
        self.assertIn('action="/payment/wechat_pay/jsapi"', form)
        # Not bound yet: no order, and the page sends the owner through OAuth.
        self.assertFalse(self.emulator.orders)
        page_url = (
            "/payment/wechat_pay/jsapi?"
            f"reference={tx.reference}&access_token={tx._wechat_pay_access_token()}"
        )
        headers = {"User-Agent": WECHAT_ANDROID}
        response = self.url_open(page_url, headers=headers, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        bind_url = urlsplit(response.headers["Location"])
        self.assertEqual(bind_url.path, "/my/wechat/bind")
        _query, callback = self._authorize(
            redirect=parse_qs(bind_url.query)["redirect"][0]
        )
        response = self.url_open(callback, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        back = urlsplit(response.headers["Location"])
        self.assertEqual(unquote(f"{back.path}?{back.query}"), page_url)

        response = self.url_open(page_url, headers=headers)
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        openid = self.emulator.openid_for("wechat-user-1")
        order = self.emulator.orders[tx.wechat_pay_out_trade_no]
        self.assertEqual(order["kind"], "jsapi")
        self.assertEqual(order["request"]["payer"], {"openid": openid})
        self.assertEqual(
            order["request"]["amount"], {"total": 25780, "currency": "CNY"}
        )
        self.assertEqual(order["request"]["appid"], self.emulator.appid)
        self.assertEqual(order["request"]["mchid"], self.emulator.mchid)
        self.assertEqual(tx.state, "pending")

        match = re.search(r'data-pay-params="([^"]+)"', response.text)
        params = json.loads(html.unescape(match.group(1)))
        self.assertEqual(
            sorted(params),
            ["appId", "nonceStr", "package", "paySign", "signType", "timeStamp"],
        )
        self.assertEqual(params["appId"], self.emulator.appid)
        self.assertEqual(params["package"], f"prepay_id={tx.wechat_pay_prepay_id}")
        self.assertEqual(params["signType"], "RSA")
        message = "".join(
            f"{params[key]}\n" for key in ("appId", "timeStamp", "nonceStr", "package")
        ).encode()
        public_key = self.emulator.merchant_key.public_key()
        public_key.verify(
            base64.b64decode(params["paySign"]),
            message,
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
        with self.assertRaises(InvalidSignature):
            public_key.verify(
                base64.b64decode(params["paySign"]),
                message.replace(b"prepay_id=", b"prepay_id=x"),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        # The WeChat client refuses altered parameters and other payers.
        with self.assertRaises(ApiError):
            self.emulator.check_pay_request({**params, "nonceStr": "other"})
        with self.assertRaises(ApiError):
            self.emulator.pay_jsapi(params, user="wechat-user-2")

        self.assertEqual(self.emulator.pay_jsapi(params), 204)
        self.env.invalidate_all()
        self.assertEqual(tx.state, "done")
        result = self.make_jsonrpc_request(
            "/payment/wechat_pay/status",
            {"reference": tx.reference, "access_token": tx._wechat_pay_access_token()},
        )
        self.env.invalidate_all()
        self.assertEqual(result["state"], "done")
        self.assertTrue(tx.is_post_processed)
        self.assertEqual(tx.payment_id.amount, 257.80)
        invoice = tx.invoice_ids
        self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))

    def test_browser_picks_product(self):
        # JSAPI and H5 both on: WeChat's browser, other phones, desktops.
        self.provider.wechat_pay_h5_enabled = True
        self.authenticate("owner_a_jsapi", "owner_a_jsapi")
        for user_agent, trade_type in (
            (WECHAT_ANDROID, "JSAPI"),
            (IPHONE, "MWEB"),
            (DESKTOP, "NATIVE"),
        ):
            with self.subTest(trade_type=trade_type):
                tx, _form = self._start_payment(user_agent)
                self.assertEqual(tx.wechat_pay_trade_type, trade_type)
                tx.invoice_ids.button_draft()
                tx.invoice_ids.button_cancel()
        with self.assertRaisesRegex(ValidationError, "AppSecret"):
            self.provider.wechat_oa_app_secret = False

    def test_openid_of_another_app_refused(self):
        tx = self._create_tx()
        tx.wechat_pay_trade_type = "JSAPI"
        foreign = self.emulator.openid_for("wechat-user-1", "wx0000000000000000")
        with self.assertRaisesRegex(ValidationError, "appid and openid do not match"):
            tx._wechat_pay_create_order(openid=foreign)

    def test_jsapi_order_resent_after_lost_response(self):
        self._bind("owner_a_jsapi")
        tx, _form = self._start_payment(WECHAT_ANDROID)
        page_url = (
            "/payment/wechat_pay/jsapi?"
            f"reference={tx.reference}&access_token={tx._wechat_pay_access_token()}"
        )
        headers = {"User-Agent": WECHAT_ANDROID}
        # WeChat Pay creates the order but the response is lost.
        self.emulator.faults["order"] = "drop"
        with mute_logger("odoo.addons.property_billing_wechat.models"):
            response = self.url_open(page_url, headers=headers)
        self.env.invalidate_all()
        self.assertIn("o_wechat_pay_waiting", response.text)
        self.assertNotIn("data-pay-params", response.text)
        self.assertEqual(tx.wechat_pay_order_status, "unknown")
        first_request = json.loads(tx.wechat_pay_request_body)
        # The page's poller re-sends the same request, then reloads.
        result = self.make_jsonrpc_request(
            "/payment/wechat_pay/status",
            {"reference": tx.reference, "access_token": tx._wechat_pay_access_token()},
        )
        self.env.invalidate_all()
        self.assertEqual(result["state"], "pending")
        self.assertTrue(result["jsapi_ready"])
        self.assertEqual(tx.wechat_pay_order_status, "created")
        order = self.emulator.orders[tx.wechat_pay_out_trade_no]
        self.assertEqual(order["request"], first_request)
        response = self.url_open(page_url, headers=headers)
        self.assertIn("data-pay-params", response.text)
        self.assertEqual(
            [
                request[:3]
                for request in self.emulator.requests
                if "jsapi" in request[1]
            ],
            [
                ("POST", "/v3/pay/transactions/jsapi", 200),
                ("POST", "/v3/pay/transactions/jsapi", 200),
            ],
        )
