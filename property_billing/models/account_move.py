from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    property_billing_run_id = fields.Many2one(
        comodel_name="property.billing.run",
        string="Billing Run",
        index="btree_not_null",
        readonly=True,
        copy=False,
        ondelete="restrict",
    )
    property_community_id = fields.Many2one(
        comodel_name="property.community",
        string="Community",
        index="btree_not_null",
        readonly=True,
        copy=False,
    )
    property_charge_ids = fields.One2many(
        comodel_name="property.billing.charge",
        inverse_name="move_id",
        string="Property Charges",
        readonly=True,
    )

    @api.ondelete(at_uninstall=False)
    def _unlink_release_property_charges(self):
        # A deleted invoice no longer bills its charges, so the units can be
        # billed again for those periods.
        charges = self.property_charge_ids
        if charges:
            charges.write(
                {"move_id": False, "move_line_id": False, "was_invoiced": True}
            )
