import logging
import time
from collections import defaultdict
from datetime import timedelta

from psycopg2 import OperationalError

from odoo import Command, _, api, fields, models, modules
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, split_every

from ..tools import periods

_logger = logging.getLogger(__name__)

# Billing partners invoiced per database transaction in background runs, and
# per savepoint in foreground runs.
DEFAULT_CHUNK_SIZE = 200
# Billing partners per scheduled-action call. Odoo may call the job ten times
# in a row within one cron thread's real-time limit (120 seconds by default),
# and 100 invoices take about 5 seconds on a 2-core machine.
CRON_MAX_CHUNK_SIZE = 100
# Invoice names listed in a run's note of skipped charges.
SKIPPED_INVOICES_SHOWN = 5
# Unit fees whose charges are computed and stored per batch of the preview, so
# that memory does not grow with the number of units.
PREVIEW_BATCH_SIZE = 1000
# A run analyzes these tables after its first chunk when they held fewer rows
# than this many chunks add (see _refresh_ledger_statistics).
LEDGER_STATISTICS_CHUNKS = 20
LEDGER_TABLES = ("account_move", "account_move_line", "account_analytic_line")
# Runs over at least this many units go to the background.
DEFAULT_BACKGROUND_THRESHOLD = 5000
# Maximum period of a run, in months, when the system parameter below is not
# set. It equals the maximum billing cycle of a fee item.
DEFAULT_MAX_PERIOD_MONTHS = 12
MAX_PERIOD_MONTHS_PARAM = "property_billing.max_period_months"

INVOICE_CONTEXT = {
    # Chatter messages and tracking values are most of the cost of creating
    # invoices in bulk. They tell nothing for machine-made bills, because the
    # run itself records who billed what.
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_notrack": True,
    "mail_auto_subscribe_no_notify": True,
}


