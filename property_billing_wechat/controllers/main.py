import json
import logging
from urllib.parse import quote, urlencode

from cryptography.exceptions import InvalidTag

from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

from .. import const
from ..tools import devices, signing

_logger = logging.getLogger(__name__)


class WeChatPayController(http.Controller):
    _notify_url = "/payment/wechat_pay/notify/<int:provider_id>"
    _native_url = "/payment/wechat_pay/native"
    _status_url = "/payment/wechat_pay/status"
    _return_url = "/payment/wechat_pay/return"
    _jsapi_url = "/payment/wechat_pay/jsapi"

    @http.route(_notify_url, type="http", methods=["POST"], auth="public", csrf=False)
    def wechat_pay_notify(self, provider_id):
        """Handle a WeChat Pay notification of a payment or a refund.

        Return 204 once the notification is handled (including data that does
        not match, which is recorded for review because a retry cannot fix it),
        and a 4xx/5xx FAIL response otherwise, so that WeChat Pay retries.
        """
        raw_body = request.httprequest.get_data()
        headers = request.httprequest.headers
        request_id = headers.get("Request-ID")
        provider_sudo = (
            request.env["payment.provider"].sudo().browse(provider_id).exists()
        )
        if not provider_sudo or provider_sudo.code != const.PROVIDER_CODE:
            return self._reject(404, "unknown provider", request_id)
        if provider_sudo.state == "disabled":
            return self._reject(503, "provider is disabled", request_id)
        try:
            keys = provider_sudo._wechat_pay_verification_keys()
            signing.verify_wechatpay_signature(headers, raw_body, keys)
        except signing.SignatureError as error:
            return self._reject(401, str(error), request_id)
        except ValueError as error:
            return self._reject(500, f"verification key unusable: {error}", request_id)
        try:
            envelope = json.loads(raw_body)
            resource = envelope["resource"]
            if (
                envelope.get("resource_type") != "encrypt-resource"
                or resource.get("algorithm") != "AEAD_AES_256_GCM"
            ):
                raise ValueError("unexpected resource_type or algorithm")
            plaintext = signing.decrypt_resource(
                provider_sudo.wechat_pay_apiv3_key,
                resource["nonce"],
                resource["ciphertext"],
                resource.get("associated_data", ""),
            )
            data = json.loads(plaintext)
        except InvalidTag:
            # Nearly always a wrong or reset API v3 key: fail so that WeChat
            # Pay retries once the key is corrected.
            return self._reject(
                500, "decryption failed, check the API v3 key", request_id
            )
        except (ValueError, KeyError, TypeError) as error:
            return self._reject(400, f"malformed notification: {error}", request_id)
        event_type = envelope.get("event_type")
        if event_type != const.PAYMENT_EVENT and event_type not in const.REFUND_EVENTS:
            _logger.info(
                "WeChat Pay event %s ignored (Request-ID %s)", event_type, request_id
            )
            return request.make_response(b"", status=204)
        reference = data.get("out_refund_no") or data.get("out_trade_no")
        try:
            with request.env.cr.savepoint():
                tx_sudo = (
                    request.env["payment.transaction"]
                    .sudo()
                    ._get_tx_from_notification_data(const.PROVIDER_CODE, data)
                )
                if tx_sudo.provider_id != provider_sudo:
                    return self._reject(
                        400, f"{reference} belongs to another provider", request_id
                    )
                tx_sudo._handle_notification_data(const.PROVIDER_CODE, data)
        except ValidationError as error:
            # Not found yet: the transaction may not be committed, or the order
            # comes from a restored database. WeChat Pay retries for 24 hours.
            return self._reject(404, f"{reference}: {error}", request_id)
        except Exception:
            _logger.exception(
                "WeChat Pay notification for %s failed (Request-ID %s)",
                reference,
                request_id,
            )
            return self._fail_response(500, "internal error")
        _logger.info(
            "WeChat Pay %s for %s handled (Request-ID %s)",
            event_type,
            reference,
            request_id,
        )
        return request.make_response(b"", status=204)

    def _reject(self, status, reason, request_id):
        _logger.warning(
            "WeChat Pay notification rejected with %s: %s (Request-ID %s)",
            status,
            reason,
            request_id,
        )
        return self._fail_response(status, reason)

    @staticmethod
    def _fail_response(status, message):
        return request.make_json_response(
            {"code": "FAIL", "message": message}, status=status
        )

    def _get_tx_sudo(self, reference, access_token):
        tx_sudo = (
            request.env["payment.transaction"]
            .sudo()
            .search(
                [
                    ("reference", "=", reference),
                    ("provider_code", "=", const.PROVIDER_CODE),
                ],
                limit=1,
            )
        )
        if not tx_sudo or not tx_sudo._wechat_pay_check_access_token(access_token):
            raise request.not_found()
        return tx_sudo

    @http.route(_native_url, type="http", methods=["GET"], auth="public", website=True)
    def wechat_pay_native(self, reference=None, access_token=None):
        """Show the QR code of a Native order, or wait on an H5 one.

        The page polls the transaction's state.
        """
        tx_sudo = self._get_tx_sudo(reference, access_token)
        qr_src = ""
        if tx_sudo.wechat_pay_code_url:
            # Odoo's barcode route renders the weixin:// link as a QR code.
            qr_src = "/report/barcode?" + urlencode(
                {
                    "barcode_type": "QR",
                    "value": tx_sudo.wechat_pay_code_url,
                    "width": 240,
                    "height": 240,
                }
            )
        browser = devices.detect_browser(request.httprequest.user_agent.string)
        return request.render(
            "property_billing_wechat.native_page",
            {
                "tx": tx_sudo,
                "access_token": access_token,
                "qr_src": qr_src,
                "browser": browser,
            },
        )

    @http.route(_status_url, type="json", auth="public")
    def wechat_pay_status(self, reference=None, access_token=None):
        """Return the transaction state, querying WeChat Pay at most every 5 s.

        A paid transaction is post-processed here and the page goes to its
        landing route, because after H5 the browser may have lost the session
        that Odoo's /payment/status page relies on.
        """
        tx_sudo = self._get_tx_sudo(reference, access_token)
        state = tx_sudo._wechat_pay_check_status()
        landing_route = ""
        if state == "done":
            if not tx_sudo.is_post_processed:
                tx_sudo._post_process()
            landing_route = tx_sudo.landing_route or ""
        return {
            "state": state,
            "code_url": tx_sudo.wechat_pay_code_url or "",
            "jsapi_ready": bool(tx_sudo.wechat_pay_prepay_id),
            "landing_route": landing_route,
        }

    @http.route(_return_url, type="http", methods=["GET"], auth="public")
    def wechat_pay_return(self, reference=None, access_token=None):
        """Come back from WeChat Pay's H5 page: check the order, then wait on it."""
        tx_sudo = self._get_tx_sudo(reference, access_token)
        tx_sudo._wechat_pay_check_status()
        query = urlencode({"reference": reference, "access_token": access_token})
        return request.redirect(f"{self._native_url}?{query}")

    @http.route(_jsapi_url, type="http", methods=["GET"], auth="public", website=True)
    def wechat_pay_jsapi(self, reference=None, access_token=None):
        """Pay a JSAPI order in WeChat's browser.

        The order is created with the openid the logged-in owner bound; an
        owner who has not bound WeChat yet goes through OAuth first and comes
        back here. The page gets the signed getBrandWCPayRequest parameters
        and polls the transaction like the QR code page.
        """
        tx_sudo = self._get_tx_sudo(reference, access_token)
        query = urlencode({"reference": reference, "access_token": access_token})
        if tx_sudo.wechat_pay_trade_type != "JSAPI" or tx_sudo.state not in (
            "draft",
            "pending",
        ):
            return request.redirect(f"{self._native_url}?{query}")
        if not tx_sudo.wechat_pay_request_body:
            here = f"{self._jsapi_url}?{query}"
            if request.env.user._is_public():
                return request.redirect(f"/web/login?redirect={quote(here)}")
            provider_sudo = tx_sudo.provider_id.sudo()
            openid = request.env["property.wechat.binding"]._get_openid(
                request.env.user.partner_id, provider_sudo.wechat_pay_appid
            )
            if not openid:
                return request.redirect(f"/my/wechat/bind?redirect={quote(here)}")
            tx_sudo._wechat_pay_create_order(openid=openid)
        pay_params = {}
        if tx_sudo.wechat_pay_prepay_id:
            pay_params = tx_sudo._wechat_pay_jsapi_params()
        return request.render(
            "property_billing_wechat.native_page",
            {
                "tx": tx_sudo,
                "access_token": access_token,
                "qr_src": "",
                "browser": "wechat",
                "pay_params_json": json.dumps(pay_params),
            },
        )
