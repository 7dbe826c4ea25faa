from odoo import fields, models, tools
from odoo.tools import SQL

SHARED_COST_CHARGE_INDEX = "property_billing_charge_shared_cost_live_uniq"


class PropertyBillingCharge(models.Model):
    """Shared-cost charges: one unit's part of a property.shared.cost."""

    # Each charge source extends this model in its own file, one feature
    # per file, rather than in one file for every feature.
    _inherit = "property.billing.charge"  # pylint: disable=consider-merging-classes-inherited

    shared_cost_id = fields.Many2one(
        comodel_name="property.shared.cost",
        string="Shared Cost",
        index="btree_not_null",
        readonly=True,
        ondelete="restrict",
        help="Shared cost this charge bills a part of. Such a charge is unique "
        "per unit and shared cost rather than per fee item and period.",
    )

    def init(self):
        result = super().init()
        # A partial unique index, like the live-charge index of other charges,
        # so that a cancelled part can be billed again.
        if not tools.index_exists(self.env.cr, SHARED_COST_CHARGE_INDEX):
            self.env.cr.execute(
                SQL(
                    """
                    CREATE UNIQUE INDEX %s
                        ON property_billing_charge (unit_id, shared_cost_id)
                     WHERE state = 'invoiced' AND shared_cost_id IS NOT NULL
                    """,
                    SQL.identifier(SHARED_COST_CHARGE_INDEX),
                )
            )
        return result