class PropertyBillingRun(models.Model):
    """A billing run (批量收费): every fee of a community for a period.

    The run invoices all of them at once, one invoice per billing partner.
    """

    _name = "property.billing.run"
    _description = "Property Billing Run"
    _inherit = ["mail.thread"]
    _order = "period_start desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        required=True, copy=False, readonly=True, default=lambda self: _("New")
    )
    community_id = fields.Many2one(
        comodel_name="property.community",
        required=True,
        index=True,
        tracking=True,
        ondelete="restrict",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    building_ids = fields.Many2many(
        comodel_name="property.building",
        string="Buildings",
        domain="[('community_id', '=', community_id)]",
        help="Bill only these buildings; all buildings when empty.",
    )
    unit_ids = fields.Many2many(
        comodel_name="property.unit",
        string="Units",
        domain="[('community_id', '=', community_id)]",
        help="Bill only these units; all units when empty.",
    )
    fee_item_ids = fields.Many2many(
        comodel_name="property.fee.item",
        string="Fee Items",
        help="Bill only these fee items; every fee applied to the units when empty.",
    )
    period_start = fields.Date(
        required=True,
        tracking=True,
        default=lambda self: periods.month_start(fields.Date.context_today(self)),
    )
    period_end = fields.Date(
        compute="_compute_period_end",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
        tracking=True,
        help="Last day billed; the end of the start's month unless changed.",
    )
    invoice_date = fields.Date(
        compute="_compute_invoice_date",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
        help="Date of the invoices: the first day of the period unless changed, "
        "so bills of different months never share a date.",
    )
    due_date = fields.Date(
        compute="_compute_due_date",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
        help="Due date of the bills when the community has no payment terms.",
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="draft",
        required=True,
        copy=False,
        tracking=True,
        index=True,
    )
    charge_ids = fields.One2many(
        comodel_name="property.billing.charge",
        inverse_name="run_id",
        string="Charges",
        readonly=True,
    )
    error_ids = fields.One2many(
        comodel_name="property.billing.run.error",
        inverse_name="run_id",
        string="Errors",
        readonly=True,
    )
    warning_ids = fields.One2many(
        comodel_name="property.billing.run.warning",
        inverse_name="run_id",
        string="Warnings",
        readonly=True,
    )
    invoice_ids = fields.One2many(
        comodel_name="account.move",
        inverse_name="property_billing_run_id",
        string="Invoices",
        readonly=True,
    )
    charge_count = fields.Integer(compute="_compute_totals")
    invoice_count = fields.Integer(compute="_compute_totals")
    error_count = fields.Integer(compute="_compute_totals")
    warning_count = fields.Integer(compute="_compute_totals")
    billed_unit_count = fields.Integer(string="Units Billed", compute="_compute_totals")
    amount_total = fields.Monetary(string="Total Billed", compute="_compute_totals")
    amount_preview = fields.Monetary(string="Total to Bill", compute="_compute_totals")
    skipped_count = fields.Integer(
        string="Charges Skipped",
        readonly=True,
        copy=False,
        help="Charges not billed because a live charge already bills that unit, "
        "fee item and period.",
    )
    skipped_note = fields.Text(readonly=True, copy=False)
    partner_total = fields.Integer(readonly=True, copy=False)
    partner_done = fields.Integer(readonly=True, copy=False)
    progress = fields.Float(compute="_compute_progress")
    date_done = fields.Datetime(readonly=True, copy=False)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Billed By",
        readonly=True,
        copy=False,
        help="User who generated the invoices, shown as the bills' salesperson.",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("period_start")
    def _compute_period_end(self):
        for run in self:
            run.period_end = run.period_start and periods.month_end(run.period_start)

    @api.depends("period_start")
    def _compute_invoice_date(self):
        for run in self:
            run.invoice_date = run.period_start

    @api.depends("invoice_date", "community_id.due_days")
    def _compute_due_date(self):
        for run in self:
            if run.invoice_date:
                run.due_date = run.invoice_date + timedelta(
                    days=run.community_id.due_days
                )
            else:
                run.due_date = False

    @api.depends(
        "charge_ids.state",
        "charge_ids.amount",
        "error_ids",
        "warning_ids",
        "invoice_ids",
    )
    def _compute_totals(self):
        # Summed by the database: a run of 10,000 units has 30,000 charges or
        # more, which reading into memory would cost more than the bills.
        totals = defaultdict(lambda: (0, 0, 0.0))
        counts = defaultdict(int)
        runs = self.filtered("id")
        if runs:
            groups = self.env["property.billing.charge"]._read_group(
                [("run_id", "in", runs.ids)],
                groupby=["run_id", "state"],
                aggregates=["__count", "unit_id:count_distinct", "amount:sum"],
            )
            for run, state, count, unit_count, amount in groups:
                totals[run.id, state] = (count, unit_count, amount)
                counts[run.id] += count
        for run in self:
            invoiced = totals[run.id, "invoiced"]
            run.charge_count = counts[run.id]
            run.invoice_count = len(run.invoice_ids)
            run.error_count = len(run.error_ids)
            run.warning_count = len(run.warning_ids)
            run.billed_unit_count = invoiced[1]
            run.amount_total = invoiced[2]
            run.amount_preview = totals[run.id, "draft"][2]

    @api.depends("partner_total", "partner_done", "state")
    def _compute_progress(self):
        for run in self:
            if run.state in ("done", "failed"):
                run.progress = 100.0
            elif run.partner_total:
                run.progress = 100.0 * run.partner_done / run.partner_total
            else:
                run.progress = 0.0

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains("period_start", "period_end")
    def _check_period(self):
        for run in self:
            if run.period_end < run.period_start:
                raise ValidationError(
                    _(
                        "The billing period ends on %(end)s, before it starts on "
                        "%(start)s: set an end date on or after the start date.",
                        end=run.period_end,
                        start=run.period_start,
                    )
                )
            if not periods.is_whole_months(run.period_start, run.period_end):
                raise ValidationError(
                    _(
                        "The billing period %(start)s to %(end)s does not cover whole "
                        "months: start it on the 1st and end it on the last day of a "
                        "month, such as %(example_start)s to %(example_end)s.",
                        start=run.period_start,
                        end=run.period_end,
                        example_start=periods.month_start(run.period_start),
                        example_end=periods.month_end(run.period_start),
                    )
                )
            run._check_period_length()

    @api.model
    def _get_max_period_months(self):
        """Return the longest period a run may bill, in months.

        :raise ValidationError: when the system parameter is not a whole
            number of at least 1
        """
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(MAX_PERIOD_MONTHS_PARAM, DEFAULT_MAX_PERIOD_MONTHS)
        )
        try:
            max_months = int(value)
        except (TypeError, ValueError):
            max_months = 0
        if max_months < 1:
            raise ValidationError(
                _(
                    "The system parameter %(param)s is %(value)s, which is not a "
                    "number of months: set it to a whole number of at least 1, "
                    "such as %(default)s.",
                    param=MAX_PERIOD_MONTHS_PARAM,
                    value=value,
                    default=DEFAULT_MAX_PERIOD_MONTHS,
                )
            )
        return max_months

    def _check_period_length(self):
        """Reject a period longer than the system parameter allows.

        A mistyped year in the end date would otherwise post years of bills
        to every owner at once.
        """
        self.ensure_one()
        max_months = self._get_max_period_months()
        months = periods.month_count(self.period_start, self.period_end)
        if months > max_months:
            raise ValidationError(
                _(
                    "The billing period %(start)s to %(end)s covers %(months)s "
                    "months, more than the %(max)s months one run may bill: check "
                    "the end date, or bill the period in several runs. An "
                    "administrator can raise the limit in the system parameter "
                    "%(param)s.",
                    start=self.period_start,
                    end=self.period_end,
                    months=months,
                    max=max_months,
                    param=MAX_PERIOD_MONTHS_PARAM,
                )
            )

    @api.constrains("invoice_date", "due_date")
    def _check_due_date(self):
        for run in self:
            if run.due_date < run.invoice_date:
                raise ValidationError(
                    _(
                        "The due date %(due)s is before the invoice date %(date)s: "
                        "set a due date on or after the invoice date.",
                        due=run.due_date,
                        date=run.invoice_date,
                    )
                )

    @api.constrains("community_id", "company_id")
    def _check_community_company(self):
        for run in self:
            if run.community_id.company_id != run.company_id:
                raise ValidationError(
                    _(
                        "Community %(community)s belongs to company "
                        "%(community_company)s, not to %(company)s: switch to company "
                        "%(community_company)s "
                        "to bill it.",
                        community=run.community_id.display_name,
                        community_company=run.community_id.company_id.name,
                        company=run.company_id.name,
                    )
                )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("community_id") and not vals.get("company_id"):
                community = self.env["property.community"].browse(vals["community_id"])
                vals["company_id"] = community.company_id.id
            if vals.get("name", _("New")) == _("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code(
                    "property.billing.run"
                ) or _("New")
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_billed(self):
        for run in self:
            if run.state != "draft" or run.invoice_ids:
                raise UserError(
                    _(
                        "Billing run %(run)s has billed invoices and cannot be "
                        "deleted: cancel its invoices instead.",
                        run=run.name,
                    )
                )

    @api.onchange("community_id")
    def _onchange_community_id(self):
        if self.community_id:
            self.company_id = self.community_id.company_id

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_preview(self):
        """Compute every charge of the run as a preview, without invoicing."""
        for run in self:
            run._check_can_bill()
            run._prepare_preview()
        return True

    def action_generate(self):
        """Invoice the run's charges: now, or in the background for large runs."""
        for run in self:
            run._check_can_bill()
            run._lock_community()
            run.user_id = self.env.user
            run._prepare_preview()
            if run._use_background():
                run.state = "running"
                run._message_log(
                    body=_(
                        "Billing %(partners)s partners in the background.",
                        partners=run.partner_total,
                    )
                )
                self.env.ref("property_billing.ir_cron_property_billing_run")._trigger()
            else:
                run._process_charges()
                run._finish()
        return True

    def action_reset_to_draft(self):
        for run in self:
            if run.state != "failed":
                raise UserError(
                    _("Only a failed billing run can be set back to draft.")
                )
            run.state = "draft"
        return True

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("property_billing_run_id", "=", self.id)]
        action["context"] = {"create": False, "default_move_type": "out_invoice"}
        return action

    def action_print_notices(self):
        """Print one payment notice per billing partner of the run."""
        self.ensure_one()
        invoices = self.invoice_ids.filtered(lambda move: move.state == "posted")
        if not invoices:
            raise UserError(
                _(
                    "Billing run %(run)s has no posted invoice, so there is no "
                    "payment notice to print: generate its invoices first.",
                    run=self.name,
                )
            )
        return self.env.ref(
            "property_billing.property_payment_notice_report_action"
        ).report_action(invoices, config=False)

    def action_view_charges(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "property_billing.property_billing_charge_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {"search_default_group_by_partner": 0}
        return action

    # ------------------------------------------------------------
    # BUSINESS METHODS: PREVIEW
    # ------------------------------------------------------------

    def _check_can_bill(self):
        self.ensure_one()
        if self.state != "draft":
            raise UserError(
                _(
                    "Billing run %(run)s is %(state)s: only a draft run can be "
                    "previewed or billed.",
                    run=self.name,
                    state=dict(self._fields["state"].selection)[self.state],
                )
            )
        if self.community_id.company_id not in self.env.companies:
            raise UserError(
                _(
                    "Community %(community)s belongs to company %(company)s, which is "
                    "not among your selected companies: select it in the company "
                    "switcher to bill this community.",
                    community=self.community_id.display_name,
                    company=self.community_id.company_id.name,
                )
            )
        self._check_community_company()
        self._check_period()
        self.community_id._get_sale_journal()

    def _lock_community(self):
        """Serialise billing runs of one community across transactions.

        The row update makes a concurrent transaction that billed the same
        community fail with a serialization error when it commits second, and
        Odoo retries that request on a fresh snapshot, where the charges this
        one billed are visible and skipped.
        """
        self.ensure_one()
        self.env.cr.execute(
            "UPDATE property_community SET write_date = write_date WHERE id = %s",
            [self.community_id.id],
        )

    def _get_unit_fees(self):
        self.ensure_one()
        domain = [
            ("community_id", "=", self.community_id.id),
            ("unit_id.active", "=", True),
            ("date_start", "<=", self._get_horizon_end()),
            "|",
            ("date_end", "=", False),
            ("date_end", ">=", self.period_start),
        ]
        if self.building_ids:
            domain.append(("unit_id.building_id", "in", self.building_ids.ids))
        if self.unit_ids:
            domain.append(("unit_id", "in", self.unit_ids.ids))
        if self.fee_item_ids:
            domain.append(("fee_item_id", "in", self.fee_item_ids.ids))
        return self.env["property.unit.fee"].search(domain)

    def _get_horizon_end(self):
        # Fees starting after the run's period are never billed by it.
        return self.period_end

    def _prepare_preview(self):
        """Replace the run's preview charges and errors by fresh ones.

        The charges are computed and stored batch by batch, so that memory
        does not grow with the number of units.
        """
        self.ensure_one()
        Charge = self.env["property.billing.charge"]
        Charge.search(
            [("run_id", "=", self.id), ("state", "=", "draft")]
        )._unlink_preview()
        self.error_ids.unlink()
        self.warning_ids.unlink()
        # A unit without an owner fails once per fee with the same message.
        unique_errors = {}
        warning_vals = []
        partner_ids = set()
        skipped = []
        charge_count = 0
        for charge_vals, error_vals in self._iter_charge_values():
            for vals in error_vals:
                # Charge sources flag what they leave out on purpose as warnings.
                if vals.get("warning"):
                    warning_vals.append(
                        {key: value for key, value in vals.items() if key != "warning"}
                    )
                    continue
                unique_errors.setdefault((vals.get("unit_id"), vals["message"]), vals)
            charge_vals, batch_skipped = self._filter_billed(charge_vals)
            skipped += batch_skipped
            partner_ids.update(vals["partner_id"] for vals in charge_vals)
            charge_count += len(charge_vals)
            Charge.create([dict(vals, run_id=self.id) for vals in charge_vals])
            # The charges are read again chunk by chunk when they are billed.
            self.env.flush_all()
            self.env.invalidate_all()
        error_vals = list(unique_errors.values())
        self.env["property.billing.run.error"].create(
            [dict(vals, run_id=self.id) for vals in error_vals]
        )
        self.env["property.billing.run.warning"].create(
            [dict(vals, run_id=self.id) for vals in warning_vals]
        )
        self.write(
            {
                "skipped_count": len(skipped),
                "skipped_note": self._format_skipped(skipped),
                "partner_total": len(partner_ids),
                "partner_done": 0,
            }
        )
        _logger.info(
            "billing run %s previewed: %d charges, %d errors, %d warnings, %d skipped",
            self.id,
            charge_count,
            len(error_vals),
            len(warning_vals),
            len(skipped),
        )

    def _iter_charge_values(self):
        """Yield the run's charges and errors, one batch of unit fees at a time.

        The unit fees that ``_get_fee_unit_fees`` returns come first, in
        batches, then what ``_collect_charge_values`` adds. Each batch goes
        through ``_filter_charge_values``.

        :return: an iterator of pairs (charge value dicts, error dicts)
        """
        self.ensure_one()
        unit_fees = self._get_fee_unit_fees()
        for batch_ids in split_every(PREVIEW_BATCH_SIZE, unit_fees.ids):
            batch = unit_fees.browse(batch_ids)
            yield self._filter_charge_values(
                *batch._prepare_charge_values(self.period_start, self.period_end)
            )
        yield self._filter_charge_values(*self._collect_charge_values())

    def _get_fee_unit_fees(self):
        """Return the unit fees billed from their rate, in batches.

        Extension point: a charge source that computes some fee items itself
        (meter readings) leaves them out here.
        """
        return self._get_unit_fees()

    def _collect_charge_values(self):
        """Return the charges and errors of charge sources other than unit fees.

        Extension point: other charge sources, such as meter readings or late
        fees, add their values to the lists returned here. They are computed
        for the whole run at once.

        :return: a pair (charge value dicts, error dicts)
        """
        self.ensure_one()
        return [], []

    def _filter_charge_values(self, charge_vals, error_vals):
        """Return the charges and errors of one batch that the run keeps.

        Extension point: a feature that bills some charges elsewhere (a
        prepaid package, for instance) removes them here.

        :return: a pair (charge value dicts, error dicts)
        """
        return charge_vals, error_vals

    def _filter_billed(self, charge_vals):
        """Split charges into those still to bill and those a live charge covers.

        A charge is covered when a live charge of the same unit and fee item
        overlaps its period, so edited fee dates never bill a day twice.

        :return: (charges to bill, list of (charge values, invoice name))
        """
        if not charge_vals:
            return [], []
        unit_ids = list({vals["unit_id"] for vals in charge_vals})
        fee_item_ids = list({vals["fee_item_id"] for vals in charge_vals})
        self.env["property.billing.charge"].flush_model()
        self.env.cr.execute(
            """
            SELECT charge.unit_id, charge.fee_item_id, charge.period_start,
                   charge.period_end, move.name
              FROM property_billing_charge charge
              LEFT JOIN account_move move ON move.id = charge.move_id
             WHERE charge.state = 'invoiced'
               AND charge.unit_id = ANY(%s)
               AND charge.fee_item_id = ANY(%s)
               AND charge.period_start <= %s
               AND charge.period_end >= %s
            """,
            [
                unit_ids,
                fee_item_ids,
                max(vals["period_end"] for vals in charge_vals),
                min(vals["period_start"] for vals in charge_vals),
            ],
        )
        live = defaultdict(list)
        for unit_id, fee_item_id, start, end, move_name in self.env.cr.fetchall():
            live[unit_id, fee_item_id].append((start, end, move_name))
        to_bill = []
        skipped = []
        for vals in charge_vals:
            covering = next(
                (
                    move_name
                    for start, end, move_name in live.get(
                        (vals["unit_id"], vals["fee_item_id"]), ()
                    )
                    if start <= vals["period_end"] and vals["period_start"] <= end
                ),
                None,
            )
            if covering is None:
                to_bill.append(vals)
            else:
                skipped.append((vals, covering))
        return to_bill, skipped

    def _format_skipped(self, skipped):
        if not skipped:
            return False
        invoices = sorted(
            {move_name or _("an unknown invoice") for _v, move_name in skipped}
        )
        shown = ", ".join(invoices[:SKIPPED_INVOICES_SHOWN])
        if len(invoices) > SKIPPED_INVOICES_SHOWN:
            return _(
                "%(count)s charges already billed on %(invoice_count)s invoices: "
                "%(invoices)s and %(more)s more",
                count=len(skipped),
                invoice_count=len(invoices),
                invoices=shown,
                more=len(invoices) - SKIPPED_INVOICES_SHOWN,
            )
        return _(
            "%(count)s charges already billed on %(invoices)s",
            count=len(skipped),
            invoices=shown,
        )

    def _use_background(self):
        self.ensure_one()
        threshold = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(
                "property_billing.background_threshold", DEFAULT_BACKGROUND_THRESHOLD
            )
        )
        return self._get_preview_unit_count() >= threshold

    def _get_preview_unit_count(self):
        """Return the number of units the run's preview charges bill."""
        self.ensure_one()
        groups = self.env["property.billing.charge"]._read_group(
            [("run_id", "=", self.id), ("state", "=", "draft")],
            aggregates=["unit_id:count_distinct"],
        )
        return groups[0][0] if groups else 0

    def _get_chunk_size(self):
        return int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("property_billing.chunk_size", DEFAULT_CHUNK_SIZE)
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS: INVOICING
    # ------------------------------------------------------------

    def _process_charges(self, commit=False, time_budget=None, chunk_size=None):
        """Invoice the run's preview charges one chunk of billing partners at a time.

        :param bool commit: commit after each chunk (background runs only)
        :param time_budget: seconds after which to stop, or None
        :param chunk_size: billing partners per chunk; the system parameter
            when None
        :return: True when no preview charge is left
        """
        self.ensure_one()
        started = time.monotonic()
        chunk_size = chunk_size or self._get_chunk_size()
        ledger_rows = self._get_ledger_row_estimate()
        first_chunk = True
        while True:
            partner_ids = self._get_next_partner_ids(chunk_size)
            if not partner_ids:
                return True
            self._lock_community()
            self._bill_partners(partner_ids)
            self.partner_done += len(partner_ids)
            if first_chunk:
                self._refresh_ledger_statistics(ledger_rows)
            first_chunk = False
            if commit:
                self._commit_progress()
            # Each chunk's invoices and lines stay in the ORM cache otherwise,
            # so memory would grow with the number of units billed.
            self.env.invalidate_all()
            if time_budget is not None and time.monotonic() - started > time_budget:
                return not self._get_next_partner_ids(1)

    def _get_ledger_row_estimate(self):
        """Return PostgreSQL's estimate of the number of journal items."""
        self.env.cr.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'account_move_line'::regclass"
        )
        return self.env.cr.fetchone()[0]

    def _refresh_ledger_statistics(self, ledger_rows):
        """Analyze the ledger tables when the first chunk outgrew their statistics.

        On a young database (a company's first billing run), PostgreSQL's
        statistics describe nearly empty invoice tables. A run in one
        transaction then makes them many times larger before autovacuum can
        analyze them, and the planner keeps choosing plans (sequential scans
        inside nested loops) whose cost grows with every invoice. ANALYZE
        inside the transaction counts its own new rows, so the rest of the
        run gets plans for the tables' real size. ``_process_charges`` calls it
        after its first chunk, and it analyzes only when the ledger held fewer
        journal items than 20 times what the run has added so far.

        :param float ledger_rows: the estimate before the run, negative when
            the table was never analyzed
        """
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT COUNT(*) FROM account_move_line WHERE move_id IN "
            "(SELECT id FROM account_move WHERE property_billing_run_id = %s)",
            [self.id],
        )
        chunk_rows = self.env.cr.fetchone()[0]
        if ledger_rows >= 0 and ledger_rows > LEDGER_STATISTICS_CHUNKS * chunk_rows:
            return
        _logger.info(
            "billing run %s: analyzing the ledger tables (%d journal items "
            "estimated, %d added by the first chunk)",
            self.id,
            ledger_rows,
            chunk_rows,
        )
        for table in LEDGER_TABLES:
            # A database user who does not own the table gets a warning from
            # PostgreSQL, not an error: the run goes on with the old plans.
            self.env.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))

    def _get_next_partner_ids(self, limit):
        self.env["property.billing.charge"].flush_model()
        self.env.cr.execute(
            """
            SELECT DISTINCT partner_id
              FROM property_billing_charge
             WHERE run_id = %s AND state = 'draft'
             ORDER BY partner_id
             LIMIT %s
            """,
            [self.id, limit],
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _bill_partners(self, partner_ids):
        """Invoice the preview charges of these billing partners.

        The whole chunk goes through one savepoint; when it fails, each partner
        is tried alone, and a partner that still fails is recorded as an error
        on every unit it would have been billed for.
        """
        charges = self.env["property.billing.charge"].search(
            [
                ("run_id", "=", self.id),
                ("state", "=", "draft"),
                ("partner_id", "in", partner_ids),
            ]
        )
        try:
            with self.env.cr.savepoint():
                self._invoice_charges(charges)
            return
        except OperationalError:
            raise
        except Exception:  # noqa: BLE001  (retried partner by partner below)
            self.env["account.move"]._clear_batch_sequence_caches()
            _logger.info(
                "billing run %s: chunk of %d partners failed, retrying one by one",
                self.id,
                len(partner_ids),
                exc_info=True,
            )
        for partner_charges in charges.grouped("partner_id").values():
            try:
                with self.env.cr.savepoint():
                    self._invoice_charges(partner_charges)
            except OperationalError:
                raise
            except Exception as error:  # noqa: BLE001  (recorded on the run)
                self.env["account.move"]._clear_batch_sequence_caches()
                _logger.warning(
                    "billing run %s: partner %s not billed: %s",
                    self.id,
                    partner_charges.partner_id.id,
                    error,
                )
                self._record_failure(partner_charges, error)

    def _record_failure(self, charges, error):
        message = str(error.args[0]) if getattr(error, "args", None) else str(error)
        self.env["property.billing.run.error"].create(
            [
                {
                    "run_id": self.id,
                    "unit_id": unit.id,
                    "partner_id": unit_charges.partner_id[:1].id,
                    "fee_item_id": False,
                    "message": message,
                }
                for unit, unit_charges in charges.grouped("unit_id").items()
            ]
        )
        charges._unlink_preview()

    def _invoice_charges(self, charges):
        """Create and post one invoice per billing partner for ``charges``."""
        if not charges:
            return self.env["account.move"]
        charge_vals = [
            {
                "unit_id": charge.unit_id.id,
                "fee_item_id": charge.fee_item_id.id,
                "period_start": charge.period_start,
                "period_end": charge.period_end,
                "charge_id": charge.id,
            }
            for charge in charges
        ]
        to_bill, skipped = self._filter_billed(charge_vals)
        if skipped:
            skipped_ids = [vals["charge_id"] for vals, _name in skipped]
            self.skipped_count += len(skipped)
            self.skipped_note = "\n".join(
                filter(None, [self.skipped_note, self._format_skipped(skipped)])
            )
            self.env["property.billing.charge"].browse(skipped_ids)._unlink_preview()
            charges = charges.browse([vals["charge_id"] for vals in to_bill])
        if not charges:
            return self.env["account.move"]
        # Looked up once: a search per invoice otherwise.
        journal = self.community_id._get_sale_journal()
        vals_list = [
            self._prepare_invoice_values(partner, partner_charges, journal=journal)
            for partner, partner_charges in charges.grouped("partner_id").items()
        ]
        moves_env = self.env["account.move"].with_context(**INVOICE_CONTEXT)
        if self._can_prepare_dynamic_lines(charges):
            # Odoo derives the receivable lines of each invoice from its
            # product lines by comparing every invoice before and after each
            # write. Given here, they are only checked once for balance.
            for vals in vals_list:
                self._add_payment_term_lines(vals)
            self._add_precomputed_line_values(vals_list)
            moves_env = moves_env.with_context(
                skip_invoice_sync=True, skip_invoice_line_sync=True
            )
        moves = moves_env.create(vals_list)
        self._subscribe_invoice_partners(moves)
        self._post_invoices(moves)
        self._link_charges(moves)
        return moves.with_env(self.env)

    def _prepare_invoice_values(self, partner, charges, journal=None):
        self.ensure_one()
        community = self.community_id
        analytic = community.analytic_account_id
        journal = journal or community._get_sale_journal()
        vals = {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "company_id": self.company_id.id,
            "journal_id": journal.id,
            # Posting sets it from the journal, one write per invoice otherwise.
            "checked": journal.autocheck_on_post,
            "currency_id": self.company_id.currency_id.id,
            "invoice_date": self.invoice_date,
            "invoice_origin": self.name,
            "invoice_user_id": self._get_invoice_user().id,
            "property_billing_run_id": self.id,
            "property_community_id": community.id,
            "line_ids": [
                Command.create(
                    {
                        "display_type": "product",
                        "product_id": charge.fee_item_id.product_id.id,
                        "name": charge.label,
                        "quantity": 1.0,
                        "price_unit": charge.amount,
                        # An invoice line's balance is minus its subtotal. When
                        # it is given, Odoo's tax sync leaves untaxed invoices'
                        # lines alone instead of writing each line again. An
                        # invoice with a taxed line is still fully recomputed.
                        "balance": -charge.amount,
                        "amount_currency": -charge.amount,
                        "analytic_distribution": {str(analytic.id): 100}
                        if analytic
                        else False,
                        "property_charge_id": charge.id,
                    }
                )
                for charge in charges.sorted(
                    lambda c: (
                        c.unit_id.code,
                        c.fee_item_id.sequence,
                        c.fee_item_id.id,
                        c.period_start,
                    )
                )
            ],
        }
        if community.payment_term_id:
            vals["invoice_payment_term_id"] = community.payment_term_id.id
        else:
            vals["invoice_date_due"] = self.due_date
        return vals

    def _get_invoice_user(self):
        """Return the salesperson of the run's bills: the user who generated them.

        Scheduled runs and the superuser give none, so owners never see
        OdooBot as their contact.
        """
        self.ensure_one()
        user = self.user_id
        if not user or user._is_superuser() or user.share:
            return self.env["res.users"]
        return user

    def _subscribe_invoice_partners(self, moves):
        """Make each invoice's partner a follower of it, in one create.

        Posting subscribes the partner invoice by invoice, a few queries each,
        unless the partner already follows. The followers matter because the
        portal's record rule on invoices grants access through them. The subtypes are
        those ``message_subscribe`` gives: the external ones for portal and
        other share partners, the defaults for internal users.
        """
        moves = moves.filtered(
            lambda move: (
                move.partner_id
                and move.partner_id not in move.sudo().message_partner_ids
            )
        )
        if not moves:
            return
        default, _internal, external = self.env[
            "mail.message.subtype"
        ].default_subtypes("account.move")
        partners = moves.partner_id.filtered("active")
        customers = partners.filtered("partner_share")
        self.env["mail.followers"].sudo().create(
            [
                {
                    "res_model": "account.move",
                    "res_id": move.id,
                    "partner_id": move.partner_id.id,
                    "subtype_ids": [
                        Command.set(
                            external.ids
                            if move.partner_id in customers
                            else default.ids
                        )
                    ],
                }
                for move in moves
                if move.partner_id in partners
            ]
        )
        moves.sudo().invalidate_recordset(
            ["message_follower_ids", "message_partner_ids"]
        )

    def _link_charges(self, moves):
        """Mark the charges of ``moves`` as invoiced, in one statement.

        The partial unique index on live charges is checked here: a second
        live charge for the same unit, fee item and period fails this update.
        """
        self.env["account.move.line"].flush_model(["property_charge_id", "move_id"])
        self.env.cr.execute(
            """
            UPDATE property_billing_charge charge
               SET move_id = line.move_id,
                   move_line_id = line.id,
                   was_invoiced = TRUE,
                   state = 'invoiced'
              FROM account_move_line line
             WHERE line.property_charge_id = charge.id
               AND line.move_id = ANY(%s)
            """,
            [moves.ids],
        )
        self.env["property.billing.charge"].invalidate_model(
            ["move_id", "move_line_id", "was_invoiced", "state"]
        )

    def _commit_progress(self):
        # Background runs commit each chunk so a crash keeps what was billed;
        # tests run inside one transaction that must not be committed.
        if modules.module.current_test:
            return
        self.env.cr.commit()  # pylint: disable=invalid-commit

    def _finish(self):
        self.ensure_one()
        self.invalidate_recordset()
        # Failed means there was something to bill and none of it was billed;
        # a run whose charges were all billed before is done.
        failed = (
            not self.billed_unit_count
            and not self.skipped_count
            and bool(self.error_ids)
        )
        self.write(
            {
                "state": "failed" if failed else "done",
                "date_done": fields.Datetime.now(),
            }
        )
        self._message_log(
            body=_(
                "Billed %(units)s units on %(invoices)s invoices for %(amount)s; "
                "%(skipped)s charges skipped as already billed, %(errors)s errors.",
                units=self.billed_unit_count,
                invoices=self.invoice_count,
                amount=self.currency_id.format(self.amount_total),
                skipped=self.skipped_count,
                errors=self.error_count,
            )
        )
        _logger.info(
            "billing run %s %s: %d invoices, %d units, %d skipped, %d errors",
            self.id,
            self.state,
            self.invoice_count,
            self.billed_unit_count,
            self.skipped_count,
            self.error_count,
        )

    # ------------------------------------------------------------
    # CRON
    # ------------------------------------------------------------

    @api.model
    def _cron_process_runs(self):
        """Bill one chunk of the oldest background run and report progress.

        One chunk per call keeps each call short: Odoo 18 calls a job again,
        up to ten times in a row, while it reports work remaining, and stops a
        cron thread that runs longer than its real-time limit (120 seconds by
        default). The trigger wakes the job again once those ten calls are over.
        """
        run = self.search([("state", "=", "running")], order="id", limit=1)
        if not run:
            return
        cron = self.env.ref("property_billing.ir_cron_property_billing_run")
        run = run.with_company(run.company_id)
        done_before = run.partner_done
        finished = run._process_charges(
            commit=True,
            time_budget=0,
            chunk_size=min(run._get_chunk_size(), CRON_MAX_CHUNK_SIZE),
        )
        if finished:
            run._finish()
            run._commit_progress()
        running = self.search([("state", "=", "running")])
        remaining = sum(
            max(other.partner_total - other.partner_done, 0) for other in running
        )
        cron._notify_progress(
            done=max(run.partner_done - done_before, 0), remaining=remaining
        )
        if remaining:
            cron._trigger()
