/** @odoo-module **/

import { registry } from "@web/core/registry";

// An owner with one unpaid bill of 257.80 pays it with WeChat Pay: the QR code
// shows, the WeChat Pay emulator pays the order, the page updates by itself.
// The test opens the tour on /my/property?emulator=<emulator URL>.
registry.category("web_tour.tours").add("property_billing_wechat_native_pay", {
    steps: () => [
        {
            content: "Remember the emulator's URL",
            trigger: ".o_property_total_amount:contains(257.80)",
            run() {
                const emulator = new URLSearchParams(window.location.search).get("emulator");
                if (!emulator) {
                    throw new Error(`No emulator URL in ${window.location.href}`);
                }
                window.localStorage.setItem("wechat_pay_emulator", emulator);
            },
        },
        {
            content: "Open the unpaid bill",
            trigger: "tr.o_property_bill:contains(257.80) a.o_property_bill_link",
            run: "click",
        },
        {
            content: "Open the payment dialog of the invoice",
            trigger: "a[data-bs-target='#pay_with']:contains(Pay Now)",
            run: "click",
        },
        {
            content: "Choose WeChat Pay",
            trigger:
                "#pay_with input[name='o_payment_radio'][data-payment-method-code='wechat_pay']",
            run: "click",
        },
        {
            content: "Pay",
            trigger: "#pay_with button[name='o_payment_submit_button']:not(:disabled)",
            run: "click",
        },
        {
            content: "The QR code of the order shows; the payer scans and pays it",
            trigger: ".o_wechat_pay_native img.o_wechat_pay_qr",
            async run() {
                const page = document.querySelector(".o_wechat_pay_native");
                const emulator = window.localStorage.getItem("wechat_pay_emulator");
                const response = await fetch(
                    `${emulator}/__emulator__/pay/${page.dataset.outTradeNo}`,
                    { method: "POST" }
                );
                if (!response.ok) {
                    throw new Error(`The emulator did not pay: ${response.status}`);
                }
            },
        },
        {
            content: "The page updates by itself: the invoice is paid",
            trigger: ".o_portal_invoice_sidebar .badge.text-bg-success:contains(Paid)",
            timeout: 30000,
            run() {
                window.location.href = "/my/property";
            },
        },
        {
            content: "No bill is left to pay",
            trigger: ".o_property_no_bills",
        },
    ],
});
