# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Property Billing: WeChat Pay",
    "summary": "WeChat Pay (API v3) for owners' bills, and WeChat notifications "
    "(in development: this version installs no features yet)",
    "version": "18.0.0.1.0",
    "category": "Accounting/Payment Providers",
    "website": "https://github.com/property-billing/property-billing",
    "author": "Property Billing for Odoo contributors",
    "license": "LGPL-3",
    "depends": ["property_billing", "payment"],
    "data": [],
    "installable": True,
}
