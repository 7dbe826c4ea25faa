from odoo import fields, models


class AccountMove(models.Model):
    # Historical arrears extend this model in their own file, one feature per
    # file, rather than in one file for every feature.
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    property_opening_arrears = fields.Boolean(
        string="Opening Arrears",
        readonly=True,
        copy=False,
        help="Set on the bills that the historical arrears import created for "
        "fees billed by the previous system and still unpaid.",
    )
