import json
import logging
import secrets
import time
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from werkzeug.urls import url_join

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.http import request
from odoo.tools import consteq
from odoo.tools.misc import hmac

from odoo.addons.payment import utils as payment_utils

from .. import const
from ..tools import amounts, devices, errors, orders, signing

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    wechat_pay_out_trade_no = fields.Char(
        string="WeChat Pay Order Number",
        help="The out_trade_no of the WeChat Pay order, or of the refunded order "
        "on a refund.",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    wechat_pay_out_refund_no = fields.Char(
        string="WeChat Pay Refund Number",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    wechat_pay_code_url = fields.Char(
        string="WeChat Pay Code URL",
        help="The weixin:// link the QR code encodes for a Native payment.",
        readonly=True,
        copy=False,
    )
    wechat_pay_trade_type = fields.Selection(
        string="WeChat Pay Product",
        selection=[
            ("NATIVE", "Native (QR code)"),
            ("MWEB", "H5 (mobile browser)"),
            ("JSAPI", "JSAPI (WeChat browser)"),
        ],
        readonly=True,
        copy=False,
    )
    wechat_pay_prepay_id = fields.Char(
        string="WeChat Pay Prepay ID",
        help="The prepay_id of a JSAPI order, which WeChat's browser pays; valid "
        "2 hours.",
        readonly=True,
        copy=False,
    )
    wechat_pay_h5_url = fields.Char(
        string="WeChat Pay H5 URL",
        help="The page that opens WeChat to pay an H5 order; valid 5 minutes.",
        readonly=True,
        copy=False,
    )
    wechat_pay_expire_at = fields.Datetime(
        string="WeChat Pay Expiry",
        help="Last moment the order can be paid (time_expire sent to WeChat Pay).",
        readonly=True,
        copy=False,
    )
    wechat_pay_request_body = fields.Text(
        string="WeChat Pay Request",
        help="The exact body of the order or refund request, re-sent unchanged "
        "when the first attempt got no response.",
        readonly=True,
        copy=False,
    )
    wechat_pay_order_status = fields.Selection(
        string="WeChat Pay Order Status",
        selection=[
            ("unknown", "Not confirmed"),
            ("created", "Created"),
            ("closed", "Closed"),
        ],
        help="Not confirmed: the request got no response, so WeChat Pay may or may "
        "not hold the order or refund.",
        readonly=True,
        copy=False,
    )
    wechat_pay_last_query_at = fields.Datetime(readonly=True, copy=False)
    wechat_pay_success_time = fields.Datetime(
        string="WeChat Pay Payment Time", readonly=True, copy=False
    )
    wechat_pay_needs_review = fields.Boolean(
        string="Needs Review",
        help="WeChat Pay reported something staff must check, such as a payment "
        "for a cancelled order or an amount that does not match.",
        readonly=True,
        copy=False,
    )
    wechat_pay_review_reason = fields.Text(
        string="Review Reason", readonly=True, copy=False
    )

    _sql_constraints = [
        (
            "wechat_pay_out_trade_no_uniq",
            "UNIQUE (wechat_pay_out_trade_no)",
            "A WeChat Pay order number can be used by one payment only.",
        ),
        (
            "wechat_pay_out_refund_no_uniq",
            "UNIQUE (wechat_pay_out_refund_no)",
            "A WeChat Pay refund number can be used by one refund only.",
        ),
    ]

    # === BUSINESS METHODS - ORDER CREATION === #

    def _get_specific_create_values(self, provider_code, values):
        """Override of `payment` to give each WeChat Pay payment its order number.

        Odoo references such as INV/2024/00001 contain "/" and can exceed 32
        characters, so they cannot be an out_trade_no.
        """
        res = super()._get_specific_create_values(provider_code, values)
        if provider_code != const.PROVIDER_CODE or values.get("operation") == "refund":
            return res
        provider = self.env["payment.provider"].sudo().browse(values["provider_id"])
        res["wechat_pay_out_trade_no"] = orders.generate_out_trade_no(
            provider.wechat_pay_order_prefix
        )
        return res

    def _get_specific_rendering_values(self, processing_values):
        """Override of `payment` to create the order and open its payment page.

        Native orders open the QR code page; H5 orders open WeChat Pay's page.
        """
        res = super()._get_specific_rendering_values(processing_values)
        if self.provider_code != const.PROVIDER_CODE:
            return res
        page_params = {
            "reference": self.reference,
            "access_token": self._wechat_pay_access_token(),
        }
        if not self.wechat_pay_trade_type:
            self.wechat_pay_trade_type = self._wechat_pay_choose_trade_type()
        if self.wechat_pay_trade_type == "JSAPI":
            # The JSAPI page creates the order once it has the payer's
            # openid, which may first need the owner to bind WeChat.
            return {"api_url": "/payment/wechat_pay/jsapi", "url_params": page_params}
        self._wechat_pay_create_order()
        if self.wechat_pay_trade_type == "MWEB" and self.wechat_pay_h5_url:
            # The browser opens WeChat Pay's page, which comes back to
            # redirect_url once the owner paid or gave up in WeChat.
            h5_url = urlsplit(self.wechat_pay_h5_url)
            return_url = url_join(
                self.provider_id.get_base_url(), "/payment/wechat_pay/return"
            )
            return {
                "api_url": urlunsplit(h5_url._replace(query="")),
                "url_params": {
                    **dict(parse_qsl(h5_url.query)),
                    "redirect_url": f"{return_url}?{urlencode(page_params)}",
                },
            }
        return {"api_url": "/payment/wechat_pay/native", "url_params": page_params}

    def _wechat_pay_choose_trade_type(self):
        """Return the WeChat Pay product for the owner's browser.

        WeChat's own browser gets JSAPI when the provider has an Official
        Account and the owner is logged in (the openid is bound to a user). A
        mobile browser gets H5 when the merchant has H5. Any other browser
        gets a Native QR code, which a desktop can show to a phone.
        """
        user_agent = request.httprequest.user_agent.string if request else ""
        browser = devices.detect_browser(user_agent)
        ip_address = payment_utils.get_customer_ip_address()
        if (
            browser == "wechat"
            and self.provider_id._wechat_pay_jsapi_ready()
            and not request.env.user._is_public()
        ):
            return "JSAPI"
        if (
            browser == "mobile"
            and self.provider_id.wechat_pay_h5_enabled
            and ip_address
        ):
            return "MWEB"
        return "NATIVE"

    def _wechat_pay_access_token(self):
        """Return the token that opens this transaction's QR page and status."""
        return hmac(self.env(su=True), "wechat_pay_native", (self.id, self.reference))

    def _wechat_pay_check_access_token(self, access_token):
        return bool(access_token) and consteq(
            access_token, self._wechat_pay_access_token()
        )

    def _wechat_pay_amount_fen(self):
        return amounts.amount_to_fen(abs(self.amount), self.currency_id)

    def _wechat_pay_check_payable(self):
        """Raise a UserError if WeChat Pay cannot collect this transaction.

        The portal route that creates invoice transactions takes the amount
        from the browser and does not check the provider's currencies, so the
        checks are repeated here before any order reaches WeChat Pay.
        """
        if self.currency_id.name != "CNY":
            raise UserError(
                _(
                    "WeChat Pay collects CNY only, but transaction %(reference)s is "
                    "in %(currency)s. Pay it with another method.",
                    reference=self.reference,
                    currency=self.currency_id.name,
                )
            )
        if self._wechat_pay_amount_fen() < 1:
            raise UserError(
                _(
                    "The amount %(amount)s of transaction %(reference)s is too small "
                    "for WeChat Pay: the minimum is 0.01.",
                    amount=self.amount,
                    reference=self.reference,
                )
            )
        invoices = self.invoice_ids.filtered(lambda inv: inv.state == "posted")
        if invoices:
            residual = sum(invoices.mapped("amount_residual"))
            if self.currency_id.compare_amounts(self.amount, residual) > 0:
                raise UserError(
                    _(
                        "The amount %(amount)s is more than the %(residual)s left to "
                        "pay on %(invoices)s.",
                        amount=self.amount,
                        residual=residual,
                        invoices=", ".join(invoices.mapped("name")),
                    )
                )

    def _wechat_pay_order_description(self):
        names = ", ".join(self.invoice_ids.mapped("name")) or self.reference
        return f"{self.company_id.name} {names}"[:127]

    def _wechat_pay_build_order_request(self, openid=None):
        provider = self.provider_id.sudo()
        expire_at = fields.Datetime.now() + timedelta(
            minutes=provider.wechat_pay_order_lifetime
        )
        trade_type = self.wechat_pay_trade_type or self._wechat_pay_choose_trade_type()
        payload = {
            "appid": provider.wechat_pay_appid,
            "mchid": provider.wechat_pay_mchid,
            "description": self._wechat_pay_order_description(),
            "out_trade_no": self.wechat_pay_out_trade_no,
            "time_expire": orders.format_time_expire(expire_at),
            "attach": self.reference[:128],
            "notify_url": provider._wechat_pay_get_notify_url(),
            "amount": {"total": self._wechat_pay_amount_fen(), "currency": "CNY"},
        }
        if trade_type == "JSAPI":
            if not openid:
                raise UserError(
                    _(
                        "Bind WeChat on the portal before paying %(reference)s in "
                        "WeChat.",
                        reference=self.reference,
                    )
                )
            payload["payer"] = {"openid": openid}
        elif trade_type == "MWEB":
            payload["scene_info"] = {
                "payer_client_ip": payment_utils.get_customer_ip_address(),
                "h5_info": {"type": "Wap"},
            }
        self.write(
            {
                "wechat_pay_trade_type": trade_type,
                "wechat_pay_expire_at": expire_at,
                "wechat_pay_request_body": json.dumps(payload, ensure_ascii=False),
                "wechat_pay_order_status": "unknown",
            }
        )
        return payload

    def _wechat_pay_create_order(self, openid=None):
        """Create the order at WeChat Pay, or re-send its first request.

        Without a response the transaction stays pending with the order status
        "Not confirmed". The payment page and the reconciliation job then
        re-send the identical request, which WeChat Pay accepts for the same
        order.

        :param str openid: the payer's openid, for a first JSAPI request
        """
        self.ensure_one()
        if not self.wechat_pay_request_body:
            self._wechat_pay_check_payable()
            payload = self._wechat_pay_build_order_request(openid=openid)
        else:
            payload = json.loads(self.wechat_pay_request_body)
        if self.state == "draft":
            self._set_pending()
        endpoint = const.TRADE_TYPE_ENDPOINTS[self.wechat_pay_trade_type]
        try:
            data = self.provider_id._wechat_pay_make_request(
                "POST", f"/v3/pay/transactions/{endpoint}", payload
            )
        except errors.WeChatPayNetworkError:
            _logger.warning(
                "WeChat Pay order %s of transaction %s is not confirmed; it will be "
                "re-sent",
                self.wechat_pay_out_trade_no,
                self.reference,
            )
            return False
        except errors.WeChatPayApiError as error:
            if error.code == "ORDERPAID":
                self._wechat_pay_query_order()
                return False
            raise ValidationError(
                _(
                    "WeChat Pay rejected the order for %(reference)s: %(message)s "
                    "(%(code)s).",
                    reference=self.reference,
                    message=error.message,
                    code=error.code,
                )
            ) from error
        self.write(
            {
                "wechat_pay_code_url": data.get("code_url"),
                "wechat_pay_h5_url": data.get("h5_url"),
                "wechat_pay_prepay_id": data.get("prepay_id"),
                "wechat_pay_order_status": "created",
            }
        )
        return True

    def _wechat_pay_jsapi_params(self):
        """Return the signed parameters of WeixinJSBridge's getBrandWCPayRequest.

        paySign signs appId, timeStamp, nonceStr and package, each followed by
        a line feed, with the merchant key, as requests are signed.
        """
        self.ensure_one()
        provider = self.provider_id.sudo()
        params = {
            "appId": provider.wechat_pay_appid,
            "timeStamp": str(int(time.time())),
            "nonceStr": secrets.token_hex(16),
            "package": f"prepay_id={self.wechat_pay_prepay_id}",
            "signType": "RSA",
        }
        params["paySign"] = signing.sign(
            signing.load_private_key(provider.wechat_pay_private_key),
            signing.build_message(
                params["appId"],
                params["timeStamp"],
                params["nonceStr"],
                params["package"],
            ),
        )
        return params

    # === BUSINESS METHODS - QUERY AND CLOSE === #

    def _wechat_pay_query_order(self):
        """Query the order at WeChat Pay and apply its state to the transaction."""
        self.ensure_one()
        provider = self.provider_id.sudo()
        self.wechat_pay_last_query_at = fields.Datetime.now()
        path = (
            f"/v3/pay/transactions/out-trade-no/{self.wechat_pay_out_trade_no}"
            f"?mchid={provider.wechat_pay_mchid}"
        )
        try:
            data = provider._wechat_pay_make_request("GET", path)
        except errors.WeChatPayApiError as error:
            if error.code == "ORDER_NOT_EXIST" and self.wechat_pay_request_body:
                # The first request never reached WeChat Pay: send it again.
                self._wechat_pay_create_order()
                return
            raise
        self._handle_notification_data(const.PROVIDER_CODE, data)

    def _wechat_pay_close_order(self):
        """Close the order at WeChat Pay; cancel the transaction once it is closed.

        A paid order cannot be closed: it is queried and recorded as paid.
        """
        self.ensure_one()
        provider = self.provider_id.sudo()
        path = f"/v3/pay/transactions/out-trade-no/{self.wechat_pay_out_trade_no}/close"
        try:
            provider._wechat_pay_make_request(
                "POST", path, {"mchid": provider.wechat_pay_mchid}
            )
        except errors.WeChatPayApiError as error:
            if error.code == "ORDERPAID":
                self._wechat_pay_query_order()
                return
            if error.code != "ORDER_NOT_EXIST":
                raise
        self.wechat_pay_order_status = "closed"
        self._set_canceled(_("The WeChat Pay order was closed."))

    def _wechat_pay_check_status(self):
        """Return the state for the payment page, querying WeChat Pay if due.

        Queries of one transaction are at least QUERY_INTERVAL seconds apart.
        """
        self.ensure_one()
        now = fields.Datetime.now()
        last = self.wechat_pay_last_query_at
        due = not last or now - last >= timedelta(seconds=const.QUERY_INTERVAL)
        # A JSAPI transaction has no order until the owner's openid is known.
        has_order = bool(self.wechat_pay_request_body)
        if self.state in ("draft", "pending") and due and has_order:
            self.wechat_pay_last_query_at = now
            try:
                if self.wechat_pay_order_status == "unknown":
                    self._wechat_pay_create_order()
                else:
                    self._wechat_pay_query_order()
            except (
                errors.WeChatPayNetworkError,
                errors.WeChatPayApiError,
                ValidationError,
            ) as error:
                _logger.warning(
                    "WeChat Pay status check of %s failed: %s", self.reference, error
                )
        return self.state

    # === BUSINESS METHODS - NOTIFICATIONS === #

    def _get_tx_from_notification_data(self, provider_code, notification_data):
        """Override of `payment` to find the transaction of a WeChat Pay order.

        :param dict notification_data: the decrypted resource of a notification,
            or the response to an order or refund query
        """
        tx = super()._get_tx_from_notification_data(provider_code, notification_data)
        if provider_code != const.PROVIDER_CODE or len(tx) == 1:
            return tx
        out_refund_no = notification_data.get("out_refund_no")
        if out_refund_no:
            domain = [("wechat_pay_out_refund_no", "=", out_refund_no)]
        else:
            domain = [
                ("wechat_pay_out_trade_no", "=", notification_data.get("out_trade_no")),
                ("operation", "!=", "refund"),
            ]
        tx = self.search([("provider_code", "=", const.PROVIDER_CODE), *domain])
        if len(tx) != 1:
            raise ValidationError(
                _(
                    "WeChat Pay: no transaction found for order %(order)s, refund "
                    "%(refund)s.",
                    order=notification_data.get("out_trade_no"),
                    refund=out_refund_no or "-",
                )
            )
        return tx

    def _process_notification_data(self, notification_data):
        """Override of `payment` to apply a WeChat Pay order or refund state."""
        super()._process_notification_data(notification_data)
        if self.provider_code != const.PROVIDER_CODE:
            return
        # The notification route and the query paths can race on one row.
        self.env.cr.execute(
            "SELECT id FROM payment_transaction WHERE id = %s FOR UPDATE", [self.id]
        )
        self.invalidate_recordset()
        if self.operation == "refund":
            self._wechat_pay_apply_refund(notification_data)
        else:
            self._wechat_pay_apply_order(notification_data)

    def _wechat_pay_mismatch(self, data):
        """Return why ``data`` does not belong to this transaction, or ""."""
        provider = self.provider_id.sudo()
        amount = data.get("amount") or {}
        expected_fen = self._wechat_pay_amount_fen()
        number_key = "out_refund_no" if self.operation == "refund" else "out_trade_no"
        expected_number = self[f"wechat_pay_{number_key}"]
        if data.get(number_key) != expected_number:
            return _(
                "order number %(received)s is not %(expected)s",
                received=data.get(number_key),
                expected=expected_number,
            )
        if data.get("mchid") != provider.wechat_pay_mchid:
            return _("merchant ID %(mchid)s is not ours", mchid=data.get("mchid"))
        if "appid" in data and data["appid"] != provider.wechat_pay_appid:
            return _("app ID %(appid)s is not ours", appid=data.get("appid"))
        if amount.get("currency", "CNY") != "CNY":
            return _("currency %(currency)s is not CNY", currency=amount["currency"])
        total = amount.get("total")
        if self.operation == "refund":
            total = amount.get("refund")
        if total != expected_fen:
            return _(
                "amount %(received)s fen differs from the expected %(expected)s fen",
                received=total,
                expected=expected_fen,
            )
        return ""

    def _wechat_pay_flag(self, reason):
        """Flag the transaction for review and post the reason on its documents."""
        self.write(
            {
                "wechat_pay_needs_review": True,
                "wechat_pay_review_reason": "\n".join(
                    filter(None, [self.wechat_pay_review_reason, reason])
                ),
            }
        )
        self._log_message_on_linked_documents(
            _(
                "WeChat Pay transaction %(reference)s needs review: %(reason)s",
                reference=self.reference,
                reason=reason,
            )
        )

    def _wechat_pay_apply_order(self, data):
        trade_state = data.get("trade_state")
        mismatch = self._wechat_pay_mismatch(data)
        if mismatch:
            _logger.warning(
                "WeChat Pay order %s of transaction %s rejected: %s",
                self.wechat_pay_out_trade_no,
                self.reference,
                mismatch,
            )
            if self.state != "done":
                self._set_error(
                    _(
                        "WeChat Pay reported data that does not match: %(reason)s.",
                        reason=mismatch,
                    ),
                    extra_allowed_states=("cancel",),
                )
            self._wechat_pay_flag(mismatch)
            return
        if trade_state in const.TRADE_STATE_MAPPING["done"]:
            if self.state == "done":
                return
            values = {"provider_reference": data.get("transaction_id")}
            if data.get("success_time"):
                values["wechat_pay_success_time"] = orders.parse_rfc3339(
                    data["success_time"]
                )
            self.write(values)
            was_canceled = self.state == "cancel"
            self._set_done(extra_allowed_states=("cancel",))
            if was_canceled:
                self._wechat_pay_flag(
                    _(
                        "WeChat Pay collected the payment after the transaction was "
                        "cancelled; it is recorded as paid."
                    )
                )
            self.env.ref("payment.cron_post_process_payment_tx")._trigger()
        elif trade_state in const.TRADE_STATE_MAPPING["cancel"]:
            self.wechat_pay_order_status = "closed"
            self._set_canceled(
                _("The WeChat Pay order is %(state)s.", state=trade_state)
            )
        elif trade_state in const.TRADE_STATE_MAPPING["error"]:
            self._set_error(
                _(
                    "WeChat Pay reported the payment failed: %(description)s",
                    description=data.get("trade_state_desc", trade_state),
                )
            )
        elif trade_state not in const.TRADE_STATE_MAPPING["pending"]:
            _logger.warning(
                "WeChat Pay order %s has unknown trade_state %s",
                self.wechat_pay_out_trade_no,
                trade_state,
            )

    # === BUSINESS METHODS - POST-PROCESSING === #

    def _post_process(self):
        """Override of `account_payment` to keep payments for closed bills as credit.

        A bill cancelled while its QR code was open cannot be reconciled, and
        one paid meanwhile by another channel has nothing left to reconcile.
        The payment is still posted, as the owner's credit, and the transaction
        is flagged for staff review.
        """
        for tx in self.filtered(
            lambda t: (
                t.provider_code == const.PROVIDER_CODE
                and t.state == "done"
                and t.operation != "refund"
                and not t.payment_id
            )
        ):
            closed = tx.invoice_ids.filtered(
                lambda inv: (
                    inv.state == "cancel"
                    or inv.currency_id.is_zero(inv.amount_residual)
                )
            )
            if closed:
                tx._wechat_pay_flag(
                    _(
                        "%(invoices)s had nothing left to pay when WeChat Pay "
                        "collected %(amount)s; the payment is kept as the owner's "
                        "credit.",
                        invoices=", ".join(closed.mapped("name")),
                        amount=tx.amount,
                    )
                )
                tx.invoice_ids -= closed.filtered(lambda inv: inv.state == "cancel")
        return super()._post_process()

    # === BUSINESS METHODS - RECONCILIATION === #

    @api.model
    def _cron_wechat_pay_reconcile(self, limit=200):
        """Query open WeChat Pay orders and refunds; close expired orders.

        A lost notification must not leave a bill unpaid, and an expired order
        must be closed so that the owner can pay again.
        """
        now = fields.Datetime.now()
        transactions = self.search(
            [
                ("provider_code", "=", const.PROVIDER_CODE),
                ("state", "in", ("draft", "pending")),
                ("wechat_pay_request_body", "!=", False),
                ("create_date", "<", now - timedelta(minutes=1)),
            ],
            limit=limit,
            order="id",
        )
        for tx in transactions:
            try:
                with self.env.cr.savepoint():
                    tx._wechat_pay_reconcile_one(now)
            except (
                errors.WeChatPayNetworkError,
                errors.WeChatPayApiError,
                ValidationError,
            ) as error:
                _logger.warning(
                    "WeChat Pay reconciliation of %s failed: %s", tx.reference, error
                )
            except Exception:
                # One broken transaction must not stop the others.
                _logger.exception(
                    "WeChat Pay reconciliation of %s failed", tx.reference
                )

    def _wechat_pay_reconcile_one(self, now):
        if self.operation == "refund":
            if self.wechat_pay_order_status == "unknown":
                self._wechat_pay_send_refund()
            else:
                self._wechat_pay_query_refund()
            return
        if self.wechat_pay_order_status == "unknown":
            self._wechat_pay_create_order()
        else:
            self._wechat_pay_query_order()
        expired = self.wechat_pay_expire_at and now > (
            self.wechat_pay_expire_at + timedelta(minutes=const.CLOSE_MARGIN)
        )
        if self.state == "pending" and expired:
            self._wechat_pay_close_order()

    # === BUSINESS METHODS - REFUNDS === #

    def _wechat_pay_refund_children(self):
        return self.child_transaction_ids.filtered(lambda t: t.operation == "refund")

    def _wechat_pay_check_refundable(self, amount_to_refund):
        """Raise a UserError if WeChat Pay cannot refund this amount now.

        Odoo's refund wizard counts confirmed refunds only, so a second refund
        could be requested while a first one is still processing. Here every
        refund that is not cancelled or failed counts against the amount left.
        """
        self.ensure_one()
        refunds = self._wechat_pay_refund_children()
        live = refunds.filtered(lambda t: t.state not in ("cancel", "error"))
        refunded = sum(-t.amount for t in live)
        left = self.currency_id.round(self.amount - refunded)
        if self.currency_id.compare_amounts(amount_to_refund, 0) <= 0:
            raise UserError(_("The refund amount must be positive."))
        if self.currency_id.compare_amounts(amount_to_refund, left) > 0:
            raise UserError(
                _(
                    "Only %(left)s of %(reference)s can still be refunded, counting "
                    "refunds still in progress; %(amount)s was requested.",
                    left=left,
                    reference=self.reference,
                    amount=amount_to_refund,
                )
            )
        if len(refunds) >= const.MAX_REFUNDS_PER_ORDER:
            raise UserError(
                _(
                    "WeChat Pay allows at most %(count)s refunds of one payment; "
                    "%(reference)s has reached it.",
                    count=const.MAX_REFUNDS_PER_ORDER,
                    reference=self.reference,
                )
            )
        last_refund = refunds.sorted("create_date")[-1:]
        if last_refund and fields.Datetime.now() - last_refund.create_date < timedelta(
            seconds=const.REFUND_GAP_SECONDS
        ):
            raise UserError(
                _(
                    "WeChat Pay needs a minute between two refunds of %(reference)s. "
                    "Try again in a minute.",
                    reference=self.reference,
                )
            )
        paid_at = self.wechat_pay_success_time or self.last_state_change
        if paid_at + timedelta(days=const.REFUND_WINDOW_DAYS) < fields.Datetime.now():
            raise UserError(
                _(
                    "WeChat Pay refunds payments for one year only; %(reference)s "
                    "was paid on %(date)s. Refund it by bank transfer.",
                    reference=self.reference,
                    date=paid_at.date(),
                )
            )

    def _send_refund_request(self, amount_to_refund=None):
        """Override of `payment` to send the refund request to WeChat Pay."""
        if self.provider_code != const.PROVIDER_CODE:
            return super()._send_refund_request(amount_to_refund=amount_to_refund)
        self._wechat_pay_check_refundable(amount_to_refund or self.amount)
        sequence = len(self._wechat_pay_refund_children()) + 1
        refund_tx = super()._send_refund_request(amount_to_refund=amount_to_refund)
        out_refund_no = orders.generate_out_refund_no(
            self.wechat_pay_out_trade_no, sequence
        )
        payload = {
            "out_trade_no": self.wechat_pay_out_trade_no,
            "out_refund_no": out_refund_no,
            "notify_url": self.provider_id._wechat_pay_get_notify_url(),
            "amount": {
                "refund": refund_tx._wechat_pay_amount_fen(),
                "total": self._wechat_pay_amount_fen(),
                "currency": "CNY",
            },
        }
        refund_tx.write(
            {
                "wechat_pay_out_refund_no": out_refund_no,
                "wechat_pay_request_body": json.dumps(payload, ensure_ascii=False),
                "wechat_pay_order_status": "unknown",
            }
        )
        refund_tx._set_pending()
        refund_tx._wechat_pay_send_refund()
        return refund_tx

    def _wechat_pay_send_refund(self):
        """Send the stored refund request; the same out_refund_no on each retry."""
        self.ensure_one()
        payload = json.loads(self.wechat_pay_request_body)
        try:
            data = self.provider_id._wechat_pay_make_request(
                "POST", "/v3/refund/domestic/refunds", payload
            )
        except errors.WeChatPayNetworkError:
            # The refund may have been accepted: keep it pending, the
            # reconciliation job re-sends it with the same out_refund_no.
            return
        except errors.WeChatPayApiError as error:
            self._set_error(
                _(
                    "WeChat Pay rejected the refund: %(message)s (%(code)s).",
                    message=error.message,
                    code=error.code,
                )
            )
            return
        self.wechat_pay_order_status = "created"
        self._handle_notification_data(const.PROVIDER_CODE, data)

    def _wechat_pay_query_refund(self):
        self.ensure_one()
        data = self.provider_id._wechat_pay_make_request(
            "GET", f"/v3/refund/domestic/refunds/{self.wechat_pay_out_refund_no}"
        )
        self._handle_notification_data(const.PROVIDER_CODE, data)

    def _wechat_pay_apply_refund(self, data):
        """Apply a refund response, query or notification to the refund transaction.

        Responses and queries name the state ``status``; notifications name it
        ``refund_status`` and carry ``mchid``.
        """
        if "mchid" not in data:
            data = {**data, "mchid": self.provider_id.sudo().wechat_pay_mchid}
        mismatch = self._wechat_pay_mismatch(data)
        if mismatch:
            _logger.warning(
                "WeChat Pay refund %s rejected: %s",
                self.wechat_pay_out_refund_no,
                mismatch,
            )
            self._wechat_pay_flag(mismatch)
            return
        status = data.get("refund_status") or data.get("status")
        if data.get("refund_id"):
            self.provider_reference = data["refund_id"]
        if status in const.REFUND_STATUS_MAPPING["pending"]:
            self._set_pending()
        elif status in const.REFUND_STATUS_MAPPING["done"]:
            self._set_done()
            self.env.ref("payment.cron_post_process_payment_tx")._trigger()
        elif status in const.REFUND_STATUS_MAPPING["cancel"]:
            self._set_canceled(
                _("WeChat Pay closed the refund; the amount can be refunded again.")
            )
        elif status in const.REFUND_STATUS_MAPPING["error"]:
            self._set_error(
                _(
                    "WeChat Pay could not pay the refund back (ABNORMAL). Refund it "
                    "from the merchant platform."
                ),
                extra_allowed_states=("done",),
            )
            self._wechat_pay_flag(_("The refund is abnormal at WeChat Pay."))
