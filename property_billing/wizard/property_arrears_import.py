import base64
import csv
import io
import logging
from collections import defaultdict

from psycopg2 import OperationalError

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from ..tools import arrears, roster
from .property_roster_import import CREATE_CONTEXT

_logger = logging.getLogger(__name__)

# Rows with errors listed in the wizard; the error report lists them all.
ERRORS_SHOWN = 50


class PropertyArrearsImport(models.TransientModel):
    """Import the unpaid fees (历史欠费) a community brings from its previous system.

    The import is all or nothing: every row is checked first, and one bad
    row writes nothing. A row is bad when its unit or fee item is unknown,
    a date or the amount is invalid, or its period overlaps another row or
    a live charge of the same unit and fee item. A row already imported is
    such an overlap, so importing a file twice creates nothing the second
    time.

    Valid rows become posted bills marked as opening arrears, one per billing
    partner and due date, with one charge per row. Their counterpart is the
    opening balance account rather than income, because the previous system
    already recorded that income. Late-fee policies treat these bills like
    any other, from their own due dates.
    """

    _name = "property.arrears.import"
    _description = "Import Historical Arrears"
    _check_company_auto = True

    community_id = fields.Many2one(
        comodel_name="property.community", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="community_id.company_id")
    currency_id = fields.Many2one(related="company_id.currency_id")
    file = fields.Binary(
        string="Arrears File",
        attachment=False,
        help="CSV (UTF-8 or GB18030) or XLSX file with one unpaid fee per row.",
    )
    filename = fields.Char()
    invoice_date = fields.Date(
        string="Bill Date",
        required=True,
        default=fields.Date.context_today,
        help="Accounting date of the opening arrears bills, usually the day the "
        "company starts billing in Odoo. Each bill keeps the due date of its row.",
    )
    account_id = fields.Many2one(
        comodel_name="account.account",
        string="Opening Balance Account",
        compute="_compute_account_id",
        store=True,
        readonly=False,
        check_company=True,
        help="Account credited by the opening arrears bills, instead of the fee "
        "items' income accounts. By default the company's undistributed "
        "profits account, as for Odoo's opening balances.",
    )
    state = fields.Selection(
        selection=[
            ("draft", "Upload"),
            ("checked", "Checked"),
            ("done", "Imported"),
        ],
        default="draft",
        required=True,
    )
    row_count = fields.Integer(string="Rows Read", readonly=True)
    error_count = fields.Integer(string="Rows with Errors", readonly=True)
    amount_total = fields.Monetary(string="Total Amount", readonly=True)
    charge_created_count = fields.Integer(string="Charges Created", readonly=True)
    invoice_created_count = fields.Integer(string="Bills Created", readonly=True)
    invoice_ids = fields.Many2many(
        comodel_name="account.move", string="Bills", readonly=True
    )
    error_text = fields.Text(string="Errors", readonly=True)
    summary = fields.Text(readonly=True)
    error_report = fields.Binary(attachment=False, readonly=True)
    error_report_name = fields.Char(readonly=True)

    @api.depends("community_id")
    def _compute_account_id(self):
        for wizard in self:
            company = wizard.community_id.company_id
            wizard.account_id = company and company.get_unaffected_earnings_account()

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_check(self):
        """Check every row of the file and report the bad ones, writing nothing."""
        self.ensure_one()
        rows = self._read_rows()
        resolved = self._check_rows(rows)
        self._store_results(rows, resolved, written=False)
        return self._action_reopen()

    def action_import(self):
        """Check the file, then bill its rows as opening arrears, or write nothing."""
        self.ensure_one()
        if not self.account_id:
            raise UserError(
                _("Choose the opening balance account that the arrears bills credit.")
            )
        rows = self._read_rows()
        resolved = self._check_rows(rows)
        if any(row.issues for row in rows):
            self._store_results(rows, resolved, written=False)
            return self._action_reopen()
        try:
            with self.env.cr.savepoint():
                moves = self._create_bills(rows, resolved)
        except OperationalError:
            raise
        except Exception as error:
            _logger.exception("arrears import %s failed, nothing written", self.id)
            raise UserError(
                _(
                    "The arrears import failed and nothing was written "
                    "(%(error)s): fix the cause and import the file again.",
                    error=error,
                )
            ) from error
        self.write(
            {
                "charge_created_count": len(rows),
                "invoice_created_count": len(moves),
                "invoice_ids": [Command.set(moves.ids)],
            }
        )
        self._store_results(rows, resolved, written=True)
        _logger.info(
            "arrears import %s into community %s: %d charges on %d bills",
            self.id,
            self.community_id.id,
            len(rows),
            len(moves),
        )
        return self._action_reopen()

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", self.invoice_ids.ids)]
        action["context"] = {"create": False, "default_move_type": "out_invoice"}
        return action

    def _action_reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Import Historical Arrears"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    # ------------------------------------------------------------
    # READING AND CHECKING
    # ------------------------------------------------------------

    def _read_rows(self):
        """Read and parse the uploaded file.

        :rtype: list(arrears.ArrearsRow)
        :raise UserError: when the file cannot be read or lacks a column
        """
        if not self.file:
            raise UserError(_("Choose an arrears file (CSV or XLSX) to import."))
        try:
            table = roster.read_table(base64.b64decode(self.file), self.filename or "")
            return arrears.parse_rows(table, digits=self.currency_id.decimal_places)
        except roster.RosterFileError as error:
            raise UserError(self._file_error_message(error)) from error

    def _file_error_message(self, error):
        params = error.params
        if error.code == "missing_columns":
            return _(
                "The arrears file has no column for %(columns)s. Name the columns "
                "房号, 收费项目, 开始日期, 结束日期, 金额, 到期日, 备注 or unit, "
                "fee_item, period_start, period_end, amount, due_date, note.",
                columns=", ".join(params["columns"]),
            )
        if error.code == "duplicate_column":
            return _(
                "Columns %(headers)s both give the %(column)s: keep one of them.",
                headers=" / ".join(params["headers"]),
                column=params["column"],
            )
        if error.code == "xls_file":
            return _(
                "File %(file)s is in the old Excel format (.xls): save it as .xlsx "
                "or CSV and import it again.",
                file=self.filename,
            )
        if error.code == "xlsx_invalid":
            return _(
                "File %(file)s is not a valid XLSX workbook (%(error)s): save it "
                "again from the spreadsheet, or as CSV.",
                file=self.filename,
                error=params["error"],
            )
        if error.code == "encoding":
            return _(
                "File %(file)s is neither UTF-8 nor GB18030 text: save it as CSV "
                "UTF-8 and import it again.",
                file=self.filename,
            )
        return _(
            "File %(file)s has no arrears rows: add one row per unpaid fee under "
            "the header.",
            file=self.filename,
        )

    def _check_rows(self, rows):
        """Resolve units and fee items and record every issue on its row.

        :return: dict line → (unit, fee item) for the rows that resolved
        """
        units = self._find_units(rows)
        fee_items = self._find_fee_items(rows)
        resolved = {}
        for row in rows:
            unit = units.get(row.unit_code)
            fee_item = fee_items.get(row.fee_item.lower())
            if row.unit_code and not unit:
                row.issues.append(
                    roster.RosterIssue("unit", "unit_unknown", row.unit_code)
                )
            if row.fee_item and not fee_item:
                row.issues.append(
                    roster.RosterIssue("fee_item", "fee_item_unknown", row.fee_item)
                )
            if unit and not unit.billing_partner_id:
                row.issues.append(
                    roster.RosterIssue("unit", "unit_no_partner", row.unit_code)
                )
            if unit and fee_item:
                resolved[row.line] = (unit, fee_item)
        dated = [
            row
            for row in rows
            if row.line in resolved and row.period_start and row.period_end
        ]
        self._check_file_overlaps(dated, resolved)
        self._check_live_charges(dated, resolved)
        return resolved

    def _find_units(self, rows):
        codes = {row.unit_code for row in rows if row.unit_code}
        units = self.env["property.unit"].search(
            [("community_id", "=", self.community_id.id), ("code", "in", list(codes))]
        )
        return {unit.code: unit for unit in units}

    def _find_fee_items(self, rows):
        """Map fee item codes and names, lowercased, to the company's fee items."""
        fee_items = self.env["property.fee.item"].search(
            [("company_id", "in", [False, self.company_id.id])]
        )
        found = {}
        for fee_item in fee_items:
            found.setdefault(fee_item.name.lower(), fee_item)
            if fee_item.code:
                found[fee_item.code.lower()] = fee_item
        return found

    def _check_file_overlaps(self, rows, resolved):
        overlaps = arrears.find_overlaps(
            (
                tuple(record.id for record in resolved[row.line]),
                row.period_start,
                row.period_end,
                row.line,
            )
            for row in rows
        )
        for row in rows:
            if row.line in overlaps:
                row.issues.append(
                    roster.RosterIssue(
                        "period_start",
                        "duplicate_row",
                        row.unit_code,
                        {"other_line": overlaps[row.line]},
                    )
                )

    def _check_live_charges(self, rows, resolved):
        """Reject rows whose period overlaps a live charge, billed or imported."""
        if not rows:
            return
        units = self.env["property.unit"].union(
            *(resolved[row.line][0] for row in rows)
        )
        live = self.env["property.billing.charge"].search(
            [
                ("state", "=", "invoiced"),
                ("unit_id", "in", units.ids),
                ("period_start", "<=", max(row.period_end for row in rows)),
                ("period_end", ">=", min(row.period_start for row in rows)),
            ]
        )
        by_key = defaultdict(list)
        for charge in live:
            by_key[(charge.unit_id.id, charge.fee_item_id.id)].append(charge)
        for row in rows:
            unit, fee_item = resolved[row.line]
            for charge in by_key.get((unit.id, fee_item.id), []):
                if (
                    charge.period_start <= row.period_end
                    and charge.period_end >= row.period_start
                ):
                    row.issues.append(
                        roster.RosterIssue(
                            "period_start",
                            "charge_exists",
                            row.unit_code,
                            {"charge": charge},
                        )
                    )
                    break

    # ------------------------------------------------------------
    # WRITING
    # ------------------------------------------------------------

    def _create_bills(self, rows, resolved):
        """Create the charges and their posted bills, one per partner and due date."""
        Charge = self.env["property.billing.charge"].with_context(**CREATE_CONTEXT)
        charges = Charge.create(
            [self._prepare_charge_values(row, *resolved[row.line]) for row in rows]
        )
        # Store the charges' computed state now: flushed after the SQL update
        # that links them to their bills, it would write "draft" over it.
        charges.flush_recordset()
        groups = defaultdict(lambda: Charge)
        for row, charge in zip(rows, charges, strict=True):
            groups[(charge.partner_id, row.due_date)] |= charge
        journal = self.community_id._get_sale_journal()
        moves = (
            self.env["account.move"]
            .with_context(**CREATE_CONTEXT)
            .create(
                [
                    self._prepare_invoice_values(partner, due_date, group, journal)
                    for (partner, due_date), group in groups.items()
                ]
            )
        )
        Run = self.env["property.billing.run"]
        Run._subscribe_invoice_partners(moves)
        moves.action_post()
        Run._link_charges(moves)
        return moves

    def _prepare_charge_values(self, row, unit, fee_item):
        label = row.note or _(
            "Opening arrears: %(fee)s %(start)s – %(end)s",
            fee=fee_item.name,
            start=row.period_start,
            end=row.period_end,
        )
        return {
            "unit_id": unit.id,
            "community_id": self.community_id.id,
            "company_id": self.company_id.id,
            "fee_item_id": fee_item.id,
            "partner_id": unit.billing_partner_id.id,
            "cycle_start": row.period_start,
            "period_start": row.period_start,
            "period_end": row.period_end,
            "quantity": 1.0,
            "rate": float(row.amount),
            "amount": float(row.amount),
            "label": f"{unit.code} {label}",
        }

    def _prepare_invoice_values(self, partner, due_date, charges, journal):
        return {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "company_id": self.company_id.id,
            "journal_id": journal.id,
            "currency_id": self.currency_id.id,
            "invoice_date": self.invoice_date,
            "invoice_date_due": due_date,
            "invoice_origin": _("Opening arrears"),
            "property_community_id": self.community_id.id,
            "property_opening_arrears": True,
            "invoice_line_ids": [
                Command.create(
                    {
                        "product_id": charge.fee_item_id.product_id.id,
                        "name": charge.label,
                        "account_id": self.account_id.id,
                        "quantity": 1.0,
                        "price_unit": charge.amount,
                        # Historical amounts are final, taxes included.
                        "tax_ids": [Command.clear()],
                        "property_charge_id": charge.id,
                    }
                )
                for charge in charges.sorted(
                    lambda c: (c.unit_id.code, c.fee_item_id.sequence, c.period_start)
                )
            ],
        }

    # ------------------------------------------------------------
    # RESULTS
    # ------------------------------------------------------------

    def _store_results(self, rows, resolved, written):
        errors = [row for row in rows if row.issues]
        amount = sum(row.amount for row in rows if row.amount is not None)
        messages = {row.line: self._row_messages(row) for row in errors}
        self.write(
            {
                "state": "done" if written else "checked",
                "row_count": len(rows),
                "error_count": len(errors),
                "amount_total": float(amount),
                "error_text": self._get_error_text(errors, messages),
                "summary": self._get_summary(rows, errors, written),
                "error_report": self._build_error_report(errors, messages)
                if errors
                else False,
                "error_report_name": self._get_error_report_name() if errors else False,
            }
        )

    def _get_error_text(self, errors, messages):
        """List the first rows with errors, one line each, for the wizard."""
        lines = []
        for row in errors[:ERRORS_SHOWN]:
            lines.append(
                _("Line %(line)s: %(reason)s", line=row.line, reason=messages[row.line])
            )
        if len(errors) > ERRORS_SHOWN:
            lines.append(
                _(
                    "%(count)s more rows with errors: see the error report.",
                    count=len(errors) - ERRORS_SHOWN,
                )
            )
        return "\n".join(lines) or False

    def _get_summary(self, rows, errors, written):
        if written:
            return _(
                "Created %(charges)s charges on %(bills)s posted bills marked as "
                "opening arrears.",
                charges=self.charge_created_count,
                bills=self.invoice_created_count,
            )
        if errors:
            return _(
                "Nothing was imported: %(errors)s of %(rows)s rows have errors. "
                "Download the error report, fix the rows in the file and import "
                "it again.",
                errors=len(errors),
                rows=len(rows),
            )
        return _("The file is valid: %(rows)s unpaid fees to import.", rows=len(rows))

    def _row_messages(self, row):
        messages = []
        for issue in row.issues:
            messages.append(self._issue_message(issue, row))
        return " ".join(messages)

    def _build_error_report(self, error_rows, messages):
        """Write the rows with errors as CSV, with a BOM so Excel reads it as UTF-8."""
        output = io.StringIO()
        writer = csv.writer(output)
        columns = list(arrears.HEADER_ALIASES)
        writer.writerow([_("Line"), *columns, _("Reason")])
        for row in error_rows:
            writer.writerow(
                [row.line, *(row.raw.get(column, "") for column in columns)]
                + [messages[row.line]]
            )
        return base64.b64encode(output.getvalue().encode("utf-8-sig"))

    def _get_error_report_name(self):
        stem = (self.filename or "arrears").rsplit(".", 1)[0]
        return f"{stem}-errors.csv"

    def _issue_message(self, issue, row):
        """Translate a row issue into a message that names the value and the fix."""
        value = issue.value
        details = issue.details
        # ``env._`` because ``_`` finds the language in the caller's frame,
        # which a lambda does not have.
        messages = {
            "unit_missing": lambda: self.env._(
                "Unit is missing: enter the unit code, such as 1-1-301."
            ),
            "unit_unknown": lambda: self.env._(
                "Unit %(unit)s is not in community %(community)s: enter the code "
                "of one of its units, or import the unit first.",
                unit=value,
                community=self.community_id.display_name,
            ),
            "unit_no_partner": lambda: self.env._(
                "Unit %(unit)s has no owner or billing partner to bill: set one "
                "on the unit first.",
                unit=value,
            ),
            "fee_item_missing": lambda: self.env._(
                "Fee item is missing: enter the code or name of a fee item."
            ),
            "fee_item_unknown": lambda: self.env._(
                'Fee item "%(fee)s" is not found: enter the code or name of a fee '
                "item of company %(company)s.",
                fee=value,
                company=self.company_id.name,
            ),
            "date_missing": lambda: self.env._(
                "The %(column)s is missing: enter a date such as 2024-01-31.",
                column=self._column_label(issue.column),
            ),
            "date_invalid": lambda: self.env._(
                'The %(column)s "%(value)s" is invalid: write it as YYYY-MM-DD, '
                "such as 2024-01-31.",
                column=self._column_label(issue.column),
                value=value,
            ),
            "period_order": lambda: self.env._(
                "The period ends on %(end)s, before it starts on %(start)s: put "
                "the start date first.",
                end=value,
                start=row.period_start,
            ),
            "amount_missing": lambda: self.env._(
                "Amount is missing: enter the unpaid amount, such as 256.80."
            ),
            "amount_invalid": lambda: self.env._(
                'Amount "%(value)s" is not a number: enter the unpaid amount, such '
                "as 256.80.",
                value=value,
            ),
            "amount_not_positive": lambda: self.env._(
                "Amount %(value)s is not positive: enter the unpaid amount, greater "
                "than 0, and leave paid fees out of the file.",
                value=value,
            ),
            "amount_precision": lambda: self.env._(
                "Amount %(value)s has more decimals than %(currency)s allows: round "
                "it to %(digits)s decimals.",
                value=value,
                currency=self.currency_id.name,
                digits=self.currency_id.decimal_places,
            ),
            "duplicate_row": lambda: self.env._(
                "Unit %(unit)s, fee item %(fee)s, %(start)s – %(end)s overlaps "
                "line %(line)s of the file: keep one row per unit, fee item and "
                "period.",
                unit=value,
                fee=row.fee_item,
                start=row.period_start,
                end=row.period_end,
                line=details["other_line"],
            ),
            "charge_exists": lambda: self.env._(
                "Unit %(unit)s is already billed for %(fee)s from %(start)s to "
                "%(end)s on bill %(bill)s: leave this row out, or cancel that bill "
                "first.",
                unit=value,
                fee=details["charge"].fee_item_id.name,
                start=details["charge"].period_start,
                end=details["charge"].period_end,
                bill=details["charge"].move_id.name,
            ),
        }
        return messages[issue.code]()

    def _column_label(self, column):
        labels = {
            "period_start": self.env._("period start"),
            "period_end": self.env._("period end"),
            "due_date": self.env._("due date"),
        }
        return labels.get(column, column)
