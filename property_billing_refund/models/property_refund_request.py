import logging
from datetime import datetime, time, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_round

from ..tools import proration

_logger = logging.getLogger(__name__)

# States whose amount is taken from the bill: the request waits for its
# decision, or its credit note exists, so another request cannot claim the
# same money.
RESERVING_STATES = ("submitted", "approved", "refunding", "done", "failed")
OPEN_STATES = ("submitted", "approved", "refunding", "failed")
CLOSED_STATES = ("done", "rejected", "cancelled")
# Every state but draft is announced to the owner through the community's
# refund notification rule.
NOTIFIED_STATES = (
    "submitted",
    "approved",
    "refunding",
    "done",
    "rejected",
    "cancelled",
    "failed",
)
STATES = [
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("approved", "Approved"),
    ("refunding", "Refunding"),
    ("done", "Refunded"),
    ("rejected", "Rejected"),
    ("cancelled", "Cancelled"),
    ("failed", "Failed"),
]
# Fields an owner may give when he creates a request on the portal or by RPC.
OWNER_FIELDS = {
    "move_id",
    "line_ids",
    "reason",
    "description",
    "service_end_date",
    "amount",
}


class PropertyRefundRequest(models.Model):
    """A request to give back part of what an owner paid for one bill."""

    _name = "property.refund.request"
    _description = "Property Refund Request"
    _inherit = ["mail.thread", "mail.activity.mixin", "portal.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/"
    )
    state = fields.Selection(
        selection=STATES,
        required=True,
        default="draft",
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Bill",
        required=True,
        index=True,
        check_company=True,
        ondelete="restrict",
        tracking=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "'|', ('property_community_id', '!=', False), "
        "('property_package_subscription_ids', '!=', False)]",
    )
    package_subscription_id = fields.Many2one(
        comodel_name="property.package.subscription",
        string="Package",
        compute="_compute_package_subscription_id",
        store=True,
        index="btree_not_null",
        help="The prepaid package the bill sold. When the refund is done, the "
        "package ends on the service end date and billing runs bill its fee "
        "items again from the next day.",
    )
    company_id = fields.Many2one(
        related="move_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        related="move_id.commercial_partner_id",
        string="Owner",
        store=True,
        index=True,
        precompute=True,
    )
    community_id = fields.Many2one(
        comodel_name="property.community",
        compute="_compute_community_id",
        store=True,
        index=True,
        help="The bill's community, or the unit's community for a package invoice.",
    )
    line_ids = fields.Many2many(
        comodel_name="account.move.line",
        string="Bill Lines",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('move_id', '=', move_id), ('display_type', '=', 'product')]",
        help="Lines of the bill to refund; all of them when left empty.",
    )
    fee_item_ids = fields.Many2many(
        comodel_name="property.fee.item",
        string="Fee Items",
        compute="_compute_fee_item_ids",
        store=True,
    )
    policy_id = fields.Many2one(
        comodel_name="property.refund.policy",
        string="Refund Policy",
        compute="_compute_policy_id",
        store=True,
    )
    reason = fields.Selection(
        selection=[
            ("not_delivered", "Service Not Delivered"),
            ("ended_early", "Service Ended Early"),
            ("duplicate", "Paid Twice"),
            ("other", "Other"),
        ],
        required=True,
        default="ended_early",
        tracking=True,
    )
    description = fields.Text()
    service_end_date = fields.Date(
        string="Service Used Until",
        tracking=True,
        help="Last day the service was used. The proposed amount is the paid "
        "price of the unused months or days after it.",
    )

    # Amounts, all in the company currency and tax included.
    amount_paid = fields.Monetary(string="Paid", compute="_compute_amounts")
    amount_reserved = fields.Monetary(
        string="Reserved by Other Requests",
        compute="_compute_amounts",
        help="Submitted, approved, refunding, failed and refunded requests of "
        "the same bill.",
    )
    amount_refundable = fields.Monetary(
        string="Maximum Refundable",
        compute="_compute_amounts",
        help="Paid less what other requests refunded or are refunding.",
    )
    amount_proposed = fields.Monetary(
        string="Proposed",
        compute="_compute_amount_proposed",
        help="What the policy proposes from the price actually paid for the "
        "selected lines, discounts included, less the handling fee.",
    )
    amount_handling_fee = fields.Monetary(
        string="Handling Fee", compute="_compute_amount_proposed"
    )
    amount = fields.Monetary(
        string="Amount to Refund",
        tracking=True,
        help="Left at 0, the proposed amount is used when the request is submitted.",
    )

    # Window and its override.
    last_payment_date = fields.Date(compute="_compute_window")
    window_end_date = fields.Date(
        string="Window Closes On",
        compute="_compute_window",
        help="Last day on which a refund of this bill can be requested.",
    )
    window_override = fields.Boolean(readonly=True, copy=False, tracking=True)
    window_override_user_id = fields.Many2one(
        comodel_name="res.users", readonly=True, copy=False
    )

    # Deadline and decision.
    date_submitted = fields.Datetime(readonly=True, copy=False)
    date_deadline = fields.Date(
        string="Decision Deadline",
        readonly=True,
        copy=False,
        index=True,
        help="Last day to approve or reject, counted in working days of the "
        "company's working schedule from the day after submission.",
    )
    date_decided = fields.Datetime(readonly=True, copy=False)
    decided_late = fields.Boolean(readonly=True, copy=False, index=True)
    decided_by_id = fields.Many2one(comodel_name="res.users", readonly=True, copy=False)
    decision_note = fields.Text(
        tracking=True, help="Required to reject: the reason given to the owner."
    )
    is_late = fields.Boolean(
        string="Past Deadline", compute="_compute_is_late", search="_search_is_late"
    )
    late_fee_hold_id = fields.Many2one(
        comodel_name="property.late.fee.hold", readonly=True, copy=False
    )

    # Money back.
    credit_note_id = fields.Many2one(
        comodel_name="account.move", readonly=True, copy=False
    )
    transaction_id = fields.Many2one(
        comodel_name="payment.transaction",
        string="Refund Transaction",
        readonly=True,
        copy=False,
    )
    payment_id = fields.Many2one(
        comodel_name="account.payment",
        string="Refund Payment",
        readonly=True,
        copy=False,
    )
    refund_method = fields.Selection(
        selection=[("provider", "Payment Provider"), ("transfer", "Bank Transfer")],
        readonly=True,
        copy=False,
    )
    failure_reason = fields.Text(readonly=True, copy=False)
    date_refunded = fields.Date(readonly=True, copy=False)

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("move_id")
    def _compute_package_subscription_id(self):
        for request in self:
            request.package_subscription_id = (
                request.move_id.sudo().property_package_subscription_ids[:1]
            )

    @api.depends("move_id", "package_subscription_id")
    def _compute_community_id(self):
        for request in self:
            move = request.move_id.sudo()
            request.community_id = (
                move._get_property_notification_community() if move else False
            )

    @api.depends("move_id")
    def _compute_line_ids(self):
        for request in self:
            request.line_ids = request.move_id.invoice_line_ids.filtered(
                lambda line: line.display_type == "product"
            )

    @api.depends("line_ids", "move_id")
    def _compute_fee_item_ids(self):
        FeeItem = self.env["property.fee.item"].sudo()
        for request in self:
            lines = request._get_refund_lines()
            fee_items = lines.property_charge_id.sudo().fee_item_id
            products = lines.filtered(
                lambda line: not line.property_charge_id
            ).product_id
            if products:
                fee_items |= FeeItem.search(
                    [
                        ("product_id", "in", products.ids),
                        ("company_id", "=", request.company_id.id),
                    ]
                )
            request.fee_item_ids = fee_items

    @api.depends("community_id", "fee_item_ids")
    def _compute_policy_id(self):
        Policy = self.env["property.refund.policy"].sudo()
        for request in self:
            request.policy_id = (
                Policy._get_policy(request.community_id, request.fee_item_ids)
                if request.community_id
                else False
            )

    @api.depends(
        "move_id.amount_total",
        "move_id.amount_residual",
        "move_id.property_refund_request_ids.state",
        "move_id.property_refund_request_ids.amount",
    )
    def _compute_amounts(self):
        for request in self:
            move = request.move_id.sudo()
            paid = request._get_bill_paid_amount()
            others = move.property_refund_request_ids.filtered(
                lambda other, request=request: (
                    other.state in RESERVING_STATES and other != request
                )
            )
            reserved = request.currency_id.round(sum(others.mapped("amount")))
            request.amount_paid = paid
            request.amount_reserved = reserved
            request.amount_refundable = max(
                request.currency_id.round(paid - reserved), 0.0
            )

    @api.depends("line_ids", "service_end_date", "policy_id", "move_id.amount_residual")
    def _compute_amount_proposed(self):
        for request in self:
            proposed, fee = request._get_proposal()
            request.amount_proposed = proposed
            request.amount_handling_fee = fee

    @api.depends("move_id.amount_residual", "policy_id.window_days")
    def _compute_window(self):
        for request in self:
            last = request._get_last_payment_date()
            request.last_payment_date = last
            days = request.policy_id.window_days
            request.window_end_date = (
                last + timedelta(days=days) if last and days else False
            )

    def _compute_is_late(self):
        for request in self:
            request.is_late = bool(
                request.state == "submitted"
                and request.date_deadline
                and request.date_deadline < request._get_today()
            )

    def _search_is_late(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(
                _(
                    "Past Deadline can only be searched with = or != and True "
                    "or False, not with %(operator)s %(value)s.",
                    operator=operator,
                    value=value,
                )
            )
        today = fields.Date.context_today(self)
        domain = [("state", "=", "submitted"), ("date_deadline", "<", today)]
        if (operator == "=") == value:
            return domain
        return ["!", "&", *domain]

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self._is_staff():
            for vals in vals_list:
                extra = set(vals) - OWNER_FIELDS
                if extra:
                    raise AccessError(
                        _(
                            "An owner cannot set %(fields)s on a refund request: "
                            "give only the bill, its lines, the reason, the "
                            "description, the service end date and the amount.",
                            fields=", ".join(sorted(extra)),
                        )
                    )
        # The portal numbers a request only once it is submitted, so that a
        # refused attempt, rolled back, uses no number of the sequence. Until
        # then it keeps the placeholder name "/".
        if not self.env.context.get("property_refund_name_later"):
            for vals in vals_list:
                if vals.get("name", "/") == "/":
                    vals["name"] = self._get_next_name()
        requests = super().create(vals_list)
        requests._check_bill()
        return requests

    def write(self, vals):
        if "state" not in vals:
            return super().write(vals)
        before = {request.id: request.state for request in self}
        result = super().write(vals)
        changed = self.filtered(lambda request: before[request.id] != request.state)
        self.env["property.notification"]._queue_refund_updates(changed)
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        for request in self:
            if request.state not in ("draft", "cancelled"):
                raise UserError(
                    _(
                        "Refund request %(request)s is %(state)s and cannot be "
                        "deleted: cancel or reject it instead.",
                        request=request.name,
                        state=request._get_state_label(),
                    )
                )

    def _compute_access_url(self):
        super()._compute_access_url()
        for request in self:
            request.access_url = f"/my/refunds/{request.id}"
        return None

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains("move_id", "line_ids")
    def _check_bill(self):
        for request in self:
            move = request.move_id
            if move.move_type != "out_invoice" or move.state != "posted":
                raise ValidationError(
                    _(
                        "Refund request %(request)s must be for a posted customer "
                        "invoice; %(bill)s is not one.",
                        request=request.name,
                        bill=move.display_name,
                    )
                )
            foreign = request.line_ids.filtered(
                lambda line, move=move: line.move_id != move
            )
            if foreign:
                raise ValidationError(
                    _(
                        "Refund request %(request)s lists lines of another bill "
                        "(%(other)s): choose lines of %(bill)s only.",
                        request=request.name,
                        other=foreign[0].move_id.name,
                        bill=move.name,
                    )
                )

    @api.constrains("amount")
    def _check_amount(self):
        for request in self:
            if request.currency_id.compare_amounts(request.amount, 0.0) >= 0:
                continue
            if not request._is_numbered():
                raise ValidationError(
                    _(
                        "The amount to refund is negative (%(amount)s): enter "
                        "a positive amount, or leave it empty for the amount "
                        "our refund policy proposes.",
                        amount=request._format(request.amount),
                    )
                )
            raise ValidationError(
                _(
                    "The amount of refund request %(request)s is negative "
                    "(%(amount)s): enter a positive amount.",
                    request=request.name,
                    amount=request._format(request.amount),
                )
            )

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _get_next_name(self):
        return (
            self.env["ir.sequence"].sudo().next_by_code("property.refund.request")
            or "/"
        )

    def _is_numbered(self):
        """Tell whether the request has its number from the sequence.

        A request that an owner creates on the portal keeps the placeholder
        name "/" until it passes its checks, so the errors it raises until
        then are worded for the owner and do not name it.
        """
        self.ensure_one()
        return self.name != "/"

    def _is_staff(self):
        return self.env.su or self.env.user.has_group(
            "property_billing.property_billing_group_user"
        )

    def _get_state_label(self):
        self.ensure_one()
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    def _get_refund_lines(self):
        self.ensure_one()
        return self.line_ids or self.move_id.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )

    def _get_bill_paid_amount(self):
        """Return the part of the bill settled by payments, in company currency.

        Credit notes reconciled with the bill, such as the credit notes of
        earlier refunds, are not counted: they are not money the owner paid.
        """
        self.ensure_one()
        move = self.move_id.sudo()
        if not move.id:
            return 0.0
        return move._get_property_paid_amounts().get(move.id, 0.0)

    def _get_last_payment_date(self):
        self.ensure_one()
        move = self.move_id.sudo()
        if not move.id:
            return False
        self.env.cr.execute(
            """
            SELECT MAX(partial.max_date)
              FROM account_partial_reconcile partial
              JOIN account_move_line line ON line.id = partial.debit_move_id
             WHERE line.move_id = %s
               AND line.display_type = 'payment_term'
            """,
            [move.id],
        )
        return self.env.cr.fetchone()[0]

    def _get_line_paid_amounts(self):
        """Split the bill's paid amount over the refunded lines.

        Each line of the bill gets its share of the paid amount in proportion
        to its price after discount, tax included, so a 10% discount is never
        refunded. The shares are rounded so that they add up to the paid
        amount exactly.

        :return: {account.move.line: paid amount} of the refunded lines
        :rtype: dict
        """
        self.ensure_one()
        move = self.move_id.sudo()
        if not move.amount_total:
            return {}
        bill_lines = move.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )
        shares = proration.allocate(
            self._get_bill_paid_amount(),
            bill_lines.mapped("price_total"),
            self.currency_id.rounding,
        )
        paid = dict(zip(bill_lines, shares, strict=True))
        return {
            line: float(paid.get(line, 0.0)) for line in self._get_refund_lines().sudo()
        }

    def _get_line_period(self, line):
        """Return the (start, end) service period a bill line paid for."""
        charge = line.sudo().property_charge_id
        if charge:
            return charge.period_start, charge.period_end
        # Deferred revenue dates exist only where an accounting addon adds
        # them (Odoo Enterprise's); the community account addon has none.
        if "deferred_start_date" in line._fields and (
            line.deferred_start_date and line.deferred_end_date
        ):
            return line.deferred_start_date, line.deferred_end_date
        subscription = self.package_subscription_id.sudo()
        if subscription and line.move_id == subscription.move_id:
            # Every line of a package invoice pays for the package's whole
            # period, as sold, even after the package was ended early.
            return subscription.date_start, subscription._get_planned_end()
        return None, None

    def _get_proposal(self):
        """Compute the proposed amount and the handling fee kept on it.

        :return: (proposed amount, handling fee)
        :rtype: tuple
        """
        self.ensure_one()
        policy = self.policy_id
        if not policy or not policy.refundable or not self.move_id:
            return 0.0, 0.0
        step = self.currency_id.rounding
        method = policy.proposal_method
        if method == "manual":
            gross = sum(self._get_line_paid_amounts().values())
        elif not self.service_end_date:
            return 0.0, 0.0
        else:
            gross = 0.0
            for line, paid in self._get_line_paid_amounts().items():
                start, end = self._get_line_period(line)
                if not start:
                    continue
                share = proration.unused_share(
                    method, start, end, self.service_end_date
                )
                gross += float(proration.prorate(paid, share, step))
        gross = self.currency_id.round(gross)
        if self.currency_id.is_zero(gross):
            return 0.0, 0.0
        fee = float(
            proration.handling_fee(
                gross, policy.handling_fee_type, policy.handling_fee, step
            )
        )
        return self.currency_id.round(gross - fee), self.currency_id.round(fee)

    def _get_today(self):
        tz = self.community_id.tz or self.env.context.get("tz")
        return fields.Date.context_today(self.with_context(tz=tz))

    def _compute_deadline(self, day):
        """Return the day by which a request submitted on ``day`` is decided.

        Working days are counted from the day after ``day`` in the company's
        working schedule, or as calendar days when the company has none.

        :param date day: submission day in the community's time zone
        :rtype: date
        """
        self.ensure_one()
        days = self.policy_id.deadline_days
        if not days:
            return day
        calendar = self.company_id.resource_calendar_id
        if calendar:
            next_day = datetime.combine(day + timedelta(days=1), time.min)
            deadline = calendar.plan_days(days, next_day)
            if deadline:
                return deadline.date()
        return day + timedelta(days=days)

    def _post_state_message(self, body):
        # Written as a system note so that it shows in the chatter even where
        # mail tracking is disabled, with the user who acted as author.
        for request in self:
            request.sudo().message_post(
                body=body,
                author_id=self.env.user.partner_id.id,
                subtype_xmlid="mail.mt_note",
            )

    def _check_within_limits(self, amount):
        """Raise unless ``amount`` fits in what can still be refunded."""
        self.ensure_one()
        for_owner = not self._is_numbered()
        if self.currency_id.compare_amounts(amount, 0.0) <= 0:
            if for_owner:
                raise UserError(
                    _(
                        "There is no amount to refund: enter the amount, or "
                        "the last day you used the service so that our "
                        "refund policy proposes an amount."
                    )
                )
            raise UserError(
                _(
                    "Refund request %(request)s has no amount to refund: enter "
                    "the amount, or the service end date so that the policy "
                    "proposes one.",
                    request=self.name,
                )
            )
        if self.currency_id.compare_amounts(amount, self.amount_refundable) > 0:
            if for_owner:
                raise UserError(
                    _(
                        "You asked for %(amount)s but at most %(maximum)s can "
                        "still be refunded on bill %(bill)s (paid %(paid)s, "
                        "already refunded or requested %(reserved)s): lower "
                        "the amount.",
                        amount=self._format(amount),
                        maximum=self._format(self.amount_refundable),
                        bill=self.move_id.name,
                        paid=self._format(self.amount_paid),
                        reserved=self._format(self.amount_reserved),
                    )
                )
            raise UserError(
                _(
                    "Refund request %(request)s asks for %(amount)s but at most "
                    "%(maximum)s can still be refunded on bill %(bill)s (paid "
                    "%(paid)s, reserved by other requests %(reserved)s).",
                    request=self.name,
                    amount=self._format(amount),
                    maximum=self._format(self.amount_refundable),
                    bill=self.move_id.name,
                    paid=self._format(self.amount_paid),
                    reserved=self._format(self.amount_reserved),
                )
            )
        lines_paid = self.currency_id.round(sum(self._get_line_paid_amounts().values()))
        if self.currency_id.compare_amounts(amount, lines_paid) > 0:
            if for_owner:
                raise UserError(
                    _(
                        "You asked for %(amount)s but the lines you ticked "
                        "were paid %(paid)s: tick more lines of bill "
                        "%(bill)s, or lower the amount.",
                        amount=self._format(amount),
                        paid=self._format(lines_paid),
                        bill=self.move_id.name,
                    )
                )
            raise UserError(
                _(
                    "Refund request %(request)s asks for %(amount)s but its "
                    "lines were paid %(paid)s: choose more lines of bill "
                    "%(bill)s, or lower the amount.",
                    request=self.name,
                    amount=self._format(amount),
                    paid=self._format(lines_paid),
                    bill=self.move_id.name,
                )
            )

    def _format(self, amount):
        """Format ``amount`` with thousands separators, as 1,200.00."""
        rounded = float_round(amount, precision_rounding=self.currency_id.rounding)
        return f"{rounded:,.{self.currency_id.decimal_places}f}"

    def _check_policy_allows(self):
        self.ensure_one()
        policy = self.policy_id
        for_owner = not self._is_numbered()
        if not policy and for_owner:
            raise UserError(
                _(
                    "%(fees)s on bill %(bill)s cannot be refunded online: "
                    "contact the property office.",
                    fees=", ".join(self.fee_item_ids.mapped("name")) or _("The fees"),
                    bill=self.move_id.name,
                )
            )
        if not policy:
            raise UserError(
                _(
                    "Community %(community)s has no refund policy for %(fees)s: "
                    "a billing manager must create one (Property Billing > "
                    "Configuration > Refund Policies).",
                    community=self.community_id.display_name,
                    fees=", ".join(self.fee_item_ids.mapped("name")) or _("this bill"),
                )
            )
        if not policy.refundable:
            raise UserError(
                _(
                    "%(fees)s cannot be refunded under policy %(policy)s.",
                    fees=", ".join(self.fee_item_ids.mapped("name"))
                    or self.move_id.name,
                    policy=policy.display_name,
                )
            )
        end = self.window_end_date
        if end and self._get_today() > end and not self.window_override:
            if for_owner:
                raise UserError(
                    _(
                        "The refund window of bill %(bill)s closed on %(date)s, "
                        "%(days)s days after its last payment on %(paid)s: "
                        "contact the property office, which can reopen it.",
                        bill=self.move_id.name,
                        date=end,
                        days=policy.window_days,
                        paid=self.last_payment_date,
                    )
                )
            raise UserError(
                _(
                    "The refund window of bill %(bill)s closed on %(date)s "
                    "(%(days)s days after its last payment on %(paid)s). A "
                    "billing manager may override the window.",
                    bill=self.move_id.name,
                    date=end,
                    days=policy.window_days,
                    paid=self.last_payment_date,
                )
            )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_submit(self):
        for request in self:
            amount = request._check_submit()
            now = fields.Datetime.now()
            request.sudo().write(
                {
                    "amount": amount,
                    "state": "submitted",
                    "date_submitted": now,
                    "date_deadline": request._compute_deadline(request._get_today()),
                }
            )
            request._open_late_fee_hold()
            request._post_state_message(
                _(
                    "Submitted for %(amount)s; decision due by %(deadline)s.",
                    amount=request._format(amount),
                    deadline=request.date_deadline,
                )
            )
        return True

    def _check_submit(self):
        """Raise unless the request can be submitted now.

        :return: the amount it is submitted for
        :rtype: float
        """
        self.ensure_one()
        if self.state != "draft":
            raise UserError(
                _(
                    "Refund request %(request)s is %(state)s: only a draft "
                    "can be submitted.",
                    request=self.name,
                    state=self._get_state_label(),
                )
            )
        if self.move_id.currency_id != self.currency_id:
            raise UserError(
                _(
                    "Bill %(bill)s is in %(currency)s, not in the company "
                    "currency %(company_currency)s: refund it with a credit "
                    "note by hand.",
                    bill=self.move_id.name,
                    currency=self.move_id.currency_id.name,
                    company_currency=self.currency_id.name,
                )
            )
        if self.currency_id.is_zero(self.amount_paid) and not self._is_numbered():
            raise UserError(
                _(
                    "Bill %(bill)s has no payment yet, so there is nothing to refund.",
                    bill=self.move_id.name,
                )
            )
        if self.currency_id.is_zero(self.amount_paid):
            raise UserError(
                _(
                    "Bill %(bill)s has no payment, so there is nothing to "
                    "refund: register its payment first.",
                    bill=self.move_id.name,
                )
            )
        self._check_policy_allows()
        # A submitted request reserves its amount: serialise the
        # submissions of one bill as the approvals are.
        self._lock_bill()
        amount = self.amount or self.amount_proposed
        self._check_within_limits(amount)
        return amount

    def action_override_window(self):
        if not self.env.user.has_group(
            "property_billing.property_billing_group_manager"
        ):
            raise AccessError(
                _("Only a billing manager can override the refund window.")
            )
        for request in self:
            request.write(
                {"window_override": True, "window_override_user_id": self.env.uid}
            )
            request._post_state_message(
                _(
                    "Refund window (closed on %(date)s) overridden by %(user)s.",
                    date=request.window_end_date,
                    user=self.env.user.name,
                )
            )
        return True

    def action_reject(self):
        self._check_staff()
        for request in self:
            if request.state != "submitted":
                raise UserError(
                    _(
                        "Refund request %(request)s is %(state)s: only a submitted "
                        "request can be rejected.",
                        request=request.name,
                        state=request._get_state_label(),
                    )
                )
            if not request.decision_note:
                raise UserError(
                    _(
                        "Enter the reason for rejecting refund request "
                        "%(request)s in Decision Note: the owner sees it.",
                        request=request.name,
                    )
                )
            request._record_decision("rejected")
            request._close_late_fee_hold()
            request._post_state_message(
                _("Rejected: %(note)s", note=request.decision_note)
            )
        return True

    def action_cancel(self):
        for request in self:
            if request.state not in ("draft", "submitted"):
                raise UserError(
                    _(
                        "Refund request %(request)s is %(state)s: only a draft or "
                        "submitted request can be cancelled.",
                        request=request.name,
                        state=request._get_state_label(),
                    )
                )
            request.sudo().state = "cancelled"
            request._close_late_fee_hold()
            request._post_state_message(_("Cancelled."))
        return True

    def action_reset_to_draft(self):
        self._check_staff()
        for request in self.filtered(lambda r: r.state in ("cancelled", "rejected")):
            request.write({"state": "draft", "decided_late": False})
            request._post_state_message(_("Reset to draft."))
        return True

    def _check_staff(self):
        if not self._is_staff():
            raise AccessError(_("Only billing staff can decide on refund requests."))

    def _record_decision(self, state):
        self.ensure_one()
        self.sudo().write(
            {
                "state": state,
                "date_decided": fields.Datetime.now(),
                "decided_by_id": self.env.uid,
                "decided_late": bool(
                    self.date_deadline and self._get_today() > self.date_deadline
                ),
            }
        )

    def _open_late_fee_hold(self):
        for request in self.sudo():
            if not request.late_fee_hold_id:
                request.late_fee_hold_id = self.env["property.late.fee.hold"].create(
                    {
                        "move_id": request.move_id.id,
                        "date_start": request.move_id._get_late_fee_today(),
                        "reason": _("Refund request %(request)s", request=request.name),
                    }
                )

    def _close_late_fee_hold(self):
        for request in self.sudo():
            hold = request.late_fee_hold_id
            if hold and not hold.date_end:
                hold.date_end = max(hold.date_start, hold.move_id._get_late_fee_today())

    # ------------------------------------------------------------
    # CRON
    # ------------------------------------------------------------

    @api.model
    def _cron_flag_late_requests(self):
        """Give the billing managers an activity on each request past its deadline."""
        late = self.search([("is_late", "=", True)])
        group = self.env.ref("property_billing.property_billing_group_manager")
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        flagged = 0
        for request in late:
            managers = group.users.filtered(
                lambda user, request=request: (
                    request.company_id in user.company_ids
                    and not user.share
                    and user.active
                )
            )
            existing = request.activity_ids.filtered(
                lambda activity: activity.activity_type_id == activity_type
            ).user_id
            for manager in managers - existing:
                request.activity_schedule(
                    activity_type_id=activity_type.id,
                    user_id=manager.id,
                    date_deadline=request.date_deadline,
                    summary=_("Refund request past its decision deadline"),
                    note=_(
                        "Refund request %(request)s for %(amount)s on bill %(bill)s "
                        "was due to be decided by %(deadline)s.",
                        request=request.name,
                        amount=request._format(request.amount),
                        bill=request.move_id.name,
                        deadline=request.date_deadline,
                    ),
                )
                flagged += 1
        _logger.info(
            "refund requests past deadline: %s, activities created: %s",
            len(late),
            flagged,
        )
        return flagged
