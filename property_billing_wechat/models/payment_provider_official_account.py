import logging
from datetime import timedelta
from urllib.parse import urlencode

import requests

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .. import const
from ..tools import errors

_logger = logging.getLogger(__name__)


class PaymentProvider(models.Model):
    # The Official Account of the app id: OAuth, access token, messages.
    _inherit = "payment.provider"  # pylint: disable=consider-merging-classes-inherited

    wechat_pay_jsapi_enabled = fields.Boolean(
        string="JSAPI Payments",
        help="Pay inside WeChat's own browser. The App ID must be a verified "
        "Official Account (service account) with its AppSecret below, the "
        "portal's domain must be its web authorization domain, and /payment/ "
        "must be a JSAPI payment directory in the merchant platform.",
    )
    wechat_oa_app_secret = fields.Char(
        string="Official Account AppSecret",
        help="The AppSecret of the Official Account of the App ID. It obtains "
        "owners' openids (OAuth) and the access token of template messages.",
        groups="base.group_system",
        copy=False,
    )
    wechat_oa_api_url = fields.Char(
        string="Official Account API URL",
        default=const.DEFAULT_OA_API_URL,
        help="Change it only to test against a local emulator.",
        groups="base.group_system",
    )
    wechat_oa_oauth_url = fields.Char(
        string="Official Account OAuth URL",
        default=const.DEFAULT_OA_OAUTH_URL,
        help="Change it only to test against a local emulator.",
        groups="base.group_system",
    )
    wechat_oa_access_token = fields.Char(
        string="Official Account Access Token",
        readonly=True,
        groups="base.group_system",
        copy=False,
    )
    wechat_oa_token_expires_at = fields.Datetime(
        string="Access Token Expiry",
        readonly=True,
        groups="base.group_system",
        copy=False,
    )

    # === CONSTRAINT METHODS === #

    @api.constrains("state", "wechat_pay_jsapi_enabled", "wechat_oa_app_secret")
    def _check_wechat_pay_jsapi_secret(self):
        # A disabled provider, such as a copy, may lack it like other secrets.
        for provider in self.sudo().filtered(lambda p: p.state != "disabled"):
            if provider.wechat_pay_jsapi_enabled and not provider.wechat_oa_app_secret:
                raise ValidationError(
                    _(
                        "JSAPI payments need the Official Account's AppSecret to "
                        "obtain owners' openids: enter it, or untick JSAPI "
                        "Payments on %(provider)s.",
                        provider=provider.name,
                    )
                )

    # === BUSINESS METHODS - LOOKUP === #

    def _wechat_oa_is_ready(self):
        """Tell whether the provider can use its Official Account."""
        self.ensure_one()
        provider = self.sudo()
        return bool(
            provider.code == const.PROVIDER_CODE
            and provider.state == "enabled"
            and provider.wechat_pay_appid
            and provider.wechat_oa_app_secret
        )

    def _wechat_pay_jsapi_ready(self):
        """Tell whether owners can pay with JSAPI in WeChat's browser."""
        self.ensure_one()
        return self.wechat_pay_jsapi_enabled and self._wechat_oa_is_ready()

    @api.model
    def _wechat_oa_get_provider(self, company):
        """Return the WeChat Pay provider whose Official Account ``company`` uses.

        :raise UserError: if no enabled provider of the company has an AppSecret
        """
        providers = self.sudo().search(
            [
                ("code", "=", const.PROVIDER_CODE),
                ("state", "=", "enabled"),
                ("company_id", "=", company.id),
            ],
            order="sequence, id",
        )
        provider = providers.filtered(lambda p: p._wechat_oa_is_ready())[:1]
        if not provider:
            raise UserError(
                _(
                    "%(company)s has no enabled WeChat Pay provider with an "
                    "Official Account AppSecret: enter it on the provider's "
                    "Credentials tab.",
                    company=company.name,
                )
            )
        return provider

    # === BUSINESS METHODS - REQUESTS === #

    def _wechat_oa_request(self, method, base_url, path, params=None, payload=None):
        """Call an Official Account API and return its JSON response.

        The URL carries the AppSecret or the access token, so neither the URL
        nor the exception text of a failed connection is logged or raised.
        NOTE: urllib3 logs request URLs at DEBUG level, so a server run with
        --log-level=debug writes them to its log.

        :raise WeChatOfficialAccountError: on an errcode other than 0; with
            errcode "network" when the connection failed, timed out or the
            body is not JSON
        """
        self.ensure_one()
        url = base_url.rstrip("/") + path
        if params:
            url = f"{url}?{urlencode(params)}"
        try:
            response = requests.request(
                method,
                url,
                json=payload,
                headers={"User-Agent": "Odoo property_billing_wechat"},
                timeout=const.REQUEST_TIMEOUT,
            )
            data = response.json()
        except (requests.exceptions.RequestException, ValueError) as error:
            _logger.warning(
                "WeChat Official Account %s %s failed: %s",
                method,
                path,
                type(error).__name__,
            )
            raise errors.WeChatOfficialAccountError(
                "network", type(error).__name__
            ) from None
        if not isinstance(data, dict):
            raise errors.WeChatOfficialAccountError("invalid", "response is not JSON")
        errcode = data.get("errcode") or 0
        if errcode != 0:
            _logger.warning(
                "WeChat Official Account %s %s: errcode %s (%s)",
                method,
                path,
                errcode,
                data.get("errmsg"),
            )
            raise errors.WeChatOfficialAccountError(errcode, data.get("errmsg", ""))
        return data

    # === BUSINESS METHODS - OAUTH === #

    def _wechat_oa_authorize_url(self, redirect_uri, state):
        """Return the snsapi_base authorize URL that comes back to ``redirect_uri``."""
        self.ensure_one()
        provider = self.sudo()
        query = urlencode(
            {
                "appid": provider.wechat_pay_appid,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": "snsapi_base",
                "state": state,
            }
        )
        base = provider.wechat_oa_oauth_url.rstrip("/")
        return f"{base}/connect/oauth2/authorize?{query}#wechat_redirect"

    def _wechat_oa_exchange_code(self, code):
        """Exchange an OAuth code for the owner's openid under the App ID."""
        self.ensure_one()
        provider = self.sudo()
        data = provider._wechat_oa_request(
            "GET",
            provider.wechat_oa_api_url,
            "/sns/oauth2/access_token",
            params={
                "appid": provider.wechat_pay_appid,
                "secret": provider.wechat_oa_app_secret,
                "code": code,
                "grant_type": "authorization_code",
            },
        )
        if not data.get("openid"):
            raise errors.WeChatOfficialAccountError("invalid", "no openid")
        return data["openid"]

    # === BUSINESS METHODS - ACCESS TOKEN === #

    def _wechat_oa_get_access_token(self, renew=False):
        """Return the cached access token, or fetch a stable token.

        The token is shared by every worker through the database. It is
        checked and renewed in a transaction of its own, under a lock of the
        provider's row, and committed at once: a message that fails afterwards
        must not roll the new token back. It is renewed TOKEN_RENEW_MARGIN
        seconds before it expires.

        :param bool renew: ignore the cached token, after WeChat returned
            40001 or 42001 for it
        """
        self.ensure_one()
        with self.env.registry.cursor() as cr:
            provider = self.env(cr=cr, su=True)[self._name].browse(self.id)
            cr.execute(
                "SELECT id FROM payment_provider WHERE id = %s FOR UPDATE",
                [provider.id],
            )
            token = provider._wechat_oa_renew_access_token(renew)
        self.sudo().invalidate_recordset(
            ["wechat_oa_access_token", "wechat_oa_token_expires_at"]
        )
        return token

    def _wechat_oa_renew_access_token(self, renew):
        now = fields.Datetime.now()
        margin = timedelta(seconds=const.TOKEN_RENEW_MARGIN)
        if (
            not renew
            and self.wechat_oa_access_token
            and self.wechat_oa_token_expires_at
            and self.wechat_oa_token_expires_at - margin > now
        ):
            return self.wechat_oa_access_token
        data = self._wechat_oa_request(
            "POST",
            self.wechat_oa_api_url,
            "/cgi-bin/stable_token",
            payload={
                "grant_type": "client_credential",
                "appid": self.wechat_pay_appid,
                "secret": self.wechat_oa_app_secret,
                "force_refresh": False,
            },
        )
        self.write(
            {
                "wechat_oa_access_token": data["access_token"],
                "wechat_oa_token_expires_at": now
                + timedelta(seconds=int(data.get("expires_in") or 0)),
            }
        )
        _logger.info(
            "WeChat Official Account token of provider %s renewed for %s s",
            self.id,
            data.get("expires_in"),
        )
        return data["access_token"]

    # === BUSINESS METHODS - TEMPLATE MESSAGES === #

    def _wechat_oa_send_template(self, message):
        """Send a template message; renew the token once if WeChat refuses it.

        :param dict message: touser, template_id, data, url, client_msg_id
        :return: the msgid of the message
        :raise WeChatOfficialAccountError: on an errcode other than 0
        """
        self.ensure_one()
        provider = self.sudo()
        renew = False
        while True:
            token = provider._wechat_oa_get_access_token(renew=renew)
            try:
                data = provider._wechat_oa_request(
                    "POST",
                    provider.wechat_oa_api_url,
                    "/cgi-bin/message/template/send",
                    params={"access_token": token},
                    payload=message,
                )
            except errors.WeChatOfficialAccountError as error:
                if error.errcode in const.TOKEN_ERRCODES and not renew:
                    renew = True
                    continue
                raise
            return data.get("msgid")
