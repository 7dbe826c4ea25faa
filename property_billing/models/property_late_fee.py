import logging
from collections import defaultdict
from decimal import Decimal

from odoo import _, api, fields, models, modules
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools import late_fees
from ..tools.amounts import to_decimal

_logger = logging.getLogger(__name__)

# Bills whose late fee one scheduled-action call computes.
DEFAULT_BATCH_SIZE = 1000
MANAGER_GROUP = "property_billing.property_billing_group_manager"
# The job writes every overdue bill's fee each day: a chatter message or a
# tracking value for each would grow the database by one message per bill a day.
NO_CHATTER_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_notrack": True,
}
# Payment states of a bill whose unpaid amount is zero, so that its late fee can
# no longer grow.
SETTLED_PAYMENT_STATES = ("paid", "in_payment", "reversed", "blocked")


class PropertyLateFee(models.Model):
    """The late fee (滞纳金) of one overdue bill.

    ``amount_accrued`` is always computed again from the bill's payment
    history, as a function of the bill and ``as_of_date``, and never by adding
    a day to the stored amount. Running the job twice in a day, or once after
    days of downtime, therefore stores the same amount as one run a day.
    """

    _name = "property.late.fee"
    _description = "Property Late Fee"
    _inherit = ["mail.thread"]
    _order = "date_due desc, id desc"
    _check_company_auto = True

    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Bill",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    policy_id = fields.Many2one(
        comodel_name="property.late.fee.policy",
        string="Policy",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    community_id = fields.Many2one(
        related="policy_id.community_id", store=True, index=True
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        related="move_id.partner_id", string="Billed To", store=True, index=True
    )
    unit_id = fields.Many2one(
        comodel_name="property.unit",
        readonly=True,
        help="Unit whose late-fee charges bill this fee: the first unit of the "
        "bill, by code.",
    )
    date_due = fields.Date(related="move_id.invoice_date_due", store=True)
    first_accrual_date = fields.Date(readonly=True)
    base_amount = fields.Monetary(
        string="Base",
        readonly=True,
        help="Part of the bill's total that comes from the policy's fee items.",
    )
    as_of_date = fields.Date(string="Accrued To", readonly=True)
    amount_accrued = fields.Monetary(string="Accrued", readonly=True)
    waiver_ids = fields.One2many(
        comodel_name="property.late.fee.waiver",
        inverse_name="late_fee_id",
        string="Waivers",
        readonly=True,
    )
    amount_waived = fields.Monetary(
        string="Waived", compute="_compute_amount_waived", store=True
    )
    line_ids = fields.One2many(
        comodel_name="property.late.fee.line",
        inverse_name="late_fee_id",
        string="Billed Lines",
        readonly=True,
    )
    amount_billed = fields.Monetary(string="Billed", compute="_compute_amount_billed")
    amount_unbilled = fields.Monetary(
        string="To Bill", compute="_compute_amount_billed"
    )

    _sql_constraints = [
        ("move_uniq", "unique(move_id)", "A bill has at most one late fee record."),
    ]

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("move_id.name")
    def _compute_display_name(self):
        for fee in self:
            fee.display_name = _("Late fee of %(bill)s", bill=fee.move_id.name)

    @api.depends("waiver_ids.amount")
    def _compute_amount_waived(self):
        for fee in self:
            fee.amount_waived = fee.currency_id.round(
                sum(fee.waiver_ids.mapped("amount"))
            )

    @api.depends(
        "line_ids.amount", "line_ids.charge_id.state", "amount_accrued", "amount_waived"
    )
    def _compute_amount_billed(self):
        for fee in self:
            billed = sum(
                fee.line_ids.filtered(
                    lambda line: line.charge_id.state == "invoiced"
                ).mapped("amount")
            )
            fee.amount_billed = fee.currency_id.round(billed)
            fee.amount_unbilled = fee.currency_id.round(
                max(fee.amount_accrued - fee.amount_waived - billed, 0.0)
            )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_open_waive_wizard(self):
        self.ensure_one()
        self._check_can_waive()
        return {
            "type": "ir.actions.act_window",
            "name": _("Waive Late Fee"),
            "res_model": "property.late.fee.waive",
            "view_mode": "form",
            "target": "new",
            "context": {"default_late_fee_id": self.id},
        }

    def action_recompute(self):
        """Compute the accrued amount again up to today, from the payments."""
        for policy, fees in self.grouped("policy_id").items():
            self._accrue_moves(fees.move_id, policy, policy._get_today())
        return True

    # ------------------------------------------------------------
    # BUSINESS METHODS: WAIVERS
    # ------------------------------------------------------------

    def _check_can_waive(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                _(
                    "User %(user)s is not a billing manager, so cannot waive late "
                    "fees: ask a billing manager to do it.",
                    user=self.env.user.name,
                )
            )

    def _waive(self, amount, reason):
        """Waive ``amount`` of the late fee not billed yet, with a reason.

        The fee is first computed again up to today, so that the amount that
        can be waived is exact.

        :param float amount: amount to waive, above 0
        :param str reason: why the fee is waived, kept in the chatter
        :raise AccessError: when the user is not a billing manager
        :raise UserError: when the amount is not above 0 or exceeds what is
            left to bill
        """
        self.ensure_one()
        self._check_can_waive()
        if not (reason or "").strip():
            raise UserError(_("Enter the reason why the late fee is waived."))
        self.action_recompute()
        currency = self.currency_id
        if currency.compare_amounts(amount, 0.0) <= 0:
            raise UserError(
                _(
                    "The amount to waive is %(amount)s: enter an amount above 0.",
                    amount=currency.format(amount),
                )
            )
        if currency.compare_amounts(amount, self.amount_unbilled) > 0:
            raise UserError(
                _(
                    "The late fee of %(bill)s has %(left)s left to bill, less than "
                    "the %(amount)s to waive: waive at most %(left)s. An amount "
                    "already billed is cancelled with a credit note instead.",
                    bill=self.move_id.name,
                    left=currency.format(self.amount_unbilled),
                    amount=currency.format(amount),
                )
            )
        waiver = self.env["property.late.fee.waiver"].create(
            {"late_fee_id": self.id, "amount": currency.round(amount), "reason": reason}
        )
        self.message_post(
            body=_(
                "%(user)s waived %(amount)s of this late fee: %(reason)s",
                user=self.env.user.name,
                amount=currency.format(waiver.amount),
                reason=reason,
            )
        )
        return waiver

    # ------------------------------------------------------------
    # BUSINESS METHODS: ACCRUAL
    # ------------------------------------------------------------

    @api.model
    def _get_accrual_inputs(self, moves, policy):
        """Read what the late fee of ``moves`` depends on, in four queries.

        Payments are the partial reconciliations of the bills' receivable
        lines, dated by their ``max_date`` (the later of the two entries'
        dates): payments and credit notes alike. Removing a reconciliation
        removes the payment from the history.

        :return: {move id: dict(total, due, payment_state, base, payments, holds)}
        :rtype: dict
        """
        if not moves:
            return {}
        self.env.flush_all()
        cr = self.env.cr
        inputs = {}
        cr.execute(
            """
            SELECT id, amount_total, invoice_date_due, payment_state
              FROM account_move
             WHERE id = ANY(%s)
            """,
            [moves.ids],
        )
        for move_id, total, due, payment_state in cr.fetchall():
            inputs[move_id] = {
                "total": total or 0.0,
                "due": due,
                "payment_state": payment_state,
                "base": 0.0,
                "payments": defaultdict(float),
                "holds": [],
            }
        cr.execute(
            """
            SELECT move_id, SUM(price_total)
              FROM account_move_line
             WHERE move_id = ANY(%s)
               AND display_type = 'product'
               AND product_id = ANY(%s)
             GROUP BY move_id
            """,
            [moves.ids, policy.fee_item_ids.product_id.ids],
        )
        for move_id, base in cr.fetchall():
            inputs[move_id]["base"] = base or 0.0
        cr.execute(
            """
            SELECT line.move_id, partial.max_date, SUM(partial.amount)
              FROM account_partial_reconcile partial
              JOIN account_move_line line ON line.id = partial.debit_move_id
             WHERE line.move_id = ANY(%s)
               AND line.display_type = 'payment_term'
             GROUP BY line.move_id, partial.max_date
            """,
            [moves.ids],
        )
        for move_id, date, amount in cr.fetchall():
            inputs[move_id]["payments"][date] += amount
        cr.execute(
            """
            SELECT move_id, date_start, date_end
              FROM property_late_fee_hold
             WHERE move_id = ANY(%s)
            """,
            [moves.ids],
        )
        for move_id, start, end in cr.fetchall():
            inputs[move_id]["holds"].append((start, end))
        return inputs

    @api.model
    def _compute_late_fees(self, moves, policy, as_of):
        """Compute the late fee of each bill up to and including ``as_of``.

        :return: {move id: (base, first accrual day, amount)} with Decimal
            amounts rounded to the currency
        :rtype: dict
        """
        step = to_decimal(policy.currency_id.rounding)
        rate = policy._get_daily_rate()
        cap_rate = policy._get_cap_rate()
        results = {}
        for move_id, data in self._get_accrual_inputs(moves, policy).items():
            base = to_decimal(policy.currency_id.round(data["base"]))
            first_day = late_fees.first_accrual_day(data["due"], policy.grace_days)
            payments = [
                (
                    date,
                    late_fees.attribute_payment(amount, base, data["total"], step),
                )
                for date, amount in data["payments"].items()
            ]
            amount = late_fees.accrued_late_fee(
                base,
                payments,
                rate,
                first_day,
                as_of,
                cap_rate=cap_rate,
                holds=data["holds"],
                step=step,
            )
            results[move_id] = (base, first_day, amount)
        return results

    @api.model
    def _accrue_moves(self, moves, policy, as_of):
        """Store the late fee of ``moves`` computed up to ``as_of``.

        A record is created only for a bill whose fee is above 0. A bill whose
        unpaid amount is zero and that has no open hold is marked closed, so
        the job skips it until its payment state changes.

        :return: the late fee records of ``moves``
        """
        late_fees_model = self.with_context(**NO_CHATTER_CONTEXT)
        results = self._compute_late_fees(moves, policy, as_of)
        existing = late_fees_model.search([("move_id", "in", moves.ids)]).grouped(
            "move_id"
        )
        to_create = []
        for move in moves:
            base, first_day, amount = results[move.id]
            values = {
                "base_amount": float(base),
                "first_accrual_date": first_day,
                "as_of_date": as_of,
                "amount_accrued": float(amount),
            }
            fee = existing.get(move)
            if fee:
                fee.write(values)
            elif amount > Decimal(0):
                to_create.append(
                    dict(
                        values,
                        move_id=move.id,
                        policy_id=policy.id,
                        unit_id=move.property_charge_ids.unit_id.sorted("code")[:1].id,
                    )
                )
        created = late_fees_model.create(to_create)
        closed_ids = [
            move.id
            for move in moves
            if move.payment_state in SETTLED_PAYMENT_STATES
            and not move.property_late_fee_on_hold
        ]
        self.env["account.move"]._set_late_fee_state(moves.ids, as_of, closed_ids)
        return created | self.browse([fee.id for fee in existing.values()])

    # ------------------------------------------------------------
    # CRON
    # ------------------------------------------------------------

    def _get_batch_size(self):
        return int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("property_billing.late_fee_batch_size", DEFAULT_BATCH_SIZE)
        )

    @api.model
    def _cron_accrue_late_fees(self, batch_size=None):
        """Compute the late fees of one batch of bills, then report progress.

        A bill is in the batch when it is past its grace days, was not yet
        computed today (in its community's time zone), and is unpaid or was
        never computed since it was paid. Once every bill is done, the monthly
        late-fee invoices are billed.
        """
        batch_size = batch_size or self._get_batch_size()
        cron = self.env.ref("property_billing.ir_cron_property_late_fee")
        Move = self.env["account.move"]
        done = 0
        for policy in self.env["property.late.fee.policy"].search([]):
            policy = policy.with_company(policy.company_id)
            today = policy._get_today()
            moves = Move.search(
                Move._get_late_fee_domain(policy, today), limit=batch_size - done
            )
            if moves:
                self._accrue_moves(moves, policy, today)
                done += len(moves)
                _logger.info(
                    "late fees: %d bills of community %s computed to %s",
                    len(moves),
                    policy.community_id.id,
                    today,
                )
                self._commit_progress()
                # Clearing the ORM cache keeps memory bounded however many
                # bills the job processes.
                self.env.invalidate_all()
            if done >= batch_size:
                break
        remaining = sum(
            Move.search_count(Move._get_late_fee_domain(policy, policy._get_today()))
            for policy in self.env["property.late.fee.policy"].search([])
        )
        cron._notify_progress(done=done, remaining=remaining)
        if remaining:
            cron._trigger()
        else:
            self.env["property.late.fee.policy"].search(
                [("billing_mode", "=", "monthly")]
            )._bill_monthly_late_fees()
        return done

    def _commit_progress(self):
        # Each batch is committed so a crash keeps the work done. Tests run
        # inside one transaction that must not be committed.
        if modules.module.current_test:
            return
        self.env.cr.commit()  # pylint: disable=invalid-commit


