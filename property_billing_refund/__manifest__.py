# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Property Billing: Refunds",
    "summary": "Refund policies, deadlines, owner requests, approval, credit notes "
    "and refunds through the payment provider or a bank transfer",
    "version": "18.0.1.2.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/property-billing/property-billing",
    "author": "Property Billing for Odoo contributors",
    "license": "LGPL-3",
    "depends": [
        "property_billing",
        "account_payment",
        "resource",
    ],
    "data": [
        "security/ir.model.access.csv",
        "security/property_refund_rules.xml",
        "data/ir_sequence_data.xml",
        "data/ir_cron_data.xml",
        "data/property_refund_mail_template_data.xml",
        "views/property_refund_policy_views.xml",
        "views/property_refund_request_views.xml",
        "report/property_refund_report_views.xml",
        "views/account_move_views.xml",
        "views/property_refund_menus.xml",
        "views/portal_templates.xml",
    ],
    "demo": [
        "demo/property_refund_demo.xml",
    ],
    "installable": True,
}
