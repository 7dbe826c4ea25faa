/** @odoo-module **/

import publicWidget from "@web/legacy/js/public/public_widget";

// Opens WeChat's payment sheet for a JSAPI order inside WeChat's browser. The
// result of getBrandWCPayRequest proves nothing: the page's poller (the
// WeChatPayNative widget) waits until Odoo has recorded the order as paid.
publicWidget.registry.WeChatPayJsapi = publicWidget.Widget.extend({
    selector: ".o_wechat_pay_jsapi",
    events: {
        "click .o_wechat_pay_jsapi_button": "_onPay",
    },

    start() {
        if (window.WeixinJSBridge) {
            this._onPay();
        } else {
            document.addEventListener("WeixinJSBridgeReady", () => this._onPay(), {
                once: true,
            });
        }
        return this._super(...arguments);
    },

    _onPay() {
        const params = JSON.parse(this.el.dataset.payParams || "{}");
        if (!window.WeixinJSBridge || !params.paySign) {
            return;
        }
        window.WeixinJSBridge.invoke("getBrandWCPayRequest", params, () => {});
    },
});
