import logging
from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import late_fees, periods

_logger = logging.getLogger(__name__)


class PropertyLateFeePolicy(models.Model):
    """Late-fee (滞纳金) rules of one community.

    The base of a bill is the part of its total that comes from the charges of
    the policy's fee items. Payments on the bill are attributed to that part
    pro rata to the bill's total.
    """

    _name = "property.late.fee.policy"
    _description = "Property Late Fee Policy"
    _inherit = ["mail.thread"]
    _order = "community_id, id"
    _check_company_auto = True

    community_id = fields.Many2one(
        comodel_name="property.community",
        required=True,
        index=True,
        tracking=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    active = fields.Boolean(default=True, tracking=True)
    daily_rate = fields.Float(
        string="Daily Rate (%)",
        digits=(16, 4),
        required=True,
        default=0.05,
        tracking=True,
        help="Percentage of the unpaid base charged per day, such as 0.05 for "
        "0.05 % a day.",
    )
    grace_days = fields.Integer(
        default=0,
        tracking=True,
        help="Days after the due date that accrue nothing. The fee starts the "
        "day after them and does not charge them afterwards.",
    )
    fee_item_ids = fields.Many2many(
        comodel_name="property.fee.item",
        string="Fee Items",
        required=True,
        check_company=True,
        help="Fee items whose charges make up the base late fees accrue on.",
    )
    cap_percent = fields.Float(
        string="Cap (%)",
        digits=(16, 2),
        default=100.0,
        required=True,
        tracking=True,
        help="Maximum late fee of a bill, as a percentage of the base unpaid on "
        "the first day that accrues.",
    )
    billing_mode = fields.Selection(
        selection=[
            ("monthly", "Own Invoice Every Month"),
            ("next_bill", "With the Next Bill"),
        ],
        required=True,
        default="next_bill",
        tracking=True,
        help="Own invoice every month: on the first days of each month, a billing "
        "run bills the late fees accrued up to the end of the previous month. "
        "With the next bill: every billing run of the community adds the late "
        "fees accrued up to its invoice date to the owner's bill.",
    )
    late_fee_item_id = fields.Many2one(
        comodel_name="property.fee.item",
        string="Late Fee Item",
        required=True,
        check_company=True,
        ondelete="restrict",
        help="Fee item of the late-fee invoice lines. Keep it for late fees only: "
        "it must not be one of the base fee items or be applied to units.",
    )

    _sql_constraints = [
        (
            "community_uniq",
            "unique(community_id)",
            "A community has at most one late fee policy.",
        ),
    ]

    @api.depends("community_id")
    def _compute_display_name(self):
        for policy in self:
            policy.display_name = _(
                "Late fees of %(community)s", community=policy.community_id.name
            )

    @api.onchange("community_id")
    def _onchange_community_id(self):
        if self.community_id:
            self.company_id = self.community_id.company_id

    @api.constrains("daily_rate", "grace_days", "cap_percent")
    def _check_amounts(self):
        for policy in self:
            if policy.daily_rate <= 0 or policy.daily_rate > 10:
                raise ValidationError(
                    _(
                        "The daily rate of %(policy)s is %(rate)s %%: enter a "
                        "percentage per day above 0 and at most 10, such as 0.05.",
                        policy=policy.display_name,
                        rate=policy.daily_rate,
                    )
                )
            if policy.grace_days < 0:
                raise ValidationError(
                    _(
                        "The grace days of %(policy)s are negative (%(days)s): "
                        "enter 0 or more days.",
                        policy=policy.display_name,
                        days=policy.grace_days,
                    )
                )
            if policy.cap_percent <= 0:
                raise ValidationError(
                    _(
                        "The cap of %(policy)s is %(cap)s %%: enter a percentage "
                        "above 0, such as 100.",
                        policy=policy.display_name,
                        cap=policy.cap_percent,
                    )
                )

    @api.constrains("late_fee_item_id", "fee_item_ids")
    def _check_late_fee_item(self):
        for policy in self:
            if policy.late_fee_item_id in policy.fee_item_ids:
                raise ValidationError(
                    _(
                        "Fee item %(fee)s is both the late fee item and a base fee "
                        "item of %(policy)s, so late fees would accrue late fees: "
                        "remove it from the base fee items.",
                        fee=policy.late_fee_item_id.display_name,
                        policy=policy.display_name,
                    )
                )

    @api.constrains("community_id", "company_id")
    def _check_community_company(self):
        for policy in self:
            if policy.community_id.company_id != policy.company_id:
                raise ValidationError(
                    _(
                        "Community %(community)s belongs to company %(company)s: "
                        "set that company on its late fee policy.",
                        community=policy.community_id.display_name,
                        company=policy.community_id.company_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("community_id") and not vals.get("company_id"):
                community = self.env["property.community"].browse(vals["community_id"])
                vals["company_id"] = community.company_id.id
        return super().create(vals_list)

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_today(self):
        """Return today's date in the community's time zone."""
        self.ensure_one()
        return fields.Date.context_today(self.with_context(tz=self.community_id.tz))

    def _get_daily_rate(self):
        self.ensure_one()
        return late_fees.percent_to_rate(self.daily_rate)

    def _get_cap_rate(self):
        self.ensure_one()
        return late_fees.percent_to_rate(self.cap_percent)

    def _get_first_day(self, move):
        self.ensure_one()
        return late_fees.first_accrual_day(move.invoice_date_due, self.grace_days)

    def _bill_monthly_late_fees(self):
        """Bill last month's late fees of monthly policies, once per month.

        Each bill is a billing run restricted to the late fee item, so the run
        invoices, records errors and skips charges already billed as any run
        does. A month that already has such a run is not billed again.
        """
        for policy in self.filtered(lambda p: p.billing_mode == "monthly"):
            policy = policy.with_company(policy.company_id)
            Run = policy.env["property.billing.run"]
            today = policy._get_today()
            month_end = periods.month_start(today) - timedelta(days=1)
            month_start = periods.month_start(month_end)
            exists = Run.search_count(
                [
                    ("community_id", "=", policy.community_id.id),
                    ("period_start", "=", month_start),
                    ("fee_item_ids", "in", policy.late_fee_item_id.ids),
                    ("state", "!=", "failed"),
                ],
                limit=1,
            )
            if exists:
                continue
            run = Run.create(
                {
                    "community_id": policy.community_id.id,
                    "fee_item_ids": [Command.set(policy.late_fee_item_id.ids)],
                    "period_start": month_start,
                    "period_end": month_end,
                    "invoice_date": today,
                }
            )
            run.action_generate()
            _logger.info(
                "late fees: billing run %s bills community %s for %s",
                run.id,
                policy.community_id.id,
                month_start,
            )
