from collections import defaultdict

from odoo import fields, models

# Context key of the dictionary that collects customer rank increases.
RANK_INCREASES_CONTEXT = "property_billing_rank_increases"


class ResPartner(models.Model):
    _inherit = "res.partner"

    property_owned_unit_ids = fields.One2many(
        comodel_name="property.unit",
        inverse_name="owner_id",
        string="Owned Units",
    )
    property_billed_unit_ids = fields.One2many(
        comodel_name="property.unit",
        inverse_name="billing_partner_id",
        string="Units Billed",
    )

    def _increase_rank(self, field, n=1):
        """Collect the rank increases of a billing run's posting, when requested.

        Posting increases each invoice partner's customer rank with its own
        query. A billing run passes a dictionary under the context key
        ``RANK_INCREASES_CONTEXT`` and applies the collected increases in
        one query per field and amount (see ``_apply_rank_increases``).
        """
        increases = self.env.context.get(RANK_INCREASES_CONTEXT)
        if increases is None:
            return super()._increase_rank(field, n=n)
        for partner_id in self.ids:
            increases[field, partner_id] += n
        return None

    def _apply_rank_increases(self, increases):
        """Apply the rank increases collected by ``_increase_rank``."""
        by_amount = defaultdict(list)
        for (field, partner_id), amount in increases.items():
            by_amount[field, amount].append(partner_id)
        for (field, amount), partner_ids in by_amount.items():
            partners = self.browse(partner_ids)
            super(ResPartner, partners)._increase_rank(field, n=amount)
        return None
