from odoo import _, api, fields, models
from odoo.exceptions import UserError

# Context key under which a billing run posts its invoices, and the key of the
# transaction-scoped cache of sequence formats it enables.
BATCH_SEQUENCE_CONTEXT = "property_billing_batch_sequence"
SEQUENCE_FORMAT_CACHE = "property_billing.sequence_formats"


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
    property_no_advance = fields.Boolean(
        string="Not an Advance Payment",
        readonly=True,
        copy=False,
        help="The open credit of this entry is money owed back to the partner, "
        "such as a refund waiting to be paid: it is never applied to his bills "
        "or shown as paid in advance.",
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

    # ------------------------------------------------------------
    # SEQUENCE
    # ------------------------------------------------------------

    def _get_next_sequence_format(self):
        """Reuse the sequence format found for the previous invoice of the batch.

        Odoo looks up the journal's last number (a search and a query) for
        every invoice it posts, only to learn the format of the next one. Once
        the first invoice has locked the sequence, the numbers come from the
        transaction's sequence cache (see ``_locked_increment``). A billing
        run's batch posts invoices of one journal and one date, so the format
        found for its first invoice serves the others. When Odoo's sequence
        cache was cleared meanwhile, ``_locked_increment`` starts again from
        the cached number and skips the numbers already taken.
        """
        if not self.env.context.get(BATCH_SEQUENCE_CONTEXT):
            return super()._get_next_sequence_format()
        formats = self.env.cr.precommit.data.setdefault(SEQUENCE_FORMAT_CACHE, {})
        key = (
            self.journal_id.id,
            self.date,
            self.move_type,
            bool(self.origin_payment_id),
        )
        if key not in formats:
            formats[key] = super()._get_next_sequence_format()
        format_string, format_values = formats[key]
        return format_string, dict(format_values)

    @api.model
    def _clear_batch_sequence_caches(self):
        """Forget the sequence numbers given out since the last savepoint.

        After a rollback to a savepoint, the numbers the transaction's caches
        hold belong to invoices that no longer exist: starting again from the
        journal's last number avoids a gap in the numbering.
        """
        self._get_sequence_cache().clear()
        self.env.cr.precommit.data.pop(SEQUENCE_FORMAT_CACHE, None)
