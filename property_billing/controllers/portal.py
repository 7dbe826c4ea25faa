from odoo.addons.portal.controllers.portal import CustomerPortal


class PropertyPortal(CustomerPortal):
    pass