class PropertyLateFeeLine(models.Model):
    """The part of a late fee billed by one late-fee charge."""

    _name = "property.late.fee.line"
    _description = "Property Late Fee Billed Line"
    _order = "date_to, id"

    late_fee_id = fields.Many2one(
        comodel_name="property.late.fee",
        required=True,
        index=True,
        ondelete="cascade",
    )
    charge_id = fields.Many2one(
        comodel_name="property.billing.charge",
        required=True,
        index=True,
        ondelete="cascade",
    )
    currency_id = fields.Many2one(related="late_fee_id.currency_id")
    amount = fields.Monetary(required=True)
    date_to = fields.Date(
        string="Accrued To", required=True, help="Last day of accrual billed."
    )
    state = fields.Selection(related="charge_id.state", string="Charge Status")
    move_id = fields.Many2one(related="charge_id.move_id", string="Invoice")


class PropertyLateFeeWaiver(models.Model):
    """An amount of a late fee that a billing manager waived, and why."""

    _name = "property.late.fee.waiver"
    _description = "Property Late Fee Waiver"
    _order = "create_date, id"

    late_fee_id = fields.Many2one(
        comodel_name="property.late.fee",
        required=True,
        index=True,
        ondelete="cascade",
    )
    currency_id = fields.Many2one(related="late_fee_id.currency_id")
    amount = fields.Monetary(required=True)
    reason = fields.Text(required=True)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Waived By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )
    date = fields.Date(required=True, readonly=True, default=fields.Date.context_today)


