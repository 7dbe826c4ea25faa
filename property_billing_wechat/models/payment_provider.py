import gzip
import hashlib
import json
import logging
import secrets
from datetime import datetime, time, timedelta, timezone
from urllib.parse import urlsplit

import requests
from werkzeug.urls import url_join

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .. import const
from ..tools import bills, errors, orders, signing
from ..tools.orders import PREFIX_PATTERN

_logger = logging.getLogger(__name__)


def _default_order_prefix(_provider):
    return "PB" + secrets.token_hex(3).upper()


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    code = fields.Selection(
        selection_add=[(const.PROVIDER_CODE, "WeChat Pay")],
        ondelete={const.PROVIDER_CODE: "set default"},
    )
    wechat_pay_mchid = fields.Char(
        string="Merchant ID",
        help="The mchid of the WeChat Pay merchant account.",
        required_if_provider=const.PROVIDER_CODE,
        groups="base.group_system",
    )
    wechat_pay_appid = fields.Char(
        string="App ID",
        help="The appid of the Official Account bound to the merchant account.",
        required_if_provider=const.PROVIDER_CODE,
        groups="base.group_system",
    )
    wechat_pay_merchant_serial = fields.Char(
        string="Merchant Certificate Serial",
        help="Serial number of the merchant API certificate (apiclient_cert.pem).",
        required_if_provider=const.PROVIDER_CODE,
        groups="base.group_system",
    )
    wechat_pay_private_key = fields.Char(
        string="Merchant Private Key",
        help="The PEM private key of the merchant API certificate "
        "(apiclient_key.pem). Line breaks may be left out.",
        required_if_provider=const.PROVIDER_CODE,
        groups="base.group_system",
        copy=False,
    )
    wechat_pay_apiv3_key = fields.Char(
        string="API v3 Key",
        help="The 32-character key set in the merchant platform; it decrypts "
        "notifications.",
        required_if_provider=const.PROVIDER_CODE,
        groups="base.group_system",
        copy=False,
    )
    wechat_pay_public_key_id = fields.Char(
        string="WeChat Pay Public Key ID",
        help="Starts with PUB_KEY_ID_. Leave empty for a merchant that verifies "
        "with platform certificates only.",
        groups="base.group_system",
    )
    wechat_pay_public_key = fields.Text(
        string="WeChat Pay Public Key",
        help="The PEM public key that verifies WeChat Pay's signatures.",
        groups="base.group_system",
    )
    wechat_pay_platform_certificates = fields.Text(
        string="Platform Certificates",
        help="PEM platform certificates, for merchants still on certificates or "
        "migrating to the public key. WeChat Pay names the signing one by serial.",
        groups="base.group_system",
    )
    wechat_pay_api_url = fields.Char(
        string="API URL",
        help="Base URL of WeChat Pay API v3. Change it only to test against a "
        "local emulator.",
        default=const.DEFAULT_API_URL,
        required_if_provider=const.PROVIDER_CODE,
        groups="base.group_system",
    )
    wechat_pay_order_prefix = fields.Char(
        string="Order Number Prefix",
        help="1 to 8 letters or digits that start every out_trade_no sent by this "
        "database. Give each database that shares the merchant account its own.",
        default=_default_order_prefix,
        required_if_provider=const.PROVIDER_CODE,
        groups="base.group_system",
    )
    wechat_pay_h5_enabled = fields.Boolean(
        string="H5 Payments",
        help="Pay in the WeChat app from a mobile browser outside WeChat. Enable "
        "only if the merchant account has H5 permission; otherwise mobile "
        "browsers get the QR code.",
    )
    wechat_pay_bill_report = fields.Text(
        string="Last Trade Bill Check",
        help="Differences found by the daily comparison of WeChat Pay's trade "
        "bill with Odoo's transactions.",
        readonly=True,
        copy=False,
    )
    wechat_pay_order_lifetime = fields.Integer(
        string="Order Lifetime (minutes)",
        help="How long an owner can pay a QR code, at most 120 minutes.",
        default=const.DEFAULT_ORDER_LIFETIME,
    )

    # === COMPUTE METHODS === #

    def _compute_feature_support_fields(self):
        """Override of `payment` to allow partial refunds."""
        res = super()._compute_feature_support_fields()
        self.filtered(lambda p: p.code == const.PROVIDER_CODE).update(
            {"support_refund": "partial"}
        )
        return res

    # === CONSTRAINT METHODS === #

    @api.constrains(
        "state",
        "code",
        "wechat_pay_private_key",
        "wechat_pay_apiv3_key",
        "wechat_pay_public_key_id",
        "wechat_pay_public_key",
        "wechat_pay_platform_certificates",
        "wechat_pay_order_prefix",
        "wechat_pay_order_lifetime",
    )
    def _check_wechat_pay_credentials(self):
        for provider in self.sudo().filtered(
            lambda p: p.code == const.PROVIDER_CODE and p.state != "disabled"
        ):
            provider._wechat_pay_validate_credentials()

    @api.constrains("state", "code")
    def _check_wechat_pay_not_test(self):
        if any(p.code == const.PROVIDER_CODE and p.state == "test" for p in self):
            raise ValidationError(
                _(
                    "WeChat Pay has no test environment: in Test mode real money "
                    "would move. Use Enabled, and test with a local emulator or "
                    "with 0.01 CNY that you refund."
                )
            )

    def _wechat_pay_validate_credentials(self):
        """Raise a ValidationError naming the first unusable credential."""
        if len((self.wechat_pay_apiv3_key or "").encode()) != 32:
            raise ValidationError(
                _("The WeChat Pay API v3 key must have exactly 32 characters.")
            )
        try:
            signing.load_private_key(self.wechat_pay_private_key)
        except (ValueError, TypeError) as error:
            raise ValidationError(
                _(
                    "The WeChat Pay merchant private key is not a valid unencrypted "
                    "PEM key (%(error)s). Paste the content of apiclient_key.pem.",
                    error=error,
                )
            ) from error
        if bool(self.wechat_pay_public_key_id) != bool(self.wechat_pay_public_key):
            raise ValidationError(
                _(
                    "Give both the WeChat Pay public key and its ID, or neither "
                    "for a merchant on platform certificates."
                )
            )
        if (
            self.wechat_pay_public_key_id
            and not self.wechat_pay_public_key_id.startswith(
                signing.PUBLIC_KEY_ID_PREFIX
            )
        ):
            raise ValidationError(
                _(
                    "The WeChat Pay public key ID %(key_id)s must start with "
                    "PUB_KEY_ID_.",
                    key_id=self.wechat_pay_public_key_id,
                )
            )
        try:
            keys = self._wechat_pay_verification_keys()
        except ValueError as error:
            raise ValidationError(
                _(
                    "The WeChat Pay public key or a platform certificate is not "
                    "valid PEM (%(error)s).",
                    error=error,
                )
            ) from error
        if not keys:
            raise ValidationError(
                _(
                    "WeChat Pay needs its public key or a platform certificate to "
                    "verify its responses and notifications."
                )
            )
        if not PREFIX_PATTERN.match(self.wechat_pay_order_prefix or ""):
            raise ValidationError(
                _(
                    "The order number prefix %(prefix)s must have 1 to 8 letters or "
                    "digits.",
                    prefix=self.wechat_pay_order_prefix,
                )
            )
        if not 5 <= self.wechat_pay_order_lifetime <= const.MAX_ORDER_LIFETIME:
            raise ValidationError(
                _(
                    "The order lifetime %(minutes)s must be between 5 and "
                    "%(maximum)s minutes.",
                    minutes=self.wechat_pay_order_lifetime,
                    maximum=const.MAX_ORDER_LIFETIME,
                )
            )

    # === BUSINESS METHODS === #

    def _get_supported_currencies(self):
        """Override of `payment`: a domestic merchant account collects CNY only."""
        supported_currencies = super()._get_supported_currencies()
        if self.code == const.PROVIDER_CODE:
            supported_currencies = supported_currencies.filtered(
                lambda c: c.name == "CNY"
            )
        return supported_currencies

    def _get_default_payment_method_codes(self):
        """Override of `payment` to return the default payment method codes."""
        default_codes = super()._get_default_payment_method_codes()
        if self.code != const.PROVIDER_CODE:
            return default_codes
        return {"wechat_pay"}

    def _wechat_pay_verification_keys(self):
        """Return {Wechatpay-Serial: public key} of WeChat Pay's signing keys.

        Both modes may be configured at once while a merchant migrates from
        platform certificates to the public key.
        """
        self.ensure_one()
        keys = {}
        if self.wechat_pay_public_key_id and self.wechat_pay_public_key:
            keys[self.wechat_pay_public_key_id] = signing.load_public_key(
                self.wechat_pay_public_key
            )
        if self.wechat_pay_platform_certificates:
            for serial, certificate in signing.load_certificates(
                self.wechat_pay_platform_certificates
            ).items():
                keys[serial] = certificate.public_key()
        return keys

    def _wechat_pay_get_notify_url(self):
        """Return the notification URL given to WeChat Pay, without a query."""
        self.ensure_one()
        return url_join(self.get_base_url(), f"/payment/wechat_pay/notify/{self.id}")

    def _wechat_pay_make_request(self, method, path, payload=None, raw=False):
        """Send a signed request to WeChat Pay API v3 and verify the response.

        :param str method: "GET" or "POST"
        :param str path: URL path with its query string, such as
            "/v3/pay/transactions/out-trade-no/X?mchid=1"
        :param dict payload: the JSON body of a POST
        :param bool raw: return the body as bytes, unverified, for bill
            downloads, which WeChat Pay does not sign
        :return: the decoded JSON response, or {} for 204 No Content
        :rtype: dict
        :raise WeChatPayNetworkError: if no response arrived in time
        :raise WeChatPayApiError: on an error status or a response whose
            signature does not verify
        """
        self.ensure_one()
        provider = self.sudo()
        body = ""
        if payload is not None:
            body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        authorization = signing.build_authorization(
            provider.wechat_pay_mchid,
            provider.wechat_pay_merchant_serial,
            signing.load_private_key(provider.wechat_pay_private_key),
            method,
            path,
            body,
        )
        headers = {
            "Authorization": authorization,
            "Accept": "application/json",
            "User-Agent": "Odoo property_billing_wechat",
        }
        if payload is not None:
            headers["Content-Type"] = "application/json"
        if provider.wechat_pay_public_key_id:
            # Ask WeChat Pay to sign its response with the public key.
            headers["Wechatpay-Serial"] = provider.wechat_pay_public_key_id
        url = provider.wechat_pay_api_url.rstrip("/") + path
        try:
            response = requests.request(
                method,
                url,
                data=body.encode() if body else None,
                headers=headers,
                timeout=const.REQUEST_TIMEOUT,
            )
        except requests.exceptions.RequestException as error:
            _logger.warning(
                "WeChat Pay request %s %s got no response: %s",
                method,
                path.split("?")[0],
                error,
            )
            raise errors.WeChatPayNetworkError(str(error)) from error
        request_id = response.headers.get("Request-ID")
        if raw and response.status_code < 400:
            return response.content
        signed = "Wechatpay-Signature" in response.headers
        try:
            # Successful responses must be signed. Error responses are checked when
            # signed; an unsigned one can only make the call fail.
            if response.status_code < 400 or signed:
                signing.verify_wechatpay_signature(
                    response.headers,
                    response.content,
                    provider._wechat_pay_verification_keys(),
                )
        except signing.SignatureError as error:
            _logger.warning(
                "WeChat Pay response to %s %s (Request-ID %s) rejected: %s",
                method,
                path.split("?")[0],
                request_id,
                error,
            )
            raise errors.WeChatPayApiError(
                response.status_code, "SIGNATURE_INVALID", str(error), request_id
            ) from error
        data = {}
        if response.content:
            try:
                data = response.json()
            except ValueError as error:
                raise errors.WeChatPayApiError(
                    response.status_code, "INVALID_JSON", str(error), request_id
                ) from error
        if response.status_code >= 400:
            _logger.info(
                "WeChat Pay %s %s failed (Request-ID %s): %s %s",
                method,
                path.split("?")[0],
                request_id,
                response.status_code,
                data.get("code"),
            )
            raise errors.WeChatPayApiError(
                response.status_code,
                data.get("code", "UNKNOWN"),
                data.get("message", response.reason),
                request_id,
            )
        return data

    # === BUSINESS METHODS - TRADE BILLS === #

    def _wechat_pay_fetch_trade_bill(self, bill_date):
        """Download the ALL trade bill of ``bill_date`` and return its rows.

        :param date bill_date: the day of the bill, in China Standard Time
        :raise ValidationError: if WeChat Pay has no bill for the day or the
            file does not match its SHA1
        """
        self.ensure_one()
        try:
            data = self._wechat_pay_make_request(
                "GET",
                f"/v3/bill/tradebill?bill_date={bill_date.isoformat()}"
                "&bill_type=ALL&tar_type=GZIP",
            )
            download_url = urlsplit(data["download_url"])
            content = self._wechat_pay_make_request(
                "GET", f"{download_url.path}?{download_url.query}", raw=True
            )
        except (errors.WeChatPayApiError, errors.WeChatPayNetworkError) as error:
            raise ValidationError(
                _(
                    "The WeChat Pay trade bill of %(date)s could not be downloaded: "
                    "%(error)s",
                    date=bill_date,
                    error=error,
                )
            ) from error
        if content[:2] == b"\x1f\x8b":  # The gzip magic number.
            content = gzip.decompress(content)
        if hashlib.sha1(content).hexdigest() != data["hash_value"].lower():
            raise ValidationError(
                _(
                    "The WeChat Pay trade bill of %(date)s does not match its SHA1: "
                    "the download is incomplete or altered. The next run retries.",
                    date=bill_date,
                )
            )
        return bills.parse_trade_bill(content.decode("utf-8"))

    def _wechat_pay_compare_trade_bill(self, bill_date):
        """Compare the trade bill of a day with Odoo's transactions.

        Every difference is logged, stored in the provider's last trade bill
        check and, where a transaction exists, flagged for review on it.

        :param date bill_date: the day of the bill, in China Standard Time
        :return: the differences, one message each
        :rtype: list[str]
        """
        self.ensure_one()
        rows = self._wechat_pay_fetch_trade_bill(bill_date)
        transactions = self.env["payment.transaction"].sudo()
        differences = []
        billed = set()
        for row in rows:
            if row["trade_state"] == "REFUND":
                tx = transactions.search(
                    [("wechat_pay_out_refund_no", "=", row["out_refund_no"])], limit=1
                )
                amount_fen = row["refund"]
                number = row["out_refund_no"]
            else:
                tx = transactions.search(
                    [
                        ("provider_id", "=", self.id),
                        ("wechat_pay_out_trade_no", "=", row["out_trade_no"]),
                        ("operation", "!=", "refund"),
                    ],
                    limit=1,
                )
                amount_fen = row["total"]
                number = row["out_trade_no"]
                billed.add(number)
            if not tx:
                difference = _(
                    "%(number)s: %(state)s of %(fen)s fen at WeChat Pay, no "
                    "transaction in Odoo.",
                    number=number,
                    state=row["trade_state"],
                    fen=amount_fen,
                )
            elif tx.state != "done":
                difference = _(
                    "%(number)s: %(state)s at WeChat Pay, but transaction "
                    "%(reference)s is %(odoo_state)s in Odoo.",
                    number=number,
                    state=row["trade_state"],
                    reference=tx.reference,
                    odoo_state=tx.state,
                )
            elif tx._wechat_pay_amount_fen() != amount_fen:
                difference = _(
                    "%(number)s: %(fen)s fen at WeChat Pay, %(odoo_fen)s fen in "
                    "transaction %(reference)s.",
                    number=number,
                    fen=amount_fen,
                    odoo_fen=tx._wechat_pay_amount_fen(),
                    reference=tx.reference,
                )
            else:
                continue
            differences.append(difference)
            if tx:
                tx._wechat_pay_flag(difference)
        # Payments done in Odoo on that day but missing from the bill.
        day_start = datetime.combine(bill_date, time.min, tzinfo=orders.CHINA_TZ)
        day_start = day_start.astimezone(timezone.utc).replace(tzinfo=None)
        done_txs = transactions.search(
            [
                ("provider_id", "=", self.id),
                ("operation", "!=", "refund"),
                ("state", "=", "done"),
                ("wechat_pay_success_time", ">=", day_start),
                ("wechat_pay_success_time", "<", day_start + timedelta(days=1)),
            ]
        )
        for tx in done_txs.filtered(lambda t: t.wechat_pay_out_trade_no not in billed):
            difference = _(
                "%(number)s: transaction %(reference)s is paid in Odoo but missing "
                "from the WeChat Pay bill.",
                number=tx.wechat_pay_out_trade_no,
                reference=tx.reference,
            )
            differences.append(difference)
            tx._wechat_pay_flag(difference)
        for difference in differences:
            _logger.warning("WeChat Pay trade bill of %s: %s", bill_date, difference)
        summary = _(
            "%(date)s: %(rows)s bill rows, %(count)s differences.",
            date=bill_date,
            rows=len(rows),
            count=len(differences),
        )
        self.wechat_pay_bill_report = "\n".join([summary, *differences])
        return differences

    @api.model
    def _cron_wechat_pay_compare_trade_bills(self):
        """Compare yesterday's trade bill (China Standard Time) of each provider."""
        yesterday = datetime.now(orders.CHINA_TZ).date() - timedelta(days=1)
        providers = self.search(
            [("code", "=", const.PROVIDER_CODE), ("state", "=", "enabled")]
        )
        for provider in providers:
            try:
                provider._wechat_pay_compare_trade_bill(yesterday)
            except ValidationError as error:
                _logger.warning("WeChat Pay trade bill of %s: %s", yesterday, error)
