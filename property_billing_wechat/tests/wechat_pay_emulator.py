"""A local emulator of WeChat Pay API v3 for a direct merchant, on 127.0.0.1.

It checks what WeChat Pay checks and responds as WeChat Pay responds, so that the
provider is tested against real signatures, amounts and formats:

- every request's Authorization header (WECHATPAY2-SHA256-RSA2048): merchant id,
  certificate serial, timestamp within 5 minutes, RSA signature over the
  method, path with query, timestamp, nonce and exact body;
- order fields: appid and mchid, out_trade_no (6-32 characters of the allowed
  set), integer fen amount of at least 1, CNY, RFC 3339 time_expire with an
  offset, notify_url without query, a re-sent out_trade_no with other values;
- responses signed with its own WeChat Pay public key (public key mode) or
  platform certificate (certificate mode);
- notifications encrypted with AES-256-GCM under the API v3 key and signed,
  with faults on request: tampered body, stale timestamp, wrong key, probe;
- JSAPI: the payer's openid must have been issued for the order's appid, and
  the WeChat client checks the paySign of getBrandWCPayRequest with the
  merchant's public key before it pays;
- the Official Account of the appid (api.weixin.qq.com and
  open.weixin.qq.com): snsapi_base OAuth with single-use codes, the AppSecret,
  access tokens from /cgi-bin/stable_token that expire or are revoked (errcode
  40001/42001), and template messages checked for token, follower openid,
  template id and field formats.

It keeps orders and refunds in memory. It needs only the standard library and
`cryptography`, so the demo can run it on its own:
``python3 property_billing_wechat/tests/wechat_pay_emulator.py --port 18161``.
"""

import argparse
import base64
import datetime
import gzip
import hashlib
import html
import json
import re
import secrets
import string
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

CHINA_TZ = datetime.timezone(datetime.timedelta(hours=8))
OUT_TRADE_NO = re.compile(r"^[A-Za-z0-9_\-|*]{6,32}$")
OUT_REFUND_NO = re.compile(r"^[A-Za-z0-9_\-|*@]{1,64}$")
RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$"
)
AUTH = re.compile(r"^WECHATPAY2-SHA256-RSA2048 (.+)$")
ORDER_FIELDS = {
    "appid",
    "mchid",
    "description",
    "out_trade_no",
    "time_expire",
    "attach",
    "notify_url",
    "goods_tag",
    "support_fapiao",
    "amount",
    "payer",
    "detail",
    "scene_info",
    "settle_info",
}
TRADE_TYPES = {"native": "NATIVE", "jsapi": "JSAPI", "h5": "MWEB"}
MAX_SKEW = 300
# Official Account: access tokens live 2 hours, OAuth codes 5 minutes.
TOKEN_LIFETIME = 7200
OAUTH_CODE_LIFETIME = 300
OAUTH_STATE = re.compile(r"^[A-Za-z0-9]{0,128}$")
# Template message value formats, by the field's type (the key without its
# number): thing1, character_string2, amount3, time4, phrase5.
TEMPLATE_VALUE_RULES = {
    "thing": re.compile(r"^.{1,20}$", re.DOTALL),
    "character_string": re.compile(r"^[A-Za-z0-9_\-/.:]{1,32}$"),
    "amount": re.compile(r"^[¥￥]?\d{1,10}(\.\d{1,2})?元?$"),
    "time": re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$"),
    "phrase": re.compile(r"^.{1,5}$"),
}
# The templates the emulated Official Account has in use: id -> field keys.
DEFAULT_TEMPLATES = {
    "TPL_BILL_DUE": ("thing1", "character_string2", "amount3", "time4"),
    "TPL_PAYMENT": ("thing1", "character_string2", "amount3"),
}
REFUND_WINDOW = datetime.timedelta(days=365)
MAX_REFUNDS = 50


class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _now_text(moment=None):
    moment = moment or datetime.datetime.now(CHINA_TZ)
    return moment.astimezone(CHINA_TZ).isoformat(timespec="seconds")


def _new_key():
    return rsa.generate_private_key(65537, 2048, default_backend())


def _private_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _public_pem(key):
    return (
        key.public_key()
        .public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode()
    )


def _sign(key, message):
    return base64.b64encode(
        key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    ).decode()


def _self_signed_certificate(key, serial):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA")])
    now = datetime.datetime.utcnow()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=5 * 365))
        .sign(key, hashes.SHA256(), default_backend())
    )


