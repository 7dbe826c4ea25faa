/** @odoo-module **/

import { registry } from "@web/core/registry";

// An owner with one unpaid bill of 257.80 pays it on the portal with the demo
// payment provider. tests/test_portal_pay_tour.py creates that bill.
registry.category("web_tour.tours").add("property_billing_portal_pay", {
    url: "/my/property",
    steps: () => [
        {
            content: "The total due is the amount of the unpaid bill",
            trigger: ".o_property_total_amount:contains(257.80)",
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
            content: "Choose the demo payment method",
            trigger:
                "#pay_with input[name='o_payment_radio'][data-payment-method-code='demo']",
            run: "click",
        },
        {
            content: "Enter test card details",
            trigger: "#pay_with input[name='customer_input']",
            run: "edit 4242424242424242",
        },
        {
            content: "Pay",
            trigger: "#pay_with button[name='o_payment_submit_button']:not(:disabled)",
            run: "click",
        },
        {
            content: "Back on the invoice, which is now paid",
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
        {
            content: "The total due is zero",
            trigger: ".o_property_total_amount:contains(0.00)",
        },
    ],
});
