from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import amounts, packages, periods

PAID_STATES = ("paid", "in_payment")


class PropertyPackageSubscription(models.Model):
    """A package sold to a unit, covering its fee items once its invoice is paid."""

    _name = "property.package.subscription"
    _description = "Property Package Subscription"
    _inherit = ["mail.thread"]
    _order = "date_start desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        required=True, copy=False, readonly=True, default=lambda self: _("New")
    )
    package_id = fields.Many2one(
        comodel_name="property.package",
        required=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
    )
    unit_id = fields.Many2one(
        comodel_name="property.unit",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Billing Partner",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
    )
    community_id = fields.Many2one(
        related="unit_id.community_id", store=True, index=True
    )
    company_id = fields.Many2one(related="unit_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_start = fields.Date(
        string="From",
        required=True,
        tracking=True,
        default=lambda self: periods.month_start(
            fields.Date.context_today(self) + timedelta(days=31)
        ),
        help="First day covered: the 1st of a month.",
    )
    date_end = fields.Date(
        string="Until",
        compute="_compute_date_end",
        store=True,
        help="Last day covered: the end of the package's last month.",
    )
    date_ended_early = fields.Date(
        string="Ended Early On",
        readonly=True,
        copy=False,
        tracking=True,
        help="Last day covered when the package was ended before its last "
        "month, such as after a refund of its unused months. Billing runs bill "
        "its fee items again from the next day.",
    )
    fee_item_ids = fields.Many2many(
        comodel_name="property.fee.item",
        string="Fee Items Covered",
        readonly=True,
        help="Copied from the package when the subscription is confirmed.",
    )
    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Invoice",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    amount_total = fields.Monetary(related="move_id.amount_total", string="Price")
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("invoiced", "Waiting Payment"),
            ("paid", "Paid"),
            ("cancelled", "Cancelled"),
        ],
        compute="_compute_state",
        store=True,
        index=True,
        tracking=True,
        help="Only a paid subscription covers its fee items.",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("unit_id")
    def _compute_partner_id(self):
        for subscription in self:
            subscription.partner_id = subscription.unit_id.billing_partner_id

    @api.depends("date_start", "package_id.months", "date_ended_early")
    def _compute_date_end(self):
        for subscription in self:
            planned = subscription._get_planned_end()
            early = subscription.date_ended_early
            subscription.date_end = early if planned and early else planned

    @api.depends("move_id.state", "move_id.payment_state")
    def _compute_state(self):
        for subscription in self:
            move = subscription.move_id
            if not move:
                subscription.state = "draft"
            elif move.state == "cancel":
                subscription.state = "cancelled"
            elif move.state == "posted" and move.payment_state in PAID_STATES:
                subscription.state = "paid"
            else:
                subscription.state = "invoiced"

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains("date_start")
    def _check_date_start(self):
        for subscription in self:
            if subscription.date_start != periods.month_start(subscription.date_start):
                raise ValidationError(
                    _(
                        "Package subscription %(name)s starts on %(date)s: start it "
                        "on the 1st of a month, such as %(example)s.",
                        name=subscription.name,
                        date=subscription.date_start,
                        example=periods.month_start(subscription.date_start),
                    )
                )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", _("New")) == _("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code(
                    "property.package.subscription"
                ) or _("New")
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        for subscription in self:
            if subscription.move_id:
                raise UserError(
                    _(
                        "Package subscription %(name)s has an invoice and cannot be "
                        "deleted: cancel its invoice instead.",
                        name=subscription.name,
                    )
                )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_confirm(self):
        """Invoice each draft subscription and post the invoice."""
        for subscription in self:
            if subscription.state != "draft":
                raise UserError(
                    _(
                        "Package subscription %(name)s is already invoiced.",
                        name=subscription.name,
                    )
                )
            subscription._check_can_confirm()
            subscription.fee_item_ids = subscription.package_id.fee_item_ids
            move = (
                self.env["account.move"]
                .sudo()
                .create(subscription._prepare_invoice_values())
            )
            move.action_post()
            subscription.move_id = move
        return True

    def action_view_invoice(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action.update(
            {"res_id": self.move_id.id, "views": [(False, "form")], "view_mode": "form"}
        )
        return action

    def action_renew(self):
        """Sell the same package again to the unit, from the day after it ends.

        :return: the new subscription, invoiced
        """
        self.ensure_one()
        renewal = self.create(
            {
                "package_id": self.package_id.id,
                "unit_id": self.unit_id.id,
                "partner_id": self.partner_id.id,
                "date_start": self.date_end + timedelta(days=1),
            }
        )
        renewal.action_confirm()
        return renewal

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _check_can_confirm(self):
        self.ensure_one()
        package = self.package_id
        if not package.line_ids:
            raise UserError(
                _(
                    "Package %(package)s covers no fee item: add fee items to it.",
                    package=package.name,
                )
            )
        if not package._is_sold_in(self.community_id):
            raise UserError(
                _(
                    "Package %(package)s is not sold in community %(community)s: "
                    "choose another package or add the community to it.",
                    package=package.name,
                    community=self.community_id.display_name,
                )
            )
        if not self.partner_id:
            raise UserError(
                _(
                    "Unit %(unit)s has no owner or billing partner: set the owner "
                    "on the unit, then sell the package again.",
                    unit=self.unit_id.display_name,
                )
            )
        billed_until = self._get_billed_until(self.unit_id, package.fee_item_ids)
        if billed_until and billed_until >= self.date_start:
            raise UserError(
                _(
                    "Unit %(unit)s is already billed until %(end)s for some fee items "
                    "of package %(package)s: start the package on %(next)s or later.",
                    unit=self.unit_id.display_name,
                    end=billed_until,
                    package=package.name,
                    next=self._get_first_start_after(billed_until),
                )
            )
        overlapping = self.search(
            [
                ("id", "!=", self.id),
                ("unit_id", "=", self.unit_id.id),
                ("state", "in", ("invoiced", "paid")),
                ("fee_item_ids", "in", package.fee_item_ids.ids),
                ("date_start", "<=", self.date_end),
                ("date_end", ">=", self.date_start),
            ],
            limit=1,
        )
        if overlapping:
            raise UserError(
                _(
                    "Unit %(unit)s already has package subscription %(other)s from "
                    "%(start)s to %(end)s for some of these fee items: start this "
                    "one on %(next)s or cancel the other.",
                    unit=self.unit_id.display_name,
                    other=overlapping.name,
                    start=overlapping.date_start,
                    end=overlapping.date_end,
                    next=overlapping.date_end + timedelta(days=1),
                )
            )

    @api.model
    def _get_billed_until(self, unit, fee_items):
        """Return the last day ``unit`` is already billed for ``fee_items``.

        Only live charges count, those on an invoice that is not cancelled.

        :return: a date, or None when none of the fee items was billed
        """
        charge = (
            self.env["property.billing.charge"]
            .sudo()
            .search(
                [
                    ("unit_id", "=", unit.id),
                    ("fee_item_id", "in", fee_items.ids),
                    ("state", "=", "invoiced"),
                ],
                order="period_end desc",
                limit=1,
            )
        )
        return charge.period_end or None

    @api.model
    def _get_first_start_after(self, day):
        """Return the 1st of the month after ``day``, or the next day if a 1st."""
        next_day = day + timedelta(days=1)
        if next_day.day == 1:
            return next_day
        return periods.add_months(next_day, 1)

    @api.model
    def _get_next_start(self, unit, package, today):
        """Return the first day a new ``package`` can cover for ``unit``.

        The 1st of the month after ``today``, moved past the unit's live
        subscriptions and past the periods already billed for the package's
        fee items, so no month is paid twice.
        """
        fee_items = package.fee_item_ids
        start = periods.add_months(periods.month_start(today), 1)
        last = self.search(
            [
                ("unit_id", "=", unit.id),
                ("state", "in", ("invoiced", "paid")),
                ("fee_item_ids", "in", fee_items.ids),
            ],
            order="date_end desc",
            limit=1,
        )
        if last and last.date_end >= start:
            start = self._get_first_start_after(last.date_end)
        billed_until = self._get_billed_until(unit, fee_items)
        if billed_until and billed_until >= start:
            start = self._get_first_start_after(billed_until)
        return start

    @api.model
    def _get_unit_fee(self, unit, fee_item, day):
        """Return the fee of ``fee_item`` applied to ``unit`` on ``day``, if any."""
        return self.env["property.unit.fee"].search(
            [
                ("unit_id", "=", unit.id),
                ("fee_item_id", "=", fee_item.id),
                ("date_start", "<=", day),
                "|",
                ("date_end", "=", False),
                ("date_end", ">=", day),
            ],
            limit=1,
        )

    def _get_monthly_amount(self, line):
        """Return one month of ``line``'s fee item on the unit, as a Decimal.

        :param line: a property.package.line record
        :raise UserError: when the line has no price and the fee is not
            applied to the unit on the subscription's first day
        """
        self.ensure_one()
        if not self.currency_id.is_zero(line.monthly_price):
            return amounts.to_decimal(line.monthly_price)
        fee = self._get_unit_fee(self.unit_id, line.fee_item_id, self.date_start)
        if not fee:
            raise UserError(
                _(
                    "Fee %(fee)s is not applied to unit %(unit)s on %(date)s, so "
                    "package %(package)s has no price for it: apply the fee to the "
                    "unit or set a monthly price on the package.",
                    fee=line.fee_item_id.name,
                    unit=self.unit_id.display_name,
                    date=self.date_start,
                    package=self.package_id.name,
                )
            )
        item = line.fee_item_id
        step = amounts.rounding_step(item.rounding, self.currency_id.rounding)
        quantity = self.unit_id.area if item.calculation == "area" else 1.0
        return amounts.charge_amount(fee.rate, quantity, 1, step)

    def _prepare_invoice_values(self):
        """Prepare the package's invoice.

        The invoice carries no community, so it is no property bill. An unpaid
        package is an offer the owner did not take up: it accrues no late fee,
        gets no reminder and takes no advance payment. The daily job cancels
        it once the package's first day has passed.
        """
        self.ensure_one()
        package = self.package_id
        community = self.community_id
        step = amounts.to_decimal(self.currency_id.rounding)
        lines = []
        for line in package.line_ids:
            monthly = self._get_monthly_amount(line)
            price = packages.package_line_amount(
                monthly, package.months, package.discount, step
            )
            lines.append(
                Command.create(
                    {
                        "product_id": line.fee_item_id.product_id.id,
                        "name": _(
                            "%(package)s: %(fee)s for %(unit)s, %(start)s to %(end)s",
                            package=package.name,
                            fee=line.fee_item_id.name,
                            unit=self.unit_id.code,
                            start=self.date_start,
                            end=self.date_end,
                        ),
                        "quantity": 1.0,
                        "price_unit": float(price),
                    }
                )
            )
        today = fields.Date.context_today(self)
        # A portal user buying the package is the customer, not the salesperson.
        user = self.env.user
        return {
            "move_type": "out_invoice",
            "partner_id": self.partner_id.id,
            "invoice_user_id": False if user.share else user.id,
            "company_id": self.company_id.id,
            "journal_id": community._get_sale_journal().id,
            "invoice_date": today,
            "invoice_date_due": today,
            "invoice_origin": self.name,
            "invoice_line_ids": lines,
        }

    def _get_planned_end(self):
        """Return the last day the package was sold to cover, or False."""
        self.ensure_one()
        if not (self.date_start and self.package_id):
            return False
        return packages.package_end(self.date_start, self.package_id.months)

    def _end_early(self, last_day):
        """End the paid package after ``last_day``, so that billing resumes.

        :param date last_day: last day still covered, from the day before the
            package starts to the day before its planned end
        :raise UserError: when the package is not paid or ``last_day`` is
            outside that range
        """
        for subscription in self:
            planned = subscription._get_planned_end()
            if subscription.state != "paid":
                raise UserError(
                    _(
                        "Package subscription %(name)s is not paid, so it "
                        "covers nothing to end: cancel its invoice instead.",
                        name=subscription.name,
                    )
                )
            first = subscription.date_start - timedelta(days=1)
            if not first <= last_day < planned:
                raise UserError(
                    _(
                        "Package subscription %(name)s cannot end on %(date)s: "
                        "choose a day from %(first)s to %(last)s.",
                        name=subscription.name,
                        date=last_day,
                        first=first,
                        last=planned - timedelta(days=1),
                    )
                )
            subscription.date_ended_early = last_day
            subscription.message_post(
                body=_(
                    "Ended early: covered until %(date)s instead of %(planned)s. "
                    "Billing runs bill its fee items again from %(next)s.",
                    date=last_day,
                    planned=planned,
                    next=last_day + timedelta(days=1),
                )
            )

    def _get_renewal(self):
        """Return the live subscription that continues this one, if any."""
        self.ensure_one()
        return self.search(
            [
                ("unit_id", "=", self.unit_id.id),
                ("package_id", "=", self.package_id.id),
                ("state", "in", ("invoiced", "paid")),
                ("date_start", "=", self.date_end + timedelta(days=1)),
            ],
            limit=1,
        )

    @api.model
    def _compute_price(self, package, unit, date_start):
        """Compute what ``package`` costs for ``unit`` from ``date_start``.

        :return: the total as a float, in the company currency
        :raise UserError: when a line of the package has no price for the unit
        """
        subscription = self.new(
            {"package_id": package.id, "unit_id": unit.id, "date_start": date_start}
        )
        values = subscription._prepare_invoice_values()
        return sum(command[2]["price_unit"] for command in values["invoice_line_ids"])

    @api.model
    def _cron_cancel_unpaid(self):
        """Cancel the invoices of packages not paid at all by their first day."""
        today = fields.Date.context_today(self)
        expired = self.search(
            [
                ("state", "=", "invoiced"),
                ("date_start", "<", today),
                ("move_id.payment_state", "=", "not_paid"),
            ]
        )
        for subscription in expired:
            subscription.move_id.button_cancel()
            subscription.message_post(
                body=_(
                    "Cancelled: the invoice was not paid by %(date)s, the first "
                    "day of the package.",
                    date=subscription.date_start,
                )
            )
        return expired

    @api.model
    def _get_covering(self, units, fee_items, date_from, date_to):
        """Return the paid subscriptions of these units overlapping the dates."""
        return self.search(
            [
                ("unit_id", "in", units.ids),
                ("state", "=", "paid"),
                ("fee_item_ids", "in", fee_items.ids),
                ("date_start", "<=", date_to),
                ("date_end", ">=", date_from),
            ]
        )