class WeChatPayEmulator:
    """In-memory WeChat Pay API v3 merchant account served over HTTP."""

    def __init__(self, host="127.0.0.1", port=0, mchid="1900000109"):
        self.host = host
        self.port = port
        self.mchid = mchid
        self.appid = "wx" + secrets.token_hex(8)
        self.apiv3_key = "".join(
            secrets.choice(string.ascii_letters + string.digits) for _i in range(32)
        )
        # Merchant side: the key and certificate serial the merchant signs with.
        self.merchant_key = _new_key()
        self.merchant_serial = secrets.token_hex(20).upper()
        # WeChat Pay side: a public key (new merchants) and a platform
        # certificate (older merchants), each with its own key pair.
        self.public_key_key = _new_key()
        self.public_key_id = "PUB_KEY_ID_" + "".join(
            secrets.choice(string.digits) for _i in range(32)
        )
        self.platform_key = _new_key()
        self.platform_certificate = _self_signed_certificate(
            self.platform_key, secrets.randbits(120) | 1
        )
        self.platform_serial = format(self.platform_certificate.serial_number, "X")
        # How WeChat Pay signs its responses for this merchant: "public_key",
        # "certificate" or "both" (during a migration).
        self.verification_mode = "public_key"
        # Official Account of the appid: its AppSecret and the WeChat user who
        # uses the phone (the payer, the one who authorizes OAuth).
        self.app_secret = secrets.token_hex(16)
        self.current_user = "wechat-user-1"
        # The demo makes every user who authorizes follow the Official
        # Account, so that bound owners receive template messages.
        self.follow_on_authorize = False
        self._openid_salt = secrets.token_bytes(16)
        self.reset()
        # self.faults maps "order", "refund" or "bill_hash" to a fault of the
        # next such request. "drop" handles the request, then closes the
        # connection without a response. A number of seconds delays the
        # response. For "bill_hash", any true value sends a wrong SHA1.
        self._lock = threading.RLock()
        self._server = None
        self._thread = None

    # ------------------------------------------------------------------
    # Life cycle and configuration
    # ------------------------------------------------------------------

    def reset(self):
        """Forget every order, refund, request and pending fault."""
        self.bills = {}  # download token -> bill bytes, gzipped or not
        self.timers = []  # pending notifications of pay_later
        self.orders = {}
        self.refunds = {}
        self.requests = []  # (method, path, status, error code or "")
        self.notifications = []  # (url, status) of each delivery
        self.faults = {}
        # Official Account state.
        self.openids = {}  # openid -> (appid, user)
        self.followers = set()  # openids that follow the Official Account
        self.oauth_codes = {}  # code -> {appid, user, created, used}
        self.access_tokens = {}  # token -> expiry (time.time())
        self.token_requests = 0  # calls of /cgi-bin/stable_token
        self.templates = {key: set(value) for key, value in DEFAULT_TEMPLATES.items()}
        self.template_requests = []  # (touser, template_id, errcode)
        self.template_messages = []  # accepted messages

    def start(self):
        emulator = self

        class Handler(_Handler):
            pass

        Handler.emulator = emulator
        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="wechat-pay-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def provider_values(self, mode="public_key"):
        """Return the credentials of this account as `payment.provider` values.

        :param str mode: "public_key", "certificate" or "both" (a merchant
            migrating from certificates to the public key)
        """
        values = {
            "wechat_pay_mchid": self.mchid,
            "wechat_pay_appid": self.appid,
            "wechat_pay_merchant_serial": self.merchant_serial,
            "wechat_pay_private_key": _private_pem(self.merchant_key),
            "wechat_pay_apiv3_key": self.apiv3_key,
            "wechat_pay_api_url": self.url,
            "wechat_pay_public_key_id": False,
            "wechat_pay_public_key": False,
            "wechat_pay_platform_certificates": False,
            "wechat_pay_jsapi_enabled": True,
            "wechat_oa_app_secret": self.app_secret,
            "wechat_oa_api_url": self.url,
            "wechat_oa_oauth_url": self.url,
        }
        if mode in ("public_key", "both"):
            values["wechat_pay_public_key_id"] = self.public_key_id
            values["wechat_pay_public_key"] = _public_pem(self.public_key_key)
        if mode in ("certificate", "both"):
            values["wechat_pay_platform_certificates"] = (
                self.platform_certificate.public_bytes(
                    serialization.Encoding.PEM
                ).decode()
            )
        return values

    def _signer(self, mode):
        if mode == "certificate":
            return self.platform_key, self.platform_serial
        return self.public_key_key, self.public_key_id

    # ------------------------------------------------------------------
    # Request checks
    # ------------------------------------------------------------------

    def check_authorization(self, method, path, header, body):
        match = AUTH.match(header or "")
        if not match:
            raise ApiError(401, "SIGN_ERROR", "missing or malformed Authorization")
        fields = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
        for name in ("mchid", "nonce_str", "signature", "timestamp", "serial_no"):
            if not fields.get(name):
                raise ApiError(401, "SIGN_ERROR", f"Authorization lacks {name}")
        if fields["mchid"] != self.mchid:
            raise ApiError(401, "SIGN_ERROR", "mchid of Authorization is unknown")
        if fields["serial_no"] != self.merchant_serial:
            raise ApiError(401, "SIGN_ERROR", "serial_no is not the merchant's")
        if not fields["timestamp"].isdigit():
            raise ApiError(401, "SIGN_ERROR", "timestamp is not in seconds")
        if abs(time.time() - int(fields["timestamp"])) > MAX_SKEW:
            raise ApiError(401, "SIGN_ERROR", "timestamp is more than 5 minutes off")
        message = (
            f"{method}\n{path}\n{fields['timestamp']}\n{fields['nonce_str']}\n".encode()
            + body
            + b"\n"
        )
        try:
            self.merchant_key.public_key().verify(
                base64.b64decode(fields["signature"]),
                message,
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError) as error:
            raise ApiError(
                401, "SIGN_ERROR", "signature verification failed"
            ) from error

    def _check_notify_url(self, url, name="notify_url"):
        if not isinstance(url, str) or not 8 <= len(url) <= 256:
            raise ApiError(400, "PARAM_ERROR", f"{name} length is invalid")
        parsed = urllib.parse.urlsplit(url)
        local = parsed.hostname in ("127.0.0.1", "localhost")
        if parsed.scheme != "https" and not (parsed.scheme == "http" and local):
            raise ApiError(400, "PARAM_ERROR", f"{name} must be https")
        if parsed.query or parsed.fragment:
            raise ApiError(400, "PARAM_ERROR", f"{name} must not carry a query")

    @staticmethod
    def _check_amount(amount, key):
        if not isinstance(amount, dict):
            raise ApiError(400, "PARAM_ERROR", "amount is missing")
        value = amount.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ApiError(400, "PARAM_ERROR", f"amount.{key} must be integer fen")
        if value < 1:
            raise ApiError(400, "PARAM_ERROR", f"amount.{key} must be at least 1")
        if amount.get("currency", "CNY") != "CNY":
            raise ApiError(400, "PARAM_ERROR", "amount.currency must be CNY")
        return value

    # ------------------------------------------------------------------
    # API operations
    # ------------------------------------------------------------------

    def check_order_request(self, kind, data):
        """Raise ApiError on an order request WeChat Pay would reject.

        :return: the time_expire as an aware date-time, or None
        """
        unknown = set(data) - ORDER_FIELDS
        if unknown:
            raise ApiError(400, "PARAM_ERROR", f"unexpected fields {sorted(unknown)}")
        if data.get("appid") != self.appid:
            raise ApiError(400, "APPID_MCHID_NOT_MATCH", "appid is not bound to mchid")
        if data.get("mchid") != self.mchid:
            raise ApiError(400, "MCH_NOT_EXISTS", "mchid is unknown")
        description = data.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 127:
            raise ApiError(400, "PARAM_ERROR", "description must have 1-127 characters")
        out_trade_no = data.get("out_trade_no")
        if not isinstance(out_trade_no, str) or not OUT_TRADE_NO.match(out_trade_no):
            raise ApiError(400, "PARAM_ERROR", "out_trade_no is invalid")
        self._check_notify_url(data.get("notify_url"))
        self._check_amount(data.get("amount"), "total")
        if len(data.get("attach", "")) > 128:
            raise ApiError(400, "PARAM_ERROR", "attach is longer than 128")
        expire = None
        if "time_expire" in data:
            if not RFC3339.match(str(data["time_expire"])):
                raise ApiError(400, "PARAM_ERROR", "time_expire is not RFC 3339")
            expire = datetime.datetime.fromisoformat(
                data["time_expire"].replace("Z", "+00:00")
            )
            if expire <= datetime.datetime.now(datetime.timezone.utc):
                raise ApiError(400, "PARAM_ERROR", "time_expire is in the past")
        if kind == "jsapi":
            openid = (data.get("payer") or {}).get("openid")
            if not openid:
                raise ApiError(400, "PARAM_ERROR", "payer.openid is required for JSAPI")
            if self.openids.get(openid, (None,))[0] != data["appid"]:
                raise ApiError(400, "PARAM_ERROR", "appid and openid do not match")
        elif "payer" in data:
            raise ApiError(400, "PARAM_ERROR", "payer is for JSAPI orders only")
        if kind == "h5":
            scene = data.get("scene_info") or {}
            if not scene.get("payer_client_ip") or not (scene.get("h5_info") or {}).get(
                "type"
            ):
                raise ApiError(400, "PARAM_ERROR", "scene_info is required for H5")
        return expire

    def create_order(self, kind, data):
        expire = self.check_order_request(kind, data)
        out_trade_no = data["out_trade_no"]
        with self._lock:
            order = self.orders.get(out_trade_no)
            if order:
                if order["trade_state"] in ("SUCCESS", "REFUND"):
                    raise ApiError(400, "ORDERPAID", "order already paid")
                if order["trade_state"] == "CLOSED":
                    raise ApiError(400, "ORDER_CLOSED", "order is closed")
                if order["request"] != data:
                    raise ApiError(
                        400,
                        "INVALID_REQUEST",
                        "parameters differ from the first request",
                    )
            else:
                order = {
                    "request": data,
                    "kind": kind,
                    "trade_state": "NOTPAY",
                    "expire": expire,
                    "transaction_id": None,
                    "success_time": None,
                    "refund_count": 0,
                }
                self.orders[out_trade_no] = order
            order["token"] = secrets.token_urlsafe(9)
            order["payer_openid"] = (data.get("payer") or {}).get(
                "openid"
            ) or self.openid_for("scanner-" + out_trade_no)
        if kind == "native":
            return {"code_url": f"weixin://wxpay/bizpayurl?pr={order['token']}"}
        if kind == "jsapi":
            return {"prepay_id": f"wx{order['token']}"}
        return {
            "h5_url": f"https://wx.tenpay.com/cgi-bin/mmpayweb-bin?pr={order['token']}"
        }

    def transaction_data(self, out_trade_no):
        order = self.orders[out_trade_no]
        request = order["request"]
        data = {
            "appid": request["appid"],
            "mchid": request["mchid"],
            "out_trade_no": out_trade_no,
            "trade_type": TRADE_TYPES[order["kind"]],
            "trade_state": order["trade_state"],
            "trade_state_desc": order["trade_state"],
            "attach": request.get("attach", ""),
            "amount": {
                "total": request["amount"]["total"],
                "currency": request["amount"].get("currency", "CNY"),
            },
        }
        if order["transaction_id"]:
            data.update(
                transaction_id=order["transaction_id"],
                bank_type="OTHERS",
                success_time=_now_text(order["success_time"]),
                payer={"openid": order["payer_openid"]},
            )
            data["amount"].update(
                payer_total=request["amount"]["total"], payer_currency="CNY"
            )
        return data

    def query_order(self, out_trade_no, query):
        if query.get("mchid") != [self.mchid]:
            raise ApiError(400, "PARAM_ERROR", "mchid query parameter is wrong")
        with self._lock:
            if out_trade_no not in self.orders:
                raise ApiError(404, "ORDER_NOT_EXIST", "order does not exist")
            return self.transaction_data(out_trade_no)

    def close_order(self, out_trade_no, data):
        if data.get("mchid") != self.mchid:
            raise ApiError(400, "PARAM_ERROR", "mchid is wrong")
        with self._lock:
            order = self.orders.get(out_trade_no)
            if not order:
                raise ApiError(404, "ORDER_NOT_EXIST", "order does not exist")
            if order["trade_state"] in ("SUCCESS", "REFUND"):
                raise ApiError(400, "ORDERPAID", "order already paid")
            order["trade_state"] = "CLOSED"

    def create_refund(self, data):
        out_refund_no = data.get("out_refund_no")
        if not isinstance(out_refund_no, str) or not OUT_REFUND_NO.match(out_refund_no):
            raise ApiError(400, "PARAM_ERROR", "out_refund_no is invalid")
        if ("transaction_id" in data) == ("out_trade_no" in data):
            raise ApiError(
                400, "PARAM_ERROR", "give exactly one of transaction_id, out_trade_no"
            )
        if "notify_url" in data:
            self._check_notify_url(data["notify_url"])
        if len(data.get("reason", "")) > 80:
            raise ApiError(400, "PARAM_ERROR", "reason is longer than 80")
        refund_fen = self._check_amount(data.get("amount"), "refund")
        total = self._check_amount(data.get("amount"), "total")
        with self._lock:
            out_trade_no = data.get("out_trade_no") or next(
                (
                    number
                    for number, order in self.orders.items()
                    if order["transaction_id"] == data["transaction_id"]
                ),
                None,
            )
            order = self.orders.get(out_trade_no)
            if not order:
                raise ApiError(404, "RESOURCE_NOT_EXISTS", "order does not exist")
            existing = self.refunds.get(out_refund_no)
            if existing:
                if existing["request"] != data:
                    raise ApiError(
                        400, "INVALID_REQUEST", "out_refund_no reused with other values"
                    )
                return self.refund_data(out_refund_no)
            if order["trade_state"] not in ("SUCCESS", "REFUND"):
                raise ApiError(400, "INVALID_REQUEST", "order is not paid")
            if total != order["request"]["amount"]["total"]:
                raise ApiError(
                    400, "PARAM_ERROR", "amount.total is not the order total"
                )
            if order["success_time"] + REFUND_WINDOW < datetime.datetime.now(CHINA_TZ):
                raise ApiError(400, "INVALID_REQUEST", "order was paid over a year ago")
            if order["refund_count"] >= MAX_REFUNDS:
                raise ApiError(400, "INVALID_REQUEST", "order has 50 refunds already")
            refunded = sum(
                refund["request"]["amount"]["refund"]
                for refund in self.refunds.values()
                if refund["out_trade_no"] == out_trade_no
                and refund["status"] != "CLOSED"
            )
            if refunded + refund_fen > total:
                raise ApiError(400, "NOT_ENOUGH", "refund exceeds the amount left")
            order["refund_count"] += 1
            order["trade_state"] = "REFUND"
            self.refunds[out_refund_no] = {
                "request": data,
                "out_trade_no": out_trade_no,
                "refund_id": "50" + secrets.token_hex(14),
                "status": "PROCESSING",
                "create_time": datetime.datetime.now(CHINA_TZ),
                "success_time": None,
            }
            return self.refund_data(out_refund_no)

    def refund_data(self, out_refund_no):
        refund = self.refunds[out_refund_no]
        order = self.orders[refund["out_trade_no"]]
        amount = refund["request"]["amount"]
        data = {
            "refund_id": refund["refund_id"],
            "out_refund_no": out_refund_no,
            "transaction_id": order["transaction_id"],
            "out_trade_no": refund["out_trade_no"],
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": _now_text(refund["create_time"]),
            "status": refund["status"],
            "amount": {
                "total": amount["total"],
                "refund": amount["refund"],
                "payer_total": amount["total"],
                "payer_refund": amount["refund"],
                "currency": "CNY",
            },
        }
        if refund["success_time"]:
            data["success_time"] = _now_text(refund["success_time"])
        return data

    def query_refund(self, out_refund_no):
        with self._lock:
            if out_refund_no not in self.refunds:
                raise ApiError(404, "RESOURCE_NOT_EXISTS", "refund does not exist")
            return self.refund_data(out_refund_no)

    # ------------------------------------------------------------------
    # Official Account: OAuth, access tokens, template messages
    # ------------------------------------------------------------------

    def openid_for(self, user, appid=None):
        """Return the openid of a WeChat user for an appid, as WeChat derives it.

        The same user has a different openid under each appid.
        """
        appid = appid or self.appid
        digest = hashlib.sha256(self._openid_salt + f"{appid}:{user}".encode()).digest()
        openid = "o" + base64.urlsafe_b64encode(digest).decode()[:27]
        self.openids[openid] = (appid, user)
        return openid

    def authorize(self, query, user=None):
        """Play a WeChat user who opens the snsapi_base authorize URL.

        :param dict query: the parsed query of /connect/oauth2/authorize
        :return: the URL WeChat sends the browser to, with code and state
        :raise ApiError: on what WeChat shows as an error page
        """
        value = {key: (values or [""])[0] for key, values in query.items()}
        if value.get("appid") != self.appid:
            raise ApiError(400, "40013", "invalid appid")
        if value.get("response_type") != "code":
            raise ApiError(400, "40002", "response_type must be code")
        if value.get("scope") not in ("snsapi_base", "snsapi_userinfo"):
            raise ApiError(400, "10005", "scope is not authorized")
        if not OAUTH_STATE.match(value.get("state", "")):
            raise ApiError(400, "40002", "state must be at most 128 letters or digits")
        redirect_uri = urllib.parse.urlsplit(value.get("redirect_uri", ""))
        if redirect_uri.scheme not in (
            "http",
            "https",
        ) or redirect_uri.hostname not in (
            "127.0.0.1",
            "localhost",
        ):
            # The web authorization domain configured for the Official Account.
            raise ApiError(400, "10003", "redirect_uri domain is not configured")
        code = secrets.token_hex(16)
        self.oauth_codes[code] = {
            "appid": self.appid,
            "user": user or self.current_user,
            "created": time.time(),
            "used": False,
        }
        separator = "&" if redirect_uri.query else "?"
        return (
            value["redirect_uri"]
            + separator
            + urllib.parse.urlencode({"code": code, "state": value.get("state", "")})
        )

    def oauth_access_token(self, query):
        """Exchange an OAuth code for the user's openid (/sns/oauth2/access_token)."""
        value = {key: (values or [""])[0] for key, values in query.items()}
        if value.get("appid") != self.appid:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if value.get("secret") != self.app_secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        if value.get("grant_type") != "authorization_code":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        with self._lock:
            code = self.oauth_codes.get(value.get("code", ""))
            if not code or time.time() - code["created"] > OAUTH_CODE_LIFETIME:
                return {"errcode": 40029, "errmsg": "invalid code"}
            if code["used"]:
                return {"errcode": 40163, "errmsg": "code been used"}
            code["used"] = True
        openid = self.openid_for(code["user"], code["appid"])
        if self.follow_on_authorize:
            self.followers.add(openid)
        return {
            "access_token": secrets.token_hex(32),
            "expires_in": TOKEN_LIFETIME,
            "refresh_token": secrets.token_hex(32),
            "openid": openid,
            "scope": "snsapi_base",
        }

    def stable_token(self, data):
        """Return the account's access token (/cgi-bin/stable_token).

        In normal mode a token still valid is returned again with its
        remaining lifetime; a new one is made when it expired or was revoked.
        """
        self.token_requests += 1
        if data.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if data.get("appid") != self.appid:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if data.get("secret") != self.app_secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        now = time.time()
        with self._lock:
            valid = {t: e for t, e in self.access_tokens.items() if e > now}
            if valid and not data.get("force_refresh"):
                token, expiry = max(valid.items(), key=lambda item: item[1])
            else:
                self.access_tokens.clear()
                token, expiry = secrets.token_urlsafe(96), now + TOKEN_LIFETIME
                self.access_tokens[token] = expiry
        return {"access_token": token, "expires_in": int(expiry - now)}

    def revoke_access_tokens(self):
        """Invalidate every token, as a refresh elsewhere does (errcode 40001)."""
        with self._lock:
            self.access_tokens.clear()

    def expire_access_tokens(self):
        """Make every token expired (errcode 42001) without forgetting it."""
        with self._lock:
            for token in self.access_tokens:
                self.access_tokens[token] = time.time() - 1

    def _check_access_token(self, query):
        token = (query.get("access_token") or [""])[0]
        if not token:
            return {"errcode": 41001, "errmsg": "access_token missing"}
        expiry = self.access_tokens.get(token)
        if expiry is None:
            return {
                "errcode": 40001,
                "errmsg": "invalid credential, access_token is invalid or not latest",
            }
        if expiry <= time.time():
            return {"errcode": 42001, "errmsg": "access_token expired"}
        return None

    def send_template(self, query, data):
        """Check and store a template message (/cgi-bin/message/template/send)."""
        result = self._send_template(query, data)
        self.template_requests.append(
            (data.get("touser"), data.get("template_id"), result["errcode"])
        )
        return result

    def _send_template(self, query, data):
        error = self._check_access_token(query)
        if error:
            return error
        touser = data.get("touser")
        if self.openids.get(touser, (None,))[0] != self.appid:
            return {"errcode": 40003, "errmsg": "invalid openid"}
        if touser not in self.followers:
            return {"errcode": 43004, "errmsg": "require subscribe"}
        keys = self.templates.get(data.get("template_id"))
        if keys is None:
            return {"errcode": 40037, "errmsg": "invalid template_id"}
        values = data.get("data")
        if not isinstance(values, dict) or set(values) != keys:
            return {
                "errcode": 47003,
                "errmsg": "argument invalid! data keys differ from the template's",
            }
        for key, value in values.items():
            text = value.get("value") if isinstance(value, dict) else None
            rule = TEMPLATE_VALUE_RULES.get(key.rstrip(string.digits))
            if not isinstance(text, str) or (rule and not rule.match(text)):
                return {
                    "errcode": 47003,
                    "errmsg": f"argument invalid! data.{key}.value invalid",
                }
        url = data.get("url")
        if url is not None and urllib.parse.urlsplit(url).scheme not in (
            "http",
            "https",
        ):
            return {"errcode": 40062, "errmsg": "invalid url"}
        fault = self.faults.pop("template", None)
        if fault:
            return {"errcode": fault, "errmsg": "fault requested by the test"}
        with self._lock:
            for message in self.template_messages:
                # WeChat drops a repeated client_msg_id to one user for 10 minutes.
                if (
                    data.get("client_msg_id")
                    and message["client_msg_id"] == data["client_msg_id"]
                    and message["touser"] == touser
                    and time.time() - message["time"] < 600
                ):
                    return {"errcode": 0, "errmsg": "ok", "msgid": message["msgid"]}
            msgid = int(time.time() * 1000) + len(self.template_messages)
            self.template_messages.append(
                {
                    **data,
                    "client_msg_id": data.get("client_msg_id"),
                    "msgid": msgid,
                    "time": time.time(),
                }
            )
        return {"errcode": 0, "errmsg": "ok", "msgid": msgid}

    def handle_official_account(self, method, raw_path, body):
        """Return (status, data) for api.weixin.qq.com; errors are errcodes."""
        parsed = urllib.parse.urlsplit(raw_path)
        query = urllib.parse.parse_qs(parsed.query)
        data = {}
        if method == "POST":
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                return 200, {"errcode": 47001, "errmsg": "data format error"}
            if not isinstance(data, dict):
                return 200, {"errcode": 47001, "errmsg": "data format error"}
        if parsed.path == "/sns/oauth2/access_token" and method == "GET":
            return 200, self.oauth_access_token(query)
        if parsed.path == "/cgi-bin/stable_token" and method == "POST":
            return 200, self.stable_token(data)
        if parsed.path == "/cgi-bin/message/template/send" and method == "POST":
            return 200, self.send_template(query, data)
        return 404, {"errcode": 404, "errmsg": f"no API at {method} {parsed.path}"}

    # ------------------------------------------------------------------
    # JSAPI: the WeChat client's getBrandWCPayRequest
    # ------------------------------------------------------------------

    def check_pay_request(self, params):
        """Check getBrandWCPayRequest parameters as the WeChat client does.

        :return: the out_trade_no of the order the parameters pay
        :raise ApiError: on a missing field, a wrong appId or a paySign that
            does not verify with the merchant's public key
        """
        expected = {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
        if set(params) != expected:
            raise ApiError(400, "PARAM_ERROR", f"fields must be {sorted(expected)}")
        if params["appId"] != self.appid:
            raise ApiError(400, "PARAM_ERROR", "appId is not the order's")
        if params["signType"] != "RSA":
            raise ApiError(400, "PARAM_ERROR", "signType must be RSA")
        if not str(params["timeStamp"]).isdigit() or len(str(params["timeStamp"])) > 10:
            raise ApiError(400, "PARAM_ERROR", "timeStamp must be seconds, as text")
        if (
            not isinstance(params["nonceStr"], str)
            or not 1 <= len(params["nonceStr"]) <= 32
        ):
            raise ApiError(400, "PARAM_ERROR", "nonceStr must have 1-32 characters")
        message = "".join(
            f"{params[key]}\n" for key in ("appId", "timeStamp", "nonceStr", "package")
        ).encode()
        try:
            self.merchant_key.public_key().verify(
                base64.b64decode(params["paySign"]),
                message,
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError, TypeError) as error:
            raise ApiError(400, "SIGN_ERROR", "paySign does not verify") from error
        prepay_id = str(params["package"]).removeprefix("prepay_id=")
        with self._lock:
            for number, order in self.orders.items():
                if order["kind"] == "jsapi" and f"wx{order['token']}" == prepay_id:
                    return number
        raise ApiError(400, "PARAM_ERROR", "prepay_id is unknown or replaced")

    def pay_jsapi(self, params, user=None, notify=True):
        """Pay from getBrandWCPayRequest as the WeChat user holding the phone."""
        out_trade_no = self.check_pay_request(params)
        openid = self.openid_for(user or self.current_user)
        if self.orders[out_trade_no]["payer_openid"] != openid:
            raise ApiError(400, "PARAM_ERROR", "the order was made for another user")
        return self.pay(out_trade_no, notify=notify)

    # ------------------------------------------------------------------
    # Payer and WeChat Pay actions: pay, finish refunds, notify
    # ------------------------------------------------------------------

    def pay(self, out_trade_no, notify=True, **notification_options):
        """Pay an order as a WeChat user who scanned its code, then notify.

        :return: the HTTP status of the notification, or None without one
        :raise ApiError: if the order is unknown, closed, paid or expired
        """
        with self._lock:
            order = self.orders.get(out_trade_no)
            if not order:
                raise ApiError(404, "ORDER_NOT_EXIST", "order does not exist")
            if order["trade_state"] != "NOTPAY":
                raise ApiError(400, "ORDER_CLOSED", f"order is {order['trade_state']}")
            if order["expire"] and order["expire"] <= datetime.datetime.now(CHINA_TZ):
                raise ApiError(400, "ORDER_CLOSED", "order has expired")
            order["trade_state"] = "SUCCESS"
            order["transaction_id"] = "42" + "".join(
                secrets.choice(string.digits) for _i in range(26)
            )
            order["success_time"] = datetime.datetime.now(CHINA_TZ)
        if not notify:
            return None
        return self.notify_payment(out_trade_no, **notification_options)

    def pay_later(self, out_trade_no):
        """Pay an order now and notify it from another thread a moment later.

        The payer's browser gets its response before the notification, as
        with WeChat Pay, whose notifications arrive after the payment.
        """
        self.pay(out_trade_no, notify=False)
        timer = threading.Timer(0.5, self.notify_payment, args=(out_trade_no,))
        timer.daemon = True
        timer.start()
        self.timers.append(timer)

    def join_timers(self):
        """Wait until the notifications sent by pay_later are delivered."""
        while self.timers:
            self.timers.pop().join()

    def finish_refund(self, out_refund_no, status="SUCCESS", notify=True, **options):
        """Settle a refund as SUCCESS, CLOSED or ABNORMAL, then notify."""
        with self._lock:
            refund = self.refunds[out_refund_no]
            refund["status"] = status
            if status == "SUCCESS":
                refund["success_time"] = datetime.datetime.now(CHINA_TZ)
        if not notify:
            return None
        order = self.orders[refund["out_trade_no"]]
        url = refund["request"].get("notify_url") or order["request"]["notify_url"]
        data = self.refund_data(out_refund_no)
        resource = {
            key: data[key]
            for key in (
                "out_trade_no",
                "transaction_id",
                "out_refund_no",
                "refund_id",
                "user_received_account",
            )
        }
        resource.update(
            mchid=self.mchid,
            refund_status=status,
            amount={
                k: data["amount"][k]
                for k in ("total", "refund", "payer_total", "payer_refund")
            },
        )
        if status == "SUCCESS":
            resource["success_time"] = data["success_time"]
        event = f"REFUND.{status}"
        headers, body = self.build_notification(event, "refund", resource, **options)
        return self.deliver(url, headers, body)

    def notify_payment(self, out_trade_no, overrides=None, **options):
        """Send the TRANSACTION.SUCCESS notification of a paid order.

        :param dict overrides: fields to replace in the decrypted resource, as
            an account or amount that does not match the order
        """
        with self._lock:
            order = self.orders[out_trade_no]
            resource = self.transaction_data(out_trade_no)
        for key, value in (overrides or {}).items():
            if isinstance(value, dict):
                resource[key] = {**resource.get(key, {}), **value}
            else:
                resource[key] = value
        headers, body = self.build_notification(
            "TRANSACTION.SUCCESS", "transaction", resource, **options
        )
        return self.deliver(order["request"]["notify_url"], headers, body)

    def build_notification(
        self,
        event_type,
        original_type,
        resource,
        mode="public_key",
        tamper=False,
        age=0,
        wrong_key=False,
        probe=False,
        apiv3_key=None,
    ):
        """Return the (headers, body bytes) of a signed, encrypted notification.

        :param str mode: "public_key" or "certificate", the key that signs
        :param bool tamper: change the body after signing it
        :param int age: seconds to move the signed timestamp into the past
        :param bool wrong_key: sign with a key WeChat Pay does not own
        :param bool probe: send a WECHATPAY/SIGNTEST/ probe signature
        :param str apiv3_key: encrypt with this key instead of the account's
        """
        nonce = secrets.token_hex(6)
        associated_data = original_type
        ciphertext = AESGCM((apiv3_key or self.apiv3_key).encode()).encrypt(
            nonce.encode(),
            json.dumps(resource, ensure_ascii=False).encode(),
            associated_data.encode(),
        )
        envelope = {
            "id": secrets.token_hex(18),
            "create_time": _now_text(),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "支付成功" if original_type == "transaction" else "退款状态变更",
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ciphertext).decode(),
                "associated_data": associated_data,
                "nonce": nonce,
            },
        }
        body = json.dumps(envelope, ensure_ascii=False).encode()
        key, serial = self._signer(mode)
        if wrong_key:
            key = _new_key()
        timestamp = str(int(time.time()) - age)
        signature_nonce = secrets.token_hex(16)
        signature = _sign(
            key, f"{timestamp}\n{signature_nonce}\n".encode() + body + b"\n"
        )
        if probe:
            signature = "WECHATPAY/SIGNTEST/" + signature
        if tamper:
            body = body.replace(b'"summary": "', b'"summary": "X', 1)
        headers = {
            "Content-Type": "application/json",
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": signature_nonce,
            "Wechatpay-Signature": signature,
            "Wechatpay-Serial": serial,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
            "Request-ID": secrets.token_hex(16),
        }
        return headers, body

    def deliver(self, url, headers, body):
        """POST a notification and return the HTTP status of the response."""
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        self.notifications.append((url, status))
        return status

    # ------------------------------------------------------------------
    # HTTP dispatch
    # ------------------------------------------------------------------

    def handle(self, method, raw_path, headers, body):
        """Return (status, response dict or None) for an API request."""
        parsed = urllib.parse.urlsplit(raw_path)
        path = parsed.path
        query = urllib.parse.parse_qs(parsed.query)
        if path.startswith("/__emulator__/pay/"):
            # The payer's side, used by the browser tour and the index page:
            # no merchant signature.
            self.pay_later(path.rsplit("/", 1)[1])
            return 200, {"result": "paid"}
        self.check_authorization(method, raw_path, headers.get("Authorization"), body)
        data = {}
        if method == "POST":
            if not headers.get("Content-Type", "").startswith("application/json"):
                raise ApiError(
                    400, "PARAM_ERROR", "Content-Type must be application/json"
                )
            try:
                data = json.loads(body)
            except ValueError as error:
                raise ApiError(400, "PARAM_ERROR", "body is not JSON") from error
            if not isinstance(data, dict):
                raise ApiError(400, "PARAM_ERROR", "body is not a JSON object")
        match = re.match(r"^/v3/pay/transactions/(native|jsapi|h5)$", path)
        if match and method == "POST":
            return 200, self.create_order(match.group(1), data)
        match = re.match(r"^/v3/pay/transactions/out-trade-no/([^/]+)(/close)?$", path)
        if match and method == "GET" and not match.group(2):
            return 200, self.query_order(match.group(1), query)
        if match and method == "POST" and match.group(2):
            self.close_order(match.group(1), data)
            return 204, None
        if path == "/v3/refund/domestic/refunds" and method == "POST":
            return 200, self.create_refund(data)
        match = re.match(r"^/v3/refund/domestic/refunds/([^/]+)$", path)
        if match and method == "GET":
            return 200, self.query_refund(match.group(1))
        if path == "/v3/bill/tradebill" and method == "GET":
            return 200, self.trade_bill(query)
        if path == "/v3/billdownload/file" and method == "GET":
            token = (query.get("token") or [""])[0]
            if token not in self.bills:
                raise ApiError(404, "NO_STATEMENT_EXIST", "download token unknown")
            return 200, self.bills[token]
        raise ApiError(404, "NOT_FOUND", f"no API at {method} {path}")

    def trade_bill(self, query):
        """Build the ALL trade bill of a day and return its download data.

        As WeChat Pay does, it refuses today and days more than 3 months ago,
        and lists amounts in yuan with a backtick before every detail field.
        """
        bill_date = (query.get("bill_date") or [""])[0]
        try:
            day = datetime.date.fromisoformat(bill_date)
        except ValueError as error:
            raise ApiError(
                400, "PARAM_ERROR", "bill_date must be YYYY-MM-DD"
            ) from error
        today = datetime.datetime.now(CHINA_TZ).date()
        if day >= today:
            raise ApiError(400, "NO_STATEMENT_EXIST", "the bill is not generated yet")
        if day < today - datetime.timedelta(days=92):
            raise ApiError(400, "PARAM_ERROR", "bills older than 3 months are gone")
        if (query.get("bill_type") or ["ALL"])[0] != "ALL":
            raise ApiError(400, "PARAM_ERROR", "the emulator serves ALL bills only")
        header = [
            "交易时间",
            "公众账号ID",
            "商户号",
            "特约商户号",
            "设备号",
            "微信订单号",
            "商户订单号",
            "用户标识",
            "交易类型",
            "交易状态",
            "付款银行",
            "货币种类",
            "应结订单金额",
            "代金券金额",
            "微信退款单号",
            "商户退款单号",
            "退款金额",
            "充值券退款金额",
            "退款类型",
            "退款状态",
            "商品名称",
            "商户数据包",
            "手续费",
            "费率",
            "订单金额",
            "申请退款金额",
            "费率备注",
        ]
        lines = [",".join(header)]
        total_paid = total_refunded = 0
        with self._lock:
            for number, order in self.orders.items():
                paid_at = order["success_time"]
                if not paid_at or paid_at.astimezone(CHINA_TZ).date() != day:
                    continue
                fen = order["request"]["amount"]["total"]
                total_paid += fen
                lines.append(self._bill_line(number, order, paid_at, "SUCCESS", fen))
            for refund_no, refund in self.refunds.items():
                done_at = refund["success_time"]
                if not done_at or done_at.astimezone(CHINA_TZ).date() != day:
                    continue
                order = self.orders[refund["out_trade_no"]]
                fen = refund["request"]["amount"]["refund"]
                total_refunded += fen
                lines.append(
                    self._bill_line(
                        refund["out_trade_no"],
                        order,
                        done_at,
                        "REFUND",
                        0,
                        refund=(refund["refund_id"], refund_no, fen),
                    )
                )
        count = len(lines) - 1
        lines.append(
            "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,"
            "订单总金额,申请退款总金额"
        )
        lines.append(
            f"`{count},`{total_paid / 100:.2f},`{total_refunded / 100:.2f},"
            f"`0.00,`0.00,`{total_paid / 100:.2f},`{total_refunded / 100:.2f}"
        )
        content = ("\r\n".join(lines) + "\r\n").encode()
        digest = hashlib.sha1(content).hexdigest()
        if self.faults.pop("bill_hash", None):
            digest = hashlib.sha1(b"another file").hexdigest()
        token = secrets.token_urlsafe(12)
        gzipped = (query.get("tar_type") or [""])[0] == "GZIP"
        self.bills[token] = gzip.compress(content) if gzipped else content
        return {
            "hash_type": "SHA1",
            "hash_value": digest,
            "download_url": f"{self.url}/v3/billdownload/file?token={token}",
        }

    def _bill_line(self, number, order, moment, state, fen, refund=None):
        request = order["request"]
        refund_id, refund_no, refund_fen = refund or ("", "", 0)
        values = [
            moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S"),
            request["appid"],
            request["mchid"],
            "0",
            "",
            order["transaction_id"],
            number,
            "oUser",
            TRADE_TYPES[order["kind"]],
            state,
            "OTHERS",
            "CNY",
            f"{fen / 100:.2f}",
            "0.00",
            refund_id,
            refund_no,
            f"{refund_fen / 100:.2f}",
            "0.00",
            "ORIGINAL" if refund else "",
            "SUCCESS" if refund else "",
            request["description"].replace(",", " "),
            request.get("attach", "").replace(",", " "),
            "0.00",
            "0.60%",
            f"{request['amount']['total'] / 100:.2f}",
            f"{refund_fen / 100:.2f}",
            "",
        ]
        return ",".join(f"`{value}" for value in values)


