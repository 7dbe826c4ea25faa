from datetime import timedelta

from odoo import api, fields, models

from .property_late_fee import SETTLED_PAYMENT_STATES


class AccountMove(models.Model):
    # Meters and late fees extend this model in their own files, one
    # feature per file, rather than in one file for every feature.
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    property_late_fee_ids = fields.One2many(
        comodel_name="property.late.fee",
        inverse_name="move_id",
        string="Late Fee",
        readonly=True,
    )
    property_late_fee_hold_ids = fields.One2many(
        comodel_name="property.late.fee.hold",
        inverse_name="move_id",
        string="Late Fee Holds",
    )
    property_late_fee_on_hold = fields.Boolean(
        string="Late Fee on Hold",
        compute="_compute_property_late_fee_on_hold",
        inverse="_inverse_property_late_fee_on_hold",
        store=True,
        copy=False,
        help="Set while a refund or a dispute of the bill is open: the bill "
        "accrues no late fee on those days. Setting it opens a hold from today "
        "and clearing it closes the hold from today, in the community's time zone.",
    )
    property_late_fee_date = fields.Date(
        string="Late Fee Computed To",
        copy=False,
        readonly=True,
        help="Last day up to which the late-fee job computed this bill.",
    )
    property_late_fee_closed = fields.Boolean(
        copy=False,
        readonly=True,
        help="Set by the late-fee job once the bill's unpaid amount is zero, so "
        "its late fee can no longer grow.",
    )

    @api.depends("property_late_fee_hold_ids.date_end")
    def _compute_property_late_fee_on_hold(self):
        for move in self:
            move.property_late_fee_on_hold = any(
                not hold.date_end for hold in move.property_late_fee_hold_ids
            )

    def _inverse_property_late_fee_on_hold(self):
        Hold = self.env["property.late.fee.hold"]
        for move in self:
            today = move._get_late_fee_today()
            open_holds = move.property_late_fee_hold_ids.filtered(
                lambda hold: not hold.date_end
            )
            if move.property_late_fee_on_hold and not open_holds:
                Hold.create({"move_id": move.id, "date_start": today})
            elif not move.property_late_fee_on_hold and open_holds:
                open_holds.write({"date_end": today})

    def _get_late_fee_today(self):
        self.ensure_one()
        tz = self.property_community_id.tz or self.env.context.get("tz")
        return fields.Date.context_today(self.with_context(tz=tz))

    @api.model
    def _get_overdue_domain(self, policy, day):
        """Return the domain of the policy's bills that accrue on ``day``.

        :param policy: a property.late.fee.policy record
        :param date day: a day in the community's time zone
        """
        last_due = day - timedelta(days=policy.grace_days + 1)
        return [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("property_community_id", "=", policy.community_id.id),
            ("company_id", "=", policy.company_id.id),
            ("invoice_date_due", "<=", last_due),
        ]

    @api.model
    def _get_late_fee_domain(self, policy, today):
        """Return the domain of the bills whose late fee is due for computing.

        :param policy: a property.late.fee.policy record
        :param date today: today in the community's time zone
        """
        return [
            *self._get_overdue_domain(policy, today),
            "|",
            ("property_late_fee_date", "=", False),
            ("property_late_fee_date", "<", today),
            "|",
            ("property_late_fee_closed", "=", False),
            ("payment_state", "not in", SETTLED_PAYMENT_STATES),
        ]

    @api.model
    def _set_late_fee_state(self, move_ids, as_of, closed_ids):
        """Record that the late fee of ``move_ids`` was computed to ``as_of``.

        Written in SQL because these two technical fields trigger nothing,
        while a write on posted invoices runs the whole invoice synchronisation.
        """
        if not move_ids:
            return
        self.env.cr.execute(
            """
            UPDATE account_move
               SET property_late_fee_date = %s,
                   property_late_fee_closed = id = ANY(%s)
             WHERE id = ANY(%s)
            """,
            [as_of, list(closed_ids), list(move_ids)],
        )
        self.browse(move_ids).invalidate_recordset(
            ["property_late_fee_date", "property_late_fee_closed"]
        )

    def _reset_late_fee_state(self):
        """Make the late-fee job compute these bills again on its next run."""
        if self:
            self.env.cr.execute(
                """
                UPDATE account_move
                   SET property_late_fee_date = NULL,
                       property_late_fee_closed = FALSE
                 WHERE id = ANY(%s)
                """,
                [self.ids],
            )
            self.invalidate_recordset(
                ["property_late_fee_date", "property_late_fee_closed"]
            )

    def _get_property_late_fees_to_date(self):
        """Compute the late fee accrued to today on each bill, less waivers.

        Computed now from the payments rather than read from the job's last
        result, so an owner sees a payment made today at once.

        :return: {move id: amount} for the bills with a late fee above 0
        :rtype: dict
        """
        moves = self.sudo()
        LateFee = self.env["property.late.fee"].sudo()
        policies = (
            self.env["property.late.fee.policy"]
            .sudo()
            .search([("community_id", "in", moves.property_community_id.ids)])
            .grouped("community_id")
        )
        waived = {
            fee.move_id.id: fee.amount_waived
            for fee in LateFee.search([("move_id", "in", moves.ids)])
        }
        amounts = {}
        for community, community_moves in moves.grouped(
            "property_community_id"
        ).items():
            policy = policies.get(community)
            if not policy:
                continue
            today = policy._get_today()
            overdue = community_moves.filtered_domain(
                [
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("invoice_date_due", "<", today),
                ]
            )
            results = LateFee._compute_late_fees(overdue, policy, today)
            for move_id, (_base, _first_day, amount) in results.items():
                net = policy.currency_id.round(float(amount) - waived.get(move_id, 0.0))
                if policy.currency_id.compare_amounts(net, 0.0) > 0:
                    amounts[move_id] = net
        return amounts
