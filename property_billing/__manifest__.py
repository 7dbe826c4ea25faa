# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Property Billing",
    "summary": "Bill the owners of residential communities: units, fee items, "
    "batch billing runs into posted invoices, owner portal",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/property-billing/property-billing",
    "author": "Property Billing for Odoo contributors",
    "license": "LGPL-3",
    "depends": [
        "account_payment",
        "analytic",
        "base_import",
        "portal",
    ],
    "data": [
        "security/property_billing_groups.xml",
        "security/ir.model.access.csv",
        "security/property_billing_rules.xml",
        "data/ir_sequence_data.xml",
        "data/account_analytic_plan_data.xml",
        "data/ir_cron_data.xml",
        "data/ir_config_parameter_data.xml",
        "views/property_community_views.xml",
        "views/property_building_views.xml",
        "views/property_unit_views.xml",
        "views/property_fee_item_views.xml",
        "views/property_unit_fee_views.xml",
        "views/property_billing_charge_views.xml",
        "views/property_billing_run_views.xml",
        "views/account_move_views.xml",
        "wizard/property_fee_assign_wizard_views.xml",
        "wizard/property_roster_import_views.xml",
        "views/property_billing_menus.xml",
        "views/portal_templates.xml",
    ],
    "demo": [
        "demo/property_billing_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "property_billing/static/src/js/tours/*.js",
        ],
    },
    "installable": True,
    "application": True,
}
