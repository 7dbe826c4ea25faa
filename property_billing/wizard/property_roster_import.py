import base64
import csv
import io
import logging
from dataclasses import dataclass, field

from psycopg2 import OperationalError

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from ..tools import roster

_logger = logging.getLogger(__name__)

# Creating thousands of units and owners needs no chatter message per record:
# the wizard's summary reports what the import created.
CREATE_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_notrack": True,
    "mail_auto_subscribe_no_notify": True,
}
UNIT_TYPE_FEE_FIELDS = {
    "apartment": "apartment_fee_item_ids",
    "shop": "shop_fee_item_ids",
    "parking": "parking_fee_item_ids",
    "storage": "storage_fee_item_ids",
}


@dataclass
class RosterCheck:
    """Result of checking a roster: resolved records and row sets, by line number."""

    buildings: dict = field(default_factory=dict)
    owners: dict = field(default_factory=dict)
    new_lines: set = field(default_factory=set)
    unchanged_lines: set = field(default_factory=set)


class PropertyRosterImport(models.TransientModel):
    """Import the units and owners of a community from a roster file.

    The import is all or nothing unless "Import valid rows only" is set: one
    bad row and nothing is written. Units already in the community with the
    same data are left as they are, so importing a file twice creates
    nothing the second time. A unit that exists with other data is rejected,
    never updated.

    Owners are matched by mobile number among the contacts of the community's
    company, and a contact is reused only when its name is the row's owner
    name too. A mobile number that belongs to another name, in the file or in
    the database, is an error. Owners without a mobile number are created once
    per name within the file and never matched with existing contacts.
    """

    _name = "property.roster.import"
    _description = "Import a Unit and Owner Roster"
    _check_company_auto = True

    community_id = fields.Many2one(
        comodel_name="property.community", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="community_id.company_id")
    file = fields.Binary(
        string="Roster File",
        attachment=False,
        help="CSV (UTF-8 or GB18030) or XLSX file with one unit per row.",
    )
    filename = fields.Char()
    import_valid_only = fields.Boolean(
        string="Import valid rows only",
        help="Import the rows without errors and leave out the others, which are "
        "listed with their reasons. When off, a single bad row stops the whole "
        "import and nothing is written.",
    )
    apply_fees = fields.Boolean(
        help="Apply the fee items chosen per unit type to the units created.",
    )
    fee_date_from = fields.Selection(
        selection=[
            ("handover", "Handover Date"),
            ("date", "Fixed Date"),
        ],
        string="Fees Start On",
        default="handover",
        required=True,
        help="Handover Date: each unit is billed from its handover date, or from "
        "the Fees From date when the row has none. Fixed Date: every unit is "
        "billed from the Fees From date.",
    )
    fee_date_start = fields.Date(string="Fees From")
    apartment_fee_item_ids = fields.Many2many(
        comodel_name="property.fee.item",
        relation="property_roster_import_apartment_fee_rel",
        string="Apartment Fees",
        check_company=True,
    )
    shop_fee_item_ids = fields.Many2many(
        comodel_name="property.fee.item",
        relation="property_roster_import_shop_fee_rel",
        string="Shop Fees",
        check_company=True,
    )
    parking_fee_item_ids = fields.Many2many(
        comodel_name="property.fee.item",
        relation="property_roster_import_parking_fee_rel",
        string="Parking Space Fees",
        check_company=True,
    )
    storage_fee_item_ids = fields.Many2many(
        comodel_name="property.fee.item",
        relation="property_roster_import_storage_fee_rel",
        string="Storage Room Fees",
        check_company=True,
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
    line_ids = fields.One2many(
        comodel_name="property.roster.import.line",
        inverse_name="wizard_id",
        string="Rows",
    )
    error_line_ids = fields.One2many(
        comodel_name="property.roster.import.line",
        inverse_name="wizard_id",
        string="Rows with Errors",
        domain=[("status", "=", "error")],
    )
    row_count = fields.Integer(string="Rows Read", compute="_compute_counts")
    new_count = fields.Integer(string="New Units", compute="_compute_counts")
    unchanged_count = fields.Integer(
        string="Already Imported", compute="_compute_counts"
    )
    error_count = fields.Integer(string="Errors", compute="_compute_counts")
    building_created_count = fields.Integer(string="Buildings Created", readonly=True)
    unit_created_count = fields.Integer(string="Units Created", readonly=True)
    partner_created_count = fields.Integer(string="Owners Created", readonly=True)
    fee_created_count = fields.Integer(string="Unit Fees Created", readonly=True)
    summary = fields.Text(readonly=True)
    error_report = fields.Binary(attachment=False, readonly=True)
    error_report_name = fields.Char(readonly=True)

    @api.depends("line_ids.status")
    def _compute_counts(self):
        for wizard in self:
            statuses = wizard.line_ids.mapped("status")
            wizard.row_count = len(statuses)
            wizard.new_count = statuses.count("new")
            wizard.unchanged_count = statuses.count("unchanged")
            wizard.error_count = statuses.count("error")

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_check(self):
        """Check the file and list every row with its status, writing nothing."""
        self.ensure_one()
        rows = self._read_rows()
        check = self._check_rows(rows)
        self._store_results(rows, check, written=False)
        return self._action_reopen()

    def action_import(self):
        """Check the file, then create its buildings, owners, units and fees.

        Nothing is written when a row is bad, unless "Import valid rows only"
        is set; then the bad rows are left out and listed with their reasons.
        """
        self.ensure_one()
        rows = self._read_rows()
        check = self._check_rows(rows)
        has_errors = any(row.issues for row in rows)
        if has_errors and not self.import_valid_only:
            self._store_results(rows, check, written=False)
            return self._action_reopen()
        to_create = [row for row in rows if row.line in check.new_lines]
        try:
            with self.env.cr.savepoint():
                counts = self._write_rows(to_create, check)
        except OperationalError:
            # Serialization failures and lock timeouts go up unchanged, so the
            # request is retried.
            raise
        except Exception as error:
            _logger.exception("roster import %s failed, nothing written", self.id)
            raise UserError(
                _(
                    "The roster import failed and nothing was written (%(error)s): "
                    "fix the cause and import the file again.",
                    error=error,
                )
            ) from error
        self.write(counts)
        self._store_results(rows, check, written=True)
        _logger.info(
            "roster import %s into community %s: %d rows, %d units, %d buildings, "
            "%d owners, %d unit fees created, %d rows with errors",
            self.id,
            self.community_id.id,
            len(rows),
            counts["unit_created_count"],
            counts["building_created_count"],
            counts["partner_created_count"],
            counts["fee_created_count"],
            self.error_count,
        )
        return self._action_reopen()

    def _action_reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Import Roster"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    # ------------------------------------------------------------
    # READING
    # ------------------------------------------------------------

    def _read_rows(self):
        """Read and normalise the rows of the uploaded file.

        :rtype: list(roster.RosterRow)
        :raise UserError: when the file cannot be read or misses a column
        """
        if not self.file:
            raise UserError(_("Choose a roster file (CSV or XLSX) to import."))
        try:
            table = roster.read_table(base64.b64decode(self.file), self.filename or "")
            rows, _unknown = roster.parse_rows(table)
        except roster.RosterFileError as error:
            raise UserError(self._file_error_message(error)) from error
        if self.apply_fees and self.fee_date_from == "date" and not self.fee_date_start:
            raise UserError(
                _(
                    "Fees start on a fixed date, but Fees From is empty: enter the "
                    "first day the fees apply."
                )
            )
        return rows

    def _file_error_message(self, error):
        params = error.params
        if error.code == "missing_columns":
            return _(
                "The roster has no column for %(columns)s. Name the columns as in "
                "楼栋,单元,房号,楼层,房屋类型,建筑面积(㎡),业主姓名,手机号,入住日期 or "
                "building, entrance, number, floor, type, area, owner, mobile, "
                "handover_date.",
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
            "File %(file)s has no unit rows: add one row per unit under the header.",
            file=self.filename,
        )

    # ------------------------------------------------------------
    # CHECKING
    # ------------------------------------------------------------

    def _check_rows(self, rows):
        """Resolve buildings and owners, and record what blocks each row.

        Runs a fixed number of queries whatever the number of rows, and adds
        the issues it finds to the rows.

        :rtype: RosterCheck
        """
        check = RosterCheck()
        self._resolve_buildings(rows, check)
        self._check_duplicates(rows)
        self._check_mobiles(rows)
        self._check_existing_units(rows, check)
        self._resolve_owners(rows, check)
        self._check_fee_dates(rows, check)
        return check

    def _resolve_buildings(self, rows, check):
        """Match rows to existing buildings by name, else by the derived code."""
        buildings = (
            self.env["property.building"]
            .with_context(active_test=False)
            .search([("community_id", "=", self.community_id.id)])
        )
        by_name = {building.name: building for building in buildings}
        by_code = {building.code: building for building in buildings}
        for row in rows:
            if not row.building:
                continue
            building = by_name.get(row.building) or by_code.get(row.building_code)
            if building:
                row.building_code = building.code
            check.buildings[row.line] = building
            if row.number:
                row.unit_code = roster.unit_code(
                    row.building_code, row.entrance, row.number
                )

    def _check_duplicates(self, rows):
        groups = roster.group_duplicates(
            (row.unit_code, row.line) for row in rows if row.unit_code
        )
        for row in rows:
            lines = groups.get(row.unit_code)
            if lines:
                others = [line for line in lines if line != row.line]
                row.issues.append(
                    roster.RosterIssue(
                        "number", "duplicate_unit", row.unit_code, {"lines": others}
                    )
                )

    def _check_mobiles(self, rows):
        """Reject rows that give one mobile number to different owner names."""
        names_by_mobile = {}
        for row in rows:
            if row.mobile and row.owner:
                names_by_mobile.setdefault(row.mobile, {}).setdefault(
                    row.owner, []
                ).append(row.line)
        for row in rows:
            names = names_by_mobile.get(row.mobile, {})
            if len(names) < 2:
                continue
            others = {name: lines for name, lines in names.items() if name != row.owner}
            row.issues.append(
                roster.RosterIssue(
                    "mobile",
                    "mobile_shared",
                    row.mobile,
                    {
                        "names": sorted(others),
                        "lines": sorted(
                            line for lines in others.values() for line in lines
                        ),
                    },
                )
            )

    def _check_existing_units(self, rows, check):
        """Mark rows whose unit exists: unchanged when identical, else an error."""
        codes = {row.unit_code for row in rows if row.unit_code}
        units = (
            self.env["property.unit"]
            .with_context(active_test=False)
            .search(
                [
                    ("community_id", "=", self.community_id.id),
                    ("code", "in", list(codes)),
                ]
            )
        )
        by_code = {unit.code: unit for unit in units}
        for row in rows:
            unit = by_code.get(row.unit_code)
            if not unit:
                continue
            differences = self._unit_differences(unit, row, check)
            if differences:
                row.issues.append(
                    roster.RosterIssue(
                        "number",
                        "unit_exists",
                        row.unit_code,
                        {"differences": differences},
                    )
                )
            else:
                check.unchanged_lines.add(row.line)

    def _unit_differences(self, unit, row, check):
        """List how an existing unit differs from a row, as translated text."""
        Unit = self.env["property.unit"]
        row_values = {
            "building_id": row.building,
            "entrance": row.entrance,
            "number": row.number,
            "floor": row.floor,
            "unit_type": row.unit_type,
            "area": row.area,
            "handover_date": row.handover_date,
            "owner_id": row.owner,
        }
        unit_values = {
            "building_id": unit.building_id.name,
            "entrance": unit.entrance or "",
            "number": unit.number,
            "floor": unit.floor,
            "unit_type": unit.unit_type,
            "area": unit.area,
            "handover_date": unit.handover_date or None,
            "owner_id": unit.owner_id.name or "",
        }
        differences = []
        for name, value in row_values.items():
            current = unit_values[name]
            if name == "area":
                same = value is not None and not float_compare(
                    current, float(value), precision_digits=2
                )
                current = f"{current:.2f}"
            elif name == "building_id":
                same = check.buildings.get(row.line) == unit.building_id
            else:
                same = current == value
            if not same:
                differences.append(
                    _(
                        "%(field)s is %(current)s in Odoo but %(new)s in the file",
                        field=Unit._fields[name]._description_string(self.env),
                        current=current if current not in ("", None) else "-",
                        new=value if value not in ("", None) else "-",
                    )
                )
        current_mobile = roster.mobile_key(unit.owner_id.mobile)
        if current_mobile != row.mobile:
            differences.append(
                _(
                    "owner mobile is %(current)s in Odoo but %(new)s in the file",
                    current=current_mobile or "-",
                    new=row.mobile or "-",
                )
            )
        return differences

    def _resolve_owners(self, rows, check):
        """Find the existing owner of each new row by mobile number, in one query."""
        check.new_lines = {
            row.line
            for row in rows
            if not row.issues and row.line not in check.unchanged_lines
        }
        mobiles = {
            row.mobile for row in rows if row.line in check.new_lines and row.mobile
        }
        partners_by_mobile = self._find_partners_by_mobile(mobiles)
        for row in rows:
            if row.line not in check.new_lines or not row.mobile:
                continue
            partners = partners_by_mobile.get(row.mobile, self.env["res.partner"])
            same_name = partners.filtered(lambda p, row=row: p.name == row.owner)
            if same_name:
                check.owners[row.line] = same_name[0]
            elif partners:
                row.issues.append(
                    roster.RosterIssue(
                        "mobile",
                        "mobile_taken",
                        row.mobile,
                        {"partners": partners.mapped("display_name")},
                    )
                )
                check.new_lines.discard(row.line)

    def _find_partners_by_mobile(self, mobiles):
        """Return the company's contacts by 11-digit mobile number.

        Stored numbers are compared digits only, so ``138 0000 0019`` and
        ``+86 13800000019`` match ``13800000019``.

        :rtype: dict(str, res.partner)
        """
        if not mobiles:
            return {}
        Partner = self.env["res.partner"]
        Partner.flush_model(["mobile", "company_id", "active"])
        self.env.cr.execute(
            """
            SELECT id, RIGHT(REGEXP_REPLACE(mobile, '[^0-9]', '', 'g'), 11)
              FROM res_partner
             WHERE active
               AND (company_id IS NULL OR company_id = %s)
               AND RIGHT(REGEXP_REPLACE(mobile, '[^0-9]', '', 'g'), 11) = ANY(%s)
             ORDER BY id
            """,
            [self.company_id.id, list(mobiles)],
        )
        result = {}
        for partner_id, mobile in self.env.cr.fetchall():
            result[mobile] = result.get(mobile, Partner) | Partner.browse(partner_id)
        return result

    def _check_fee_dates(self, rows, check):
        if (
            not self.apply_fees
            or self.fee_date_from != "handover"
            or self.fee_date_start
        ):
            return
        for row in rows:
            if (
                row.line in check.new_lines
                and not row.handover_date
                and self[UNIT_TYPE_FEE_FIELDS[row.unit_type]]
            ):
                row.issues.append(
                    roster.RosterIssue("handover_date", "fee_start_missing")
                )
                check.new_lines.discard(row.line)

    # ------------------------------------------------------------
    # WRITING
    # ------------------------------------------------------------

    def _write_rows(self, rows, check):
        """Create the buildings, owners, units and fees of ``rows``.

        One ``create`` per model for the whole file. The caller runs this in a
        savepoint, so a failure leaves nothing behind.

        :return: the counts to store on the wizard
        :rtype: dict
        """
        buildings = self._create_buildings(rows, check)
        owners = self._create_owners(rows, check)
        units = self._create_units(rows, check)
        fees = self._create_unit_fees(units, rows)
        return {
            "building_created_count": len(buildings),
            "partner_created_count": len(owners),
            "unit_created_count": len(units),
            "fee_created_count": len(fees),
        }

    def _create_buildings(self, rows, check):
        names_by_code = {}
        for row in rows:
            if not check.buildings.get(row.line):
                names_by_code.setdefault(row.building_code, row.building)
        buildings = self.env["property.building"].create(
            [
                {"name": name, "code": code, "community_id": self.community_id.id}
                for code, name in names_by_code.items()
            ]
        )
        by_code = {building.code: building for building in buildings}
        for row in rows:
            if not check.buildings.get(row.line):
                check.buildings[row.line] = by_code[row.building_code]
        return buildings

    def _create_owners(self, rows, check):
        """Create the owners not found by mobile: one per mobile, else per name."""
        vals_by_key = {}
        for row in rows:
            if row.line in check.owners:
                continue
            key = row.mobile or ("name", row.owner)
            vals_by_key.setdefault(
                key,
                {
                    "name": row.owner,
                    "mobile": row.mobile or False,
                    "company_id": self.company_id.id,
                    "customer_rank": 1,
                },
            )
        keys = list(vals_by_key)
        partners = (
            self.env["res.partner"]
            .with_context(**CREATE_CONTEXT)
            .create([vals_by_key[key] for key in keys])
        )
        partner_by_key = dict(zip(keys, partners, strict=True))
        for row in rows:
            if row.line not in check.owners:
                check.owners[row.line] = partner_by_key[
                    row.mobile or ("name", row.owner)
                ]
        return partners

    def _create_units(self, rows, check):
        return (
            self.env["property.unit"]
            .with_context(**CREATE_CONTEXT)
            .create(
                [
                    {
                        "building_id": check.buildings[row.line].id,
                        "entrance": row.entrance or False,
                        "number": row.number,
                        "floor": row.floor,
                        "unit_type": row.unit_type,
                        "area": float(row.area),
                        "handover_date": row.handover_date or False,
                        "owner_id": check.owners[row.line].id,
                    }
                    for row in rows
                ]
            )
        )

    def _create_unit_fees(self, units, rows):
        """Apply the fee items chosen for each unit type to the new units."""
        if not self.apply_fees:
            return self.env["property.unit.fee"]
        vals_list = []
        for unit, row in zip(units, rows, strict=True):
            if self.fee_date_from == "handover" and row.handover_date:
                date_start = row.handover_date
            else:
                date_start = self.fee_date_start
            vals_list.extend(
                {"unit_id": unit.id, "fee_item_id": item.id, "date_start": date_start}
                for item in self[UNIT_TYPE_FEE_FIELDS[row.unit_type]]
            )
        return self.env["property.unit.fee"].create(vals_list)

    # ------------------------------------------------------------
    # RESULTS
    # ------------------------------------------------------------

    def _store_results(self, rows, check, written):
        """Replace the wizard's rows, summary and error report by this run's."""
        self.line_ids.unlink()
        line_vals = []
        for row in rows:
            if row.issues:
                status = "error"
            elif row.line in check.unchanged_lines:
                status = "unchanged"
            else:
                status = "new"
            line_vals.append(
                {
                    "wizard_id": self.id,
                    "line_number": row.line,
                    "unit_code": row.unit_code,
                    "building": row.building,
                    "owner": row.owner,
                    "status": status,
                    "message": "\n".join(
                        self._issue_message(issue, row) for issue in row.issues
                    ),
                }
            )
        lines = self.env["property.roster.import.line"].create(line_vals)
        errors = lines.filtered(lambda line: line.status == "error")
        self.write(
            {
                "state": "done" if written else "checked",
                "summary": self._get_summary(lines, errors, written),
                "error_report": self._build_error_report(errors) if errors else False,
                "error_report_name": self._get_error_report_name() if errors else False,
            }
        )

    def _get_summary(self, lines, errors, written):
        unchanged = len(lines.filtered(lambda line: line.status == "unchanged"))
        if written:
            return _(
                "Units created: %(units)s. Buildings created: %(buildings)s. Owners "
                "created: %(owners)s. Unit fees created: %(fees)s. Rows already "
                "imported: %(unchanged)s. Rows with errors left out: %(errors)s; "
                "see the list and the error report.",
                units=self.unit_created_count,
                buildings=self.building_created_count,
                owners=self.partner_created_count,
                fees=self.fee_created_count,
                unchanged=unchanged,
                errors=len(errors),
            )
        new = len(lines.filtered(lambda line: line.status == "new"))
        if errors:
            return _(
                "Nothing was imported. Rows with errors: %(errors)s of %(rows)s. Fix "
                'them in the file and import it again, or tick "Import valid rows '
                'only" to import the valid new rows (%(new)s) and leave the others '
                "out.",
                errors=len(errors),
                rows=len(lines),
                new=new,
            )
        return _(
            "The file is valid. New units to import: %(new)s. Rows already "
            "imported: %(unchanged)s.",
            new=new,
            unchanged=unchanged,
        )

    def _build_error_report(self, error_lines):
        """Write the rows with errors as CSV, with a BOM so Excel reads it as UTF-8."""
        output = io.StringIO()
        writer = csv.writer(output)
        writer.writerow([_("Line"), _("Unit"), _("Building"), _("Owner"), _("Reason")])
        for line in error_lines.sorted("line_number"):
            writer.writerow(
                [
                    line.line_number,
                    line.unit_code,
                    line.building,
                    line.owner,
                    line.message,
                ]
            )
        return base64.b64encode(output.getvalue().encode("utf-8-sig"))

    def _get_error_report_name(self):
        stem = (self.filename or "roster").rsplit(".", 1)[0]
        return f"{stem}-errors.csv"

    def _issue_message(self, issue, row):
        """Translate a row issue into a message that names the value and the fix."""
        # ``env._`` because ``_`` finds the language in the caller's frame,
        # which a lambda does not have.
        value = issue.value
        details = issue.details
        messages = {
            "building_missing": lambda: self.env._(
                "Building is missing: enter the building name, such as 1栋."
            ),
            "number_missing": lambda: self.env._(
                "Door number is missing: enter the door number, such as 301."
            ),
            "owner_missing": lambda: self.env._(
                "Owner name is missing: enter the name of the owner of unit %(unit)s.",
                unit=row.unit_code or "-",
            ),
            "area_missing": lambda: self.env._(
                "Building area is missing: enter the area in m², such as 89.50."
            ),
            "area_invalid": lambda: self.env._(
                'Building area "%(value)s" is not a number: enter the area in m², '
                "such as 89.50.",
                value=value,
            ),
            "area_not_positive": lambda: self.env._(
                "Building area %(value)s is not positive: enter the area in m², "
                "greater than 0.",
                value=value,
            ),
            "area_precision": lambda: self.env._(
                "Building area %(value)s has more than 2 decimals: round it to "
                "0.01 m².",
                value=value,
            ),
            "floor_invalid": lambda: self.env._(
                'Floor "%(value)s" is not a whole number: enter the floor, such as '
                "3, or -1 for the first basement.",
                value=value,
            ),
            "type_missing": lambda: self.env._(
                "Unit type is missing: enter one of %(types)s.",
                types=roster.ACCEPTED_UNIT_TYPES,
            ),
            "type_unknown": lambda: self.env._(
                'Unit type "%(value)s" is not accepted: enter one of %(types)s.',
                value=value,
                types=roster.ACCEPTED_UNIT_TYPES,
            ),
            "mobile_invalid": lambda: self.env._(
                'Mobile number "%(value)s" is invalid: enter 6 to 15 digits, with '
                "+ and the country code for a foreign number, such as 13800000000 "
                "or +33612345678, or leave it empty.",
                value=value,
            ),
            "date_invalid": lambda: self.env._(
                'Handover date "%(value)s" is invalid: write it as YYYY-MM-DD, such '
                "as 2021-05-01.",
                value=value,
            ),
            "duplicate_unit": lambda: self.env._(
                "Unit %(unit)s is also on line %(lines)s: keep one row per unit.",
                unit=value,
                lines=", ".join(str(line) for line in details["lines"]),
            ),
            "mobile_shared": lambda: self.env._(
                "Mobile number %(mobile)s is also given for %(names)s on line "
                "%(lines)s: one mobile number identifies one owner, so use the same "
                "owner name on those rows or another number.",
                mobile=value,
                names=", ".join(details["names"]),
                lines=", ".join(str(line) for line in details["lines"]),
            ),
            "mobile_taken": lambda: self.env._(
                "Mobile number %(mobile)s belongs to contact %(partners)s, not to "
                "%(owner)s: use that contact's name as owner, or another number.",
                mobile=value,
                partners=", ".join(details["partners"]),
                owner=row.owner,
            ),
            "unit_exists": lambda: self.env._(
                "Unit %(unit)s already exists in community %(community)s with other "
                "data (%(differences)s): change the unit in Odoo, or make the row "
                "match it.",
                unit=value,
                community=self.community_id.display_name,
                differences="; ".join(details["differences"]),
            ),
            "fee_start_missing": lambda: self.env._(
                "Handover date is missing, so the fees of unit %(unit)s cannot "
                "start: enter the handover date, or set Fees From.",
                unit=row.unit_code or "-",
            ),
        }
        return messages[issue.code]()


class PropertyRosterImportLine(models.TransientModel):
    """One row of an imported roster, with its status and errors."""

    _name = "property.roster.import.line"
    _description = "Roster Import Row"
    _order = "line_number, id"

    wizard_id = fields.Many2one(
        comodel_name="property.roster.import", required=True, ondelete="cascade"
    )
    line_number = fields.Integer(
        string="Line", help="Line of the row in the file, the header being line 1."
    )
    unit_code = fields.Char(string="Unit")
    building = fields.Char()
    owner = fields.Char()
    status = fields.Selection(
        selection=[
            ("new", "New"),
            ("unchanged", "Already Imported"),
            ("error", "Error"),
        ],
        required=True,
    )
    message = fields.Text(string="Reason")
