/** @odoo-module **/

import publicWidget from "@web/legacy/js/public/public_widget";
import { ConnectionLostError, rpc } from "@web/core/network/rpc";

// Polls the state of a WeChat Pay order while its QR code is shown, or after
// the owner came back from WeChat (H5). Then opens the paid document, or
// Odoo's payment status page if the payment failed.
publicWidget.registry.WeChatPayNative = publicWidget.Widget.extend({
    selector: ".o_wechat_pay_native",
    pollDelay: 3000,

    async start() {
        this._schedulePoll();
        return this._super(...arguments);
    },

    _schedulePoll() {
        setTimeout(() => this._poll(), this.pollDelay);
    },

    async _poll() {
        const { reference, accessToken } = this.el.dataset;
        let result;
        try {
            result = await rpc("/payment/wechat_pay/status", {
                reference,
                access_token: accessToken,
            });
        } catch (error) {
            if (error instanceof ConnectionLostError) {
                this._schedulePoll();
                return;
            }
            throw error;
        }
        if (result.state === "done" && result.landing_route) {
            window.location = result.landing_route;
        } else if (["done", "cancel", "error"].includes(result.state)) {
            window.location = "/payment/status";
        } else if (
            (result.code_url && !this.el.querySelector(".o_wechat_pay_qr")) ||
            (result.jsapi_ready && !this.el.querySelector(".o_wechat_pay_jsapi"))
        ) {
            // The order was confirmed after the page opened: show its QR code
            // or WeChat's payment sheet.
            window.location.reload();
        } else {
            this._schedulePoll();
        }
    },
});
