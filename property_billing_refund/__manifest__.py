# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Property Billing: Refunds",
    "summary": "Refund policies, deadlines, owner requests, approval and credit notes "
    "(in development: this version installs no features yet)",
    "version": "18.0.0.1.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/property-billing/property-billing",
    "author": "Property Billing for Odoo contributors",
    "license": "LGPL-3",
    "depends": ["property_billing"],
    "data": [],
    "installable": True,
}