class PropertyLateFeeHold(models.Model):
    """Days on which a bill accrues no late fee: an open refund or dispute.

    A hold covers the days from ``date_start`` to ``date_end`` - 1, or to
    today while ``date_end`` is empty.
    """

    _name = "property.late.fee.hold"
    _description = "Property Late Fee Hold"
    _order = "date_start, id"

    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Bill",
        required=True,
        index=True,
        ondelete="cascade",
    )
    date_start = fields.Date(string="From", required=True)
    date_end = fields.Date(string="Until", help="First day that accrues again.")
    reason = fields.Char()

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for hold in self:
            if hold.date_end and hold.date_end < hold.date_start:
                raise ValidationError(
                    _(
                        "The late-fee hold on %(bill)s ends on %(end)s, before it "
                        "starts on %(start)s: set an end on or after the start.",
                        bill=hold.move_id.name,
                        end=hold.date_end,
                        start=hold.date_start,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        holds = super().create(vals_list)
        holds.move_id._reset_late_fee_state()
        return holds

    def write(self, vals):
        moves = self.move_id
        result = super().write(vals)
        (moves | self.move_id)._reset_late_fee_state()
        return result

    def unlink(self):
        moves = self.move_id
        result = super().unlink()
        moves._reset_late_fee_state()
        return result
