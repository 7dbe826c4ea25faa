import logging
import secrets

from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import consteq

from odoo.addons.property_billing.controllers.portal_notification import (
    PropertyNotificationPortal,
)

from .. import const
from ..tools import errors

_logger = logging.getLogger(__name__)


class WeChatBindingPortal(PropertyNotificationPortal):
    """Bind and unbind the owner's WeChat (Official Account OAuth, snsapi_base).

    The openid is stored for the logged-in user's partner only. The OAuth
    state is a random value kept in the session, so a code obtained by
    someone else cannot be bound to this owner (CSRF).
    """

    _bind_url = "/my/wechat/bind"
    _oauth_url = "/my/wechat/oauth"
    _unbind_url = "/my/wechat/unbind"

    @staticmethod
    def _wechat_provider():
        """Return the provider of the user's company with an Official Account."""
        try:
            return request.env["payment.provider"]._wechat_oa_get_provider(
                request.env.user.company_id
            )
        except UserError:
            return request.env["payment.provider"]

    @staticmethod
    def _wechat_safe_redirect(redirect):
        """Keep ``redirect`` only if it is a path on this site."""
        if redirect and redirect.startswith("/") and not redirect.startswith("//"):
            return redirect
        return "/my/property"

    @http.route()
    def portal_my_property(self, page=1, **kw):
        response = super().portal_my_property(page=page, **kw)
        provider = self._wechat_provider()
        bound = bool(
            provider
            and request.env["property.wechat.binding"]._get_openid(
                request.env.user.partner_id, provider.wechat_pay_appid
            )
        )
        response.qcontext.update(
            {"wechat_can_bind": bool(provider), "wechat_bound": bound}
        )
        return response

    @http.route(_bind_url, type="http", auth="user", methods=["GET"], website=True)
    def wechat_bind(self, redirect=None, **kw):
        """Send the owner to WeChat's authorize page, which comes back with a code."""
        provider = self._wechat_provider()
        if not provider:
            raise request.not_found()
        state = secrets.token_hex(16)
        request.session[const.OAUTH_SESSION_KEY] = {
            "state": state,
            "redirect": self._wechat_safe_redirect(redirect),
            "provider_id": provider.id,
        }
        redirect_uri = provider.get_base_url().rstrip("/") + self._oauth_url
        return request.redirect(
            provider._wechat_oa_authorize_url(redirect_uri, state), local=False
        )

    @http.route(_oauth_url, type="http", auth="user", methods=["GET"], website=True)
    def wechat_oauth(self, code=None, state=None, **kw):
        """Bind the openid of the OAuth code to the logged-in owner."""
        pending = request.session.pop(const.OAUTH_SESSION_KEY, None) or {}
        expected = pending.get("state") or ""
        if not (state and expected and consteq(state, expected)):
            _logger.warning(
                "WeChat binding of user %s rejected: invalid OAuth state",
                request.env.user.id,
            )
            raise Forbidden()
        redirect = self._wechat_safe_redirect(pending.get("redirect"))
        if not code:
            # The owner declined the authorization.
            return request.redirect(redirect)
        provider = request.env["payment.provider"].sudo().browse(pending["provider_id"])
        try:
            openid = provider._wechat_oa_exchange_code(code)
        except errors.WeChatOfficialAccountError as error:
            raise UserError(
                request.env._(
                    "WeChat could not confirm your account (errcode %(errcode)s). "
                    "Open the page in WeChat and try again.",
                    errcode=error.errcode,
                )
            ) from error
        partner = request.env.user.partner_id
        bindings = request.env["property.wechat.binding"].sudo()
        # One WeChat user is one owner's: a binding of this openid to another
        # owner, or an older one of this owner, is replaced.
        bindings.search(
            [
                ("appid", "=", provider.wechat_pay_appid),
                "|",
                ("partner_id", "=", partner.id),
                ("openid", "=", openid),
            ]
        ).unlink()
        bindings.create(
            {
                "partner_id": partner.id,
                "appid": provider.wechat_pay_appid,
                "openid": openid,
            }
        )
        _logger.info("WeChat bound to partner %s", partner.id)
        return request.redirect(redirect)

    @http.route(_unbind_url, type="http", auth="user", methods=["POST"], website=True)
    def wechat_unbind(self, **kw):
        """Remove the owner's WeChat bindings: no more JSAPI or messages."""
        partner = request.env.user.partner_id
        request.env["property.wechat.binding"].sudo().search(
            [("partner_id", "=", partner.id)]
        ).unlink()
        _logger.info("WeChat unbound from partner %s", partner.id)
        return request.redirect("/my/property")
