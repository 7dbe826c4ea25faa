from odoo import _, api, fields, models
from odoo.exceptions import UserError


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

    def button_draft(self):
        self._check_property_charges_rebilled()
        return super().button_draft()

    def _check_property_charges_rebilled(self):
        """Reject reopening a cancelled bill whose charges were billed again."""
        cancelled = self.filtered(
            lambda move: move.state == "cancel"
        ).property_charge_ids
        if not cancelled:
            return
        rebilled = self.env["property.billing.charge"].search(
            [
                ("state", "=", "invoiced"),
                ("unit_id", "in", cancelled.unit_id.ids),
                ("fee_item_id", "in", cancelled.fee_item_id.ids),
                ("period_start", "in", cancelled.mapped("period_start")),
            ]
        )
        keys = {(c.unit_id, c.fee_item_id, c.period_start) for c in cancelled}
        for charge in rebilled:
            if (charge.unit_id, charge.fee_item_id, charge.period_start) in keys:
                raise UserError(
                    _(
                        "Unit %(unit)s was billed again for %(fee)s from %(start)s "
                        "on invoice %(invoice)s, so this cancelled bill cannot be "
                        "reset to draft: cancel %(invoice)s first, or leave this "
                        "bill cancelled.",
                        unit=charge.unit_id.display_name,
                        fee=charge.fee_item_id.name,
                        start=charge.period_start,
                        invoice=charge.move_id.name,
                    )
                )