class _Handler(BaseHTTPRequestHandler):
    emulator = None
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass

    def _dispatch(self, method):
        emulator = self.emulator
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith(("/sns/", "/cgi-bin/")):
            # The Official Account's API returns unsigned JSON with errcodes.
            status, data = emulator.handle_official_account(method, self.path, body)
            self._send_json(status, data)
            return
        fault = None
        if method == "POST" and re.match(
            r"^/v3/pay/transactions/(native|jsapi|h5)$", self.path
        ):
            fault = emulator.faults.pop("order", None)
        elif method == "POST" and self.path == "/v3/refund/domestic/refunds":
            fault = emulator.faults.pop("refund", None)
        try:
            status, data = emulator.handle(method, self.path, self.headers, body)
            code = ""
        except ApiError as error:
            status, code = error.status, error.code
            data = {"code": error.code, "message": error.message}
        emulator.requests.append((method, self.path, status, code))
        if fault == "drop":
            # WeChat Pay created the order but the response never arrives.
            self.close_connection = True
            self.connection.close()
            return
        if isinstance(fault, int | float):
            time.sleep(fault)
        raw = isinstance(data, bytes)
        if raw:
            payload = data
        else:
            payload = (
                b"" if data is None else json.dumps(data, ensure_ascii=False).encode()
            )
        self.send_response(status)
        if raw:
            # WeChat Pay does not sign bill downloads: the SHA1 checks them.
            self.send_header("Content-Type", "application/octet-stream")
        elif self.path.startswith("/__emulator__/"):
            self.send_header("Access-Control-Allow-Origin", "*")
        else:
            # A merchant migrating to the public key gets responses signed with
            # the key its request names in Wechatpay-Serial.
            mode = emulator.verification_mode
            if mode == "both":
                requested = self.headers.get("Wechatpay-Serial")
                is_public_key = requested == emulator.public_key_id
                mode = "public_key" if is_public_key else "certificate"
            key, serial = emulator._signer(mode)
            timestamp = str(int(time.time()))
            nonce = secrets.token_hex(16)
            message = f"{timestamp}\n{nonce}\n".encode() + payload + b"\n"
            self.send_header("Wechatpay-Timestamp", timestamp)
            self.send_header("Wechatpay-Nonce", nonce)
            self.send_header("Wechatpay-Signature", _sign(key, message))
            self.send_header("Wechatpay-Serial", serial)
            self.send_header("Request-ID", secrets.token_hex(16))
        if payload and not raw:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        try:
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            # The client timed out before the delayed response.
            self.close_connection = True

    def _send_json(self, status, data):
        payload = json.dumps(data, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        if self.path == "/":
            self._send_index()
            return
        if self.path.startswith("/connect/oauth2/authorize"):
            # open.weixin.qq.com: the user authorizes, WeChat redirects back.
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            try:
                location = self.emulator.authorize(query)
            except ApiError as error:
                self._send_json(400, {"errcode": error.code, "errmsg": error.message})
                return
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._dispatch("GET")

    def do_POST(self):
        if self.path.startswith("/__emulator__/pay/") and self.path.endswith("?back=1"):
            # A Pay button of the index page: pay, then show the list again.
            self.path = self.path[: -len("?back=1")]
            try:
                self.emulator.pay_later(self.path.rsplit("/", 1)[1])
            except ApiError as error:
                # The list shows the order's state; the error goes to stderr.
                sys.stderr.write(f"pay failed: {error.message}\n")
            self.send_response(303)
            self.send_header("Location", "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._dispatch("POST")

    def _template_messages_html(self):
        """List the template messages the Official Account sent, newest first."""
        with self.emulator._lock:
            messages = list(self.emulator.template_messages)
        rows = []
        for message in reversed(messages):
            values = ", ".join(
                f"{key}: {value.get('value')}"
                for key, value in (message.get("data") or {}).items()
            )
            rows.append(
                f"<tr><td>{html.escape(message['touser'])}</td>"
                f"<td>{html.escape(message['template_id'])}</td>"
                f"<td>{html.escape(values)}</td></tr>"
            )
        return (
            "<h2>Official Account template messages</h2>"
            "<table border='1' cellpadding='4'><tr><th>openid</th>"
            "<th>Template</th><th>Data</th></tr>" + "".join(rows) + "</table>"
        )

    def _send_index(self):
        """Send a page listing the orders, with a Pay button on unpaid ones."""
        rows = []
        with self.emulator._lock:
            orders = list(self.emulator.orders.items())
        for number, order in reversed(orders):
            request = order["request"]
            amount = request["amount"]["total"] / 100
            button = ""
            if order["trade_state"] == "NOTPAY":
                action = f"/__emulator__/pay/{html.escape(number)}?back=1"
                button = (
                    f'<form method="post" action="{action}"><button>Pay</button></form>'
                )
            rows.append(
                f"<tr><td>{html.escape(number)}</td>"
                f"<td>{html.escape(request['description'])}</td>"
                f"<td>{amount:.2f} CNY</td><td>{order['trade_state']}</td>"
                f"<td>{button}</td></tr>"
            )
        page = (
            "<!DOCTYPE html><html><head><meta charset='utf-8'>"
            "<title>WeChat Pay emulator</title></head><body>"
            "<h1>WeChat Pay emulator</h1><p>Orders, newest first. Pay plays the "
            "WeChat user who scanned the QR code.</p>"
            "<table border='1' cellpadding='4'><tr><th>out_trade_no</th>"
            "<th>Description</th><th>Amount</th><th>State</th><th></th></tr>"
            + "".join(rows)
            + "</table>"
            + self._template_messages_html()
            + "</body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=18161)
    parser.add_argument(
        "--credentials",
        help="write the provider values (JSON) to this file, for the demo",
    )
    args = parser.parse_args()
    emulator = WeChatPayEmulator(port=args.port).start()
    emulator.follow_on_authorize = True
    if args.credentials:
        with open(args.credentials, "w", encoding="utf-8") as file:
            json.dump(emulator.provider_values(), file)
    sys.stdout.write(f"WeChat Pay emulator listening on {emulator.url}\n")
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        emulator.stop()


if __name__ == "__main__":
    main()
