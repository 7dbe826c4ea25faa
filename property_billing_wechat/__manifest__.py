# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Property Billing: WeChat Pay",
    "summary": "WeChat Pay (API v3) for owners' bills: Native QR payments on the "
    "portal, verified notifications, reconciliation and partial refunds",
    "version": "18.0.0.2.0",
    "category": "Accounting/Payment Providers",
    "website": "https://github.com/property-billing/property-billing",
    "author": "Property Billing for Odoo contributors",
    "license": "LGPL-3",
    "depends": ["property_billing", "account_payment"],
    "external_dependencies": {"python": ["cryptography", "qrcode"]},
    "data": [
        "views/payment_wechat_pay_templates.xml",
        "views/payment_provider_views.xml",
        "data/payment_provider_data.xml",
        "data/ir_cron_data.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "property_billing_wechat/static/src/js/native_payment.js",
        ],
        "web.assets_tests": [
            "property_billing_wechat/static/src/js/tours/*.js",
        ],
    },
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
    "installable": True,
}
