# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Property Billing: WeChat Pay",
    "summary": "WeChat Pay (API v3) for owners' bills: Native, H5 and JSAPI "
    "payments on the portal, verified notifications, reconciliation, partial "
    "refunds and Official Account template messages",
    "version": "18.0.0.3.0",
    "category": "Accounting/Payment Providers",
    "website": "https://github.com/property-billing/property-billing",
    "author": "Property Billing for Odoo contributors",
    "license": "LGPL-3",
    "depends": ["property_billing", "account_payment"],
    "external_dependencies": {"python": ["cryptography", "qrcode"]},
    "data": [
        "security/ir.model.access.csv",
        "views/payment_wechat_pay_templates.xml",
        "views/portal_wechat_templates.xml",
        "views/property_wechat_views.xml",
        "views/payment_provider_views.xml",
        "data/payment_provider_data.xml",
        "data/ir_cron_data.xml",
        "data/property_notification_data.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "property_billing_wechat/static/src/js/native_payment.js",
            "property_billing_wechat/static/src/js/jsapi_payment.js",
        ],
        "web.assets_tests": [
            "property_billing_wechat/static/src/js/tours/*.js",
        ],
    },
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
    "installable": True,
}
