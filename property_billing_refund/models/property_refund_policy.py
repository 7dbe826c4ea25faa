from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools import SQL

DEFAULT_POLICY_INDEX = "property_refund_policy_default_uniq"


class PropertyRefundPolicy(models.Model):
    """Refund rules of one fee item, or the default rules of a community.

    A policy without a fee item is the community's default, and a policy for
    a fee item takes precedence over it.
    """

    _name = "property.refund.policy"
    _description = "Property Refund Policy"
    _inherit = ["mail.thread"]
    _order = "community_id, fee_item_id, id"
    _check_company_auto = True

    community_id = fields.Many2one(
        comodel_name="property.community",
        required=True,
        index=True,
        check_company=True,
        ondelete="cascade",
        tracking=True,
    )
    fee_item_id = fields.Many2one(
        comodel_name="property.fee.item",
        check_company=True,
        ondelete="cascade",
        tracking=True,
        help="Leave empty for the community's default policy.",
    )
    company_id = fields.Many2one(
        related="community_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    active = fields.Boolean(default=True)
    refundable = fields.Boolean(
        default=True,
        tracking=True,
        help="When cleared, no refund request can be submitted for this fee.",
    )
    window_days = fields.Integer(
        string="Refund Window (Days)",
        default=30,
        tracking=True,
        help="Days after the last payment of a bill during which a refund can be "
        "requested. 0 means no limit.",
    )
    proposal_method = fields.Selection(
        selection=[
            ("months", "Unused Whole Months"),
            ("days", "Unused Days"),
            ("manual", "Set by Staff"),
        ],
        required=True,
        default="months",
        tracking=True,
        help="How the proposed amount is computed from the price actually paid: "
        "by the whole calendar months or the days of the billed period after the "
        "service ended, or entered by staff.",
    )
    handling_fee_type = fields.Selection(
        selection=[("fixed", "Fixed Amount"), ("percent", "Percentage")],
        required=True,
        default="fixed",
        tracking=True,
    )
    handling_fee = fields.Float(
        digits=(16, 2),
        tracking=True,
        help="Kept on every refund: an amount in the company currency, or a "
        "percentage of the prorated amount.",
    )
    manager_threshold = fields.Monetary(
        string="Manager Approval Above",
        tracking=True,
        help="Refunds above this amount need a billing manager's approval. "
        "0 means every refund needs one.",
    )
    deadline_days = fields.Integer(
        string="Decision Deadline (Working Days)",
        default=5,
        tracking=True,
        help="Working days, in the company's working schedule, within which a "
        "submitted request must be approved or rejected.",
    )

    _sql_constraints = [
        (
            "community_fee_item_uniq",
            "unique (community_id, fee_item_id)",
            "A community has one refund policy per fee item.",
        ),
    ]

    def init(self):
        # UNIQUE treats NULLs as distinct before PostgreSQL 15, so the one
        # default policy per community needs its own partial index.
        if not tools.index_exists(self.env.cr, DEFAULT_POLICY_INDEX):
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX %s ON property_refund_policy (community_id) "
                    "WHERE fee_item_id IS NULL",
                    SQL.identifier(DEFAULT_POLICY_INDEX),
                )
            )

    @api.depends("community_id", "fee_item_id")
    def _compute_display_name(self):
        for policy in self:
            policy.display_name = _(
                "%(community)s: %(fee)s",
                community=policy.community_id.name or "",
                fee=policy.fee_item_id.name or _("default"),
            )

    @api.constrains(
        "window_days",
        "deadline_days",
        "handling_fee",
        "handling_fee_type",
        "manager_threshold",
    )
    def _check_values(self):
        for policy in self:
            if policy.window_days < 0 or policy.deadline_days < 0:
                raise ValidationError(
                    _(
                        "Refund policy %(policy)s has a negative number of days: "
                        "enter 0 or more for the window and the deadline.",
                        policy=policy.display_name,
                    )
                )
            if policy.handling_fee < 0 or policy.manager_threshold < 0:
                raise ValidationError(
                    _(
                        "Refund policy %(policy)s has a negative handling fee or "
                        "approval threshold: enter 0 or a positive value.",
                        policy=policy.display_name,
                    )
                )
            if policy.handling_fee_type == "percent" and policy.handling_fee > 100:
                raise ValidationError(
                    _(
                        "The handling fee of refund policy %(policy)s is "
                        "%(fee)s%%: enter a percentage between 0 and 100.",
                        policy=policy.display_name,
                        fee=policy.handling_fee,
                    )
                )

    @api.model
    def _get_policy(self, community, fee_items):
        """Return the policy that applies to ``fee_items`` of ``community``.

        A fee item's own policy wins over the community default. When the fee
        items have different policies, the strictest is not guessed: the first
        fee item's policy applies, so staff should request one fee at a time.

        :param community: a property.community record
        :param fee_items: property.fee.item records, may be empty
        :return: a property.refund.policy record, empty when none applies
        """
        policies = self.search([("community_id", "=", community.id)])
        by_fee_item = {policy.fee_item_id: policy for policy in policies}
        for fee_item in fee_items:
            if fee_item in by_fee_item:
                return by_fee_item[fee_item]
        return policies.filtered(lambda policy: not policy.fee_item_id)[:1]
