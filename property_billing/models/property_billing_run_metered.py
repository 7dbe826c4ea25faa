from collections import defaultdict
from decimal import Decimal

from odoo import Command, _, models
from odoo.exceptions import UserError
from odoo.tools.misc import formatLang

from ..tools import amounts, meters, periods
from .property_meter import METER_UNITS


def format_quantity(value):
    """Format a consumption with at most two decimals and no trailing zeros."""
    text = f"{amounts.to_decimal(value).quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class PropertyBillingRun(models.Model):
    """Bill confirmed meter readings with the unit fees of a billing run.

    A metered charge covers the run's whole period: its period_start is the
    run's. The partial unique index on live charges (unit, fee item,
    period_start) so allows one live metered charge per unit, fee item and
    billing period, whatever the number of readings or meters it bills. A
    reading confirmed after its period was billed goes on the next period's
    charge, because a run takes every unbilled reading dated up to its end.
    """

    # Meters and late fees extend this model in their own files, one
    # feature per file, rather than in one file for every feature.
    _inherit = "property.billing.run"  # pylint: disable=consider-merging-classes-inherited

    def _get_fee_unit_fees(self):
        # Metered fees are billed from readings, below, not from their rate.
        return (
            super()
            ._get_fee_unit_fees()
            .filtered(lambda fee: fee.fee_item_id.calculation != "metered")
        )

    def _collect_charge_values(self):
        charge_vals, error_vals = super()._collect_charge_values()
        unit_fees = self._get_unit_fees().filtered(
            lambda fee: fee.fee_item_id.calculation == "metered"
        )
        if not unit_fees:
            return charge_vals, error_vals
        shared = unit_fees.filtered(lambda fee: fee.fee_item_id.is_shared_cost)
        own_vals, own_errors = self._collect_metered_values(unit_fees - shared)
        shared_vals, shared_errors = self._collect_shared_values(shared)
        return (
            charge_vals + own_vals + shared_vals,
            error_vals + own_errors + shared_errors,
        )

    # ------------------------------------------------------------
    # READINGS TO BILL
    # ------------------------------------------------------------

    def _get_readings_to_bill(self, meter_domain):
        """Return the confirmed readings of these meters that no live charge bills.

        Flagged readings stay in draft until accepted, so they are never here.
        """
        # Readings of archived meters too: a replaced meter's final reading
        # is still billed.
        readings = (
            self.env["property.meter.reading"]
            .with_context(active_test=False)
            .search(
                [
                    ("state", "=", "confirmed"),
                    ("date", "<=", self.period_end),
                    *[
                        ("meter_id." + name, op, value)
                        for name, op, value in meter_domain
                    ],
                ],
                order="meter_id, date, id",
            )
            .with_context(active_test=True)
        )
        return readings.filtered(
            lambda r: "invoiced" not in r.charge_ids.mapped("state")
        )

    def _collect_metered_values(self, unit_fees):
        """Compute one charge per unit fee from the readings of its unit's meters.

        A unit fee that a live charge already bills for the run's period gets
        no charge, because the run would skip it as already billed. Its
        unbilled readings get a warning instead, and the next period bills them.
        """
        charges = []
        errors = []
        if not unit_fees:
            return charges, errors
        readings = self._get_readings_to_bill(
            [
                ("unit_id", "in", unit_fees.unit_id.ids),
                ("meter_type", "in", unit_fees.fee_item_id.mapped("meter_type")),
            ]
        )
        by_unit_type = readings.grouped(lambda r: (r.unit_id, r.meter_type))
        billed = self._get_billed_charges(unit_fees)
        without_readings = unit_fees.browse()
        for fee in unit_fees:
            fee_readings = by_unit_type.get(
                (fee.unit_id, fee.fee_item_id.meter_type), readings.browse()
            ).filtered(
                lambda r, fee=fee: r.date >= fee.date_start
                and (not fee.date_end or r.date <= fee.date_end)
            )
            billed_charge = billed.get((fee.unit_id.id, fee.fee_item_id.id))
            if billed_charge:
                if fee_readings:
                    errors.append(
                        self._get_next_period_warning(billed_charge, fee_readings)
                    )
                continue
            if not fee_readings:
                without_readings |= fee
                continue
            error = fee._get_billing_error()
            if error:
                errors.append(
                    {
                        "unit_id": fee.unit_id.id,
                        "fee_item_id": fee.fee_item_id.id,
                        "partner_id": fee.unit_id.billing_partner_id.id,
                        "message": error,
                    }
                )
                continue
            charges.append(self._prepare_metered_charge(fee, fee_readings))
        errors += self._get_missing_reading_warnings(without_readings)
        return charges, errors

    def _get_billed_charges(self, records):
        """Return the live charges of the records' units and fee items in the period.

        A charge matches as in ``_filter_billed``: same unit and fee item, and a
        period that overlaps the run's.

        :param records: unit fees, or metered charges of the run's period
        :return: dict (unit id, fee item id) → the first live charge
        :rtype: dict
        """
        charges = self.env["property.billing.charge"].search(
            [
                ("state", "=", "invoiced"),
                ("unit_id", "in", records.unit_id.ids),
                ("fee_item_id", "in", records.fee_item_id.ids),
                ("period_start", "<=", self.period_end),
                ("period_end", ">=", self.period_start),
            ],
            order="id",
        )
        billed = {}
        for charge in charges:
            billed.setdefault((charge.unit_id.id, charge.fee_item_id.id), charge)
        return billed

    def _get_next_period_warning(self, billed_charge, readings):
        """Return the warning for unbilled readings of a period already billed.

        NOTE: the message says the next period bills the readings, which is
        false for a unit fee that ends in this period: later runs skip it.

        :param billed_charge: the live charge of the same unit, fee item and
            period
        :param readings: readings that no live charge bills
        :return: warning values
        :rtype: dict
        """
        return {
            "warning": True,
            "unit_id": billed_charge.unit_id.id,
            "meter_id": readings.meter_id[:1].id,
            "fee_item_id": billed_charge.fee_item_id.id,
            "message": _(
                "Unit %(unit)s: fee %(fee)s for %(period)s is already billed on "
                "%(invoice)s. The unbilled readings of %(dates)s (%(readings)s) "
                "are left out of this run, and the run for the next period "
                "bills them.",
                unit=billed_charge.unit_id.code,
                fee=billed_charge.fee_item_id.name,
                period=self._get_period_text(),
                invoice=billed_charge.move_id.name,
                dates=self._format_reading_dates(readings),
                readings="; ".join(self._get_reading_lines(readings)),
            ),
        }

    def _get_missing_reading_warnings(self, unit_fees):
        """Explain, as run warnings, why these metered unit fees bill nothing.

        A unit fee whose unit has a billed reading of the fee's meter type in
        the period gets no warning, because a run billed that period already.
        Three searches cover all the unit fees, so a community without
        readings costs three queries rather than three per unit.

        :param unit_fees: metered unit fees without a reading to bill
        :return: warning values, one per unit fee still to bill
        :rtype: list(dict)
        """
        if not unit_fees:
            return []
        Reading = self.env["property.meter.reading"]
        in_period = [
            ("unit_id", "in", unit_fees.unit_id.ids),
            ("meter_type", "in", unit_fees.fee_item_id.mapped("meter_type")),
            ("date", ">=", self.period_start),
            ("date", "<=", self.period_end),
        ]
        billed = {
            (unit.id, meter_type)
            for unit, meter_type in Reading._read_group(
                [*in_period, ("state", "=", "billed")],
                groupby=["unit_id", "meter_type"],
            )
        }
        first_meters = {}
        for meter in self.env["property.meter"].search(
            [
                ("unit_id", "in", unit_fees.unit_id.ids),
                ("meter_type", "in", unit_fees.fee_item_id.mapped("meter_type")),
            ],
            order="id",
        ):
            first_meters.setdefault((meter.unit_id.id, meter.meter_type), meter)
        first_drafts = {}
        for reading in Reading.search(
            [*in_period, ("state", "=", "draft")], order="date, id"
        ):
            first_drafts.setdefault((reading.unit_id.id, reading.meter_type), reading)
        warnings = []
        for fee in unit_fees:
            key = (fee.unit_id.id, fee.fee_item_id.meter_type)
            if key in billed:
                continue
            meter = first_meters.get(key, self.env["property.meter"])
            draft = first_drafts.get(key, Reading)
            warnings.append(
                {
                    "warning": True,
                    "unit_id": fee.unit_id.id,
                    "meter_id": (draft.meter_id or meter).id,
                    "fee_item_id": fee.fee_item_id.id,
                    "message": self._get_missing_reading_message(fee, meter, draft),
                }
            )
        return warnings

    def _get_missing_reading_message(self, unit_fee, meter, draft):
        """Return the reason a metered unit fee bills nothing this period.

        :param meter: the unit's first active meter of the fee's type, if any
        :param draft: the unit's first draft reading of the period, if any
        """
        unit = unit_fee.unit_id
        item = unit_fee.fee_item_id
        period = self._get_period_text()
        if not meter and not draft:
            return _(
                "Unit %(unit)s has no active %(type)s meter, so fee %(fee)s is "
                "not billed for %(period)s: add the meter or end the fee.",
                unit=unit.code,
                type=dict(meter._fields["meter_type"]._description_selection(self.env))[
                    item.meter_type
                ].lower(),
                fee=item.name,
                period=period,
            )
        if draft.to_review:
            return _(
                "Unit %(unit)s: the reading of meter %(meter)s on %(date)s is "
                "flagged for review, so fee %(fee)s is not billed for "
                "%(period)s: accept or correct the reading, then bill again.",
                unit=unit.code,
                meter=draft.meter_id.serial_number,
                date=draft.date,
                fee=item.name,
                period=period,
            )
        if draft:
            return _(
                "Unit %(unit)s: the reading of meter %(meter)s on %(date)s is "
                "still a draft, so fee %(fee)s is not billed for %(period)s: "
                "confirm the reading, then bill again.",
                unit=unit.code,
                meter=draft.meter_id.serial_number,
                date=draft.date,
                fee=item.name,
                period=period,
            )
        return _(
            "Unit %(unit)s has no confirmed reading of meter %(meter)s "
            "for %(period)s, so fee %(fee)s is not billed: enter the "
            "reading, then bill again.",
            unit=unit.code,
            meter=meter.serial_number,
            fee=item.name,
            period=period,
        )

    # ------------------------------------------------------------
    # OWN METERS
    # ------------------------------------------------------------

    def _prepare_metered_charge(self, unit_fee, readings):
        """Compute the charge of one unit fee for ``readings``.

        :param unit_fee: a property.unit.fee of a metered fee item
        :param readings: confirmed readings of the unit's meters
        :return: charge values, with a label showing the readings, the
            consumption and the tier breakdown
        :rtype: dict
        """
        self.ensure_one()
        unit = unit_fee.unit_id
        item = unit_fee.fee_item_id
        currency = unit.company_id.currency_id
        step = amounts.rounding_step(item.rounding, currency.rounding)
        quantity = sum(
            (amounts.to_decimal(r.consumption) for r in readings), Decimal(0)
        )
        already_used = Decimal(0)
        if item.tier_window == "year":
            already_used = self._get_year_consumption(unit, item)
        tier_amount, parts = meters.tiered_amount(
            quantity, item._get_tiers(), step, already_used
        )
        surcharge = amounts.round_half_up(
            quantity * amounts.to_decimal(item.surcharge_rate), step
        )
        amount = tier_amount + surcharge
        lines = [self._get_metered_heading(unit, item)]
        lines += self._get_reading_lines(readings)
        lines.append(
            self._get_tier_line(item, parts, tier_amount, already_used, currency)
        )
        if item.surcharge_rate:
            lines.append(self._get_surcharge_line(item, quantity, surcharge, currency))
        return {
            "unit_id": unit.id,
            "community_id": unit.community_id.id,
            "company_id": unit.company_id.id,
            "fee_item_id": item.id,
            "unit_fee_id": unit_fee.id,
            "partner_id": unit.billing_partner_id.id,
            "cycle_start": self.period_start,
            "period_start": self.period_start,
            "period_end": self.period_end,
            "quantity": float(quantity),
            "rate": item.rate,
            "amount": float(amount),
            "label": "\n".join(lines),
            "meter_reading_ids": [Command.set(readings.ids)],
        }

    def _get_year_consumption(self, unit, item):
        """Sum the consumption billed by live charges earlier in the same year."""
        charges = self.env["property.billing.charge"].search(
            [
                ("unit_id", "=", unit.id),
                ("fee_item_id", "=", item.id),
                ("state", "=", "invoiced"),
                ("period_start", ">=", self.period_start.replace(month=1, day=1)),
                ("period_start", "<", self.period_start),
            ]
        )
        return sum(
            (amounts.to_decimal(charge.quantity) for charge in charges), Decimal(0)
        )

    def _get_period_text(self):
        if self.period_end == periods.month_end(self.period_start):
            return self.period_start.strftime("%Y-%m")
        return f"{self.period_start} – {self.period_end}"

    def _get_metered_heading(self, unit, item):
        return f"{item.name} {self._get_period_text()} {unit.code}"

    def _get_reading_lines(self, readings):
        """Describe each meter's readings: previous → current = consumption."""
        lines = []
        for meter, meter_readings in readings.grouped("meter_id").items():
            meter_readings = meter_readings.sorted(lambda r: (r.date, r.id))
            first = meter_readings[0]
            last = meter_readings[-1]
            uom = METER_UNITS.get(meter.meter_type, "")
            notes = []
            if any(meter_readings.mapped("is_rollover")):
                notes.append(_("rolled over"))
            if meter.multiplier != 1:
                notes.append(
                    _("× %(multiplier)s", multiplier=format_quantity(meter.multiplier))
                )
            lines.append(
                _(
                    "Meter %(meter)s: %(previous)s → %(current)s%(notes)s = "
                    "%(consumption)s %(uom)s",
                    meter=meter.serial_number,
                    previous=format_quantity(first.previous_value),
                    current=format_quantity(last.value),
                    notes=" ({})".format(", ".join(notes)) if notes else "",
                    consumption=format_quantity(
                        sum(meter_readings.mapped("consumption"))
                    ),
                    uom=uom,
                ).rstrip()
            )
        return lines

    def _format_reading_dates(self, readings):
        return ", ".join(str(day) for day in sorted(set(readings.mapped("date"))))

    def _format_price(self, value, currency):
        """Format a price or amount with the currency's decimals, or more when
        the value has them, as for 0.538/kWh."""
        value = amounts.to_decimal(value).normalize()
        digits = max(currency.decimal_places, 2, -value.as_tuple().exponent)
        return formatLang(self.env, float(value), digits=min(digits, 6))

    def _get_tier_line(self, item, parts, tier_amount, already_used, currency):
        uom = METER_UNITS.get(item.meter_type, "")
        terms = [
            f"{format_quantity(part.quantity)} {uom} × "
            f"{self._format_price(part.price, currency)}".replace("  ", " ")
            for part in parts
        ]
        line = " + ".join(terms) or "0"
        line += f" = {self._format_price(tier_amount, currency)}"
        if item.tier_window == "year" and item.tier_ids:
            line += " " + _(
                "(tiers over the year, %(used)s %(uom)s billed before)",
                used=format_quantity(already_used),
                uom=uom,
            )
        return line

    def _get_surcharge_line(self, item, quantity, surcharge, currency):
        uom = METER_UNITS.get(item.meter_type, "")
        return (
            f"{item.surcharge_name or _('Surcharge')}: {format_quantity(quantity)} "
            f"{uom} × {self._format_price(item.surcharge_rate, currency)} = "
            f"{self._format_price(surcharge, currency)}"
        )

    # ------------------------------------------------------------
    # SHARED COSTS (公摊)
    # ------------------------------------------------------------

    def _collect_shared_values(self, unit_fees):
        """Split the cost of common meters over the units sharing it.

        A building's common meter is shared by the units of that building, a
        community's common meter (one without building) by all units of the
        community, in both cases among the units the fee item is applied to.
        """
        charges = []
        errors = []
        for item, item_fees in unit_fees.grouped("fee_item_id").items():
            readings = self._get_readings_to_bill(
                [
                    ("unit_id", "=", False),
                    ("community_id", "=", self.community_id.id),
                    ("meter_type", "=", item.meter_type),
                ]
            )
            # Units of every assignment in force, even those outside the run's
            # building or unit filter, so that each unit's part stays the same.
            all_fees = self.env["property.unit.fee"].search(
                [
                    ("fee_item_id", "=", item.id),
                    ("community_id", "=", self.community_id.id),
                    ("unit_id.active", "=", True),
                    ("date_start", "<=", self.period_end),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">=", self.period_start),
                ]
            )
            billed = self._get_billed_charges(item_fees)
            parts_by_fee = defaultdict(list)
            for meter, meter_readings in readings.grouped("meter_id").items():
                sharing = all_fees.filtered(
                    lambda fee, meter=meter: not meter.building_id
                    or fee.unit_id.building_id == meter.building_id
                )
                left_out = sharing - item_fees
                if left_out:
                    # Billing only some of the units would leave the others'
                    # parts unbilled once the readings are billed.
                    errors.append(
                        {
                            "warning": True,
                            "meter_id": meter.id,
                            "fee_item_id": item.id,
                            "message": _(
                                "Common meter %(meter)s not billed: %(count)s "
                                "of the units sharing its cost (%(units)s) are "
                                "outside this run's buildings or units. Bill "
                                "fee %(fee)s with a run that covers them all.",
                                meter=meter.serial_number,
                                count=len(left_out),
                                units=", ".join(left_out[:10].unit_id.mapped("code")),
                                fee=item.name,
                            ),
                        }
                    )
                    continue
                billed_fees = sharing.browse(
                    [fee.id for fee in sharing if (fee.unit_id.id, item.id) in billed]
                )
                if billed_fees:
                    # Billing the other units would mark the readings billed, so
                    # the units billed already would never pay their part.
                    errors.append(
                        self._get_shared_next_period_warning(
                            item, meter_readings, billed_fees
                        )
                    )
                    continue
                error, shares = self._allocate_meter(item, meter_readings, sharing)
                if error:
                    errors.append(error)
                    continue
                for fee, share in shares.items():
                    parts_by_fee[fee].append((meter_readings, share))
            for fee, parts in parts_by_fee.items():
                error = fee._get_billing_error()
                if error:
                    errors.append(
                        {
                            "unit_id": fee.unit_id.id,
                            "fee_item_id": item.id,
                            "partner_id": fee.unit_id.billing_partner_id.id,
                            "message": error,
                        }
                    )
                    continue
                charges.append(self._prepare_shared_charge(fee, parts))
        return charges, errors

    def _get_shared_next_period_warning(self, item, readings, billed_fees):
        """Return the warning for a common meter's unbilled readings in a
        period already billed to some of the units sharing it."""
        meter = readings.meter_id
        return {
            "warning": True,
            "meter_id": meter.id,
            "fee_item_id": item.id,
            "message": _(
                "Common meter %(meter)s: fee %(fee)s for %(period)s is already "
                "billed to %(count)s of the units sharing its cost (%(units)s). "
                "Its unbilled readings of %(dates)s (%(readings)s) are left out "
                "of this run, and the run for the next period bills them.",
                meter=meter.serial_number,
                fee=item.name,
                period=self._get_period_text(),
                count=len(billed_fees),
                units=", ".join(sorted(billed_fees.unit_id.mapped("code"))[:10]),
                dates=self._format_reading_dates(readings),
                readings="; ".join(self._get_reading_lines(readings)),
            ),
        }

    def _allocate_meter(self, item, readings, sharing):
        """Price a common meter's consumption and split it over ``sharing``.

        :return: (error values or None, dict unit fee → (share, text))
        """
        meter = readings.meter_id
        currency = self.company_id.currency_id
        step = amounts.to_decimal(currency.rounding)
        quantity = sum(
            (amounts.to_decimal(r.consumption) for r in readings), Decimal(0)
        )
        tier_amount, _parts = meters.tiered_amount(quantity, item._get_tiers(), step)
        surcharge = amounts.round_half_up(
            quantity * amounts.to_decimal(item.surcharge_rate), step
        )
        total = tier_amount + surcharge
        sharing = sharing.sorted(lambda fee: fee.unit_id.code)
        weights = self._get_allocation_weights(item, sharing)
        try:
            shares = meters.allocate(
                total, weights, sharing.mapped("unit_id.code"), step
            )
        except ValueError:
            return {
                "unit_id": False,
                "fee_item_id": item.id,
                "partner_id": False,
                "message": _(
                    "The cost of common meter %(meter)s cannot be shared: the "
                    "units sharing it have no %(basis)s. Enter their areas or "
                    "readings, or share it equally.",
                    meter=meter.serial_number,
                    basis=dict(item._fields["allocation_basis"].selection)[
                        item.allocation_basis
                    ],
                ),
            }, {}
        weight_total = sum(weights, Decimal(0))
        result = {}
        for fee, weight, share in zip(sharing, weights, shares, strict=True):
            result[fee] = (
                share,
                _(
                    "%(total)s shared %(basis)s: %(weight)s of %(weight_total)s "
                    "= %(share)s",
                    total=self._format_price(total, currency),
                    basis=dict(item._fields["allocation_basis"].selection)[
                        item.allocation_basis
                    ].lower(),
                    weight=format_quantity(weight),
                    weight_total=format_quantity(weight_total),
                    share=self._format_price(share, currency),
                ),
            )
        return None, result

    def _get_allocation_weights(self, item, sharing):
        if item.allocation_basis == "equal":
            return [Decimal(1)] * len(sharing)
        if item.allocation_basis == "area":
            return [amounts.to_decimal(fee.unit_id.area) for fee in sharing]
        # By each unit's own consumption of the same meter type in the period.
        own = self.env["property.meter.reading"]._read_group(
            [
                ("unit_id", "in", sharing.unit_id.ids),
                ("meter_type", "=", item.meter_type),
                ("state", "in", ("confirmed", "billed")),
                ("date", ">=", self.period_start),
                ("date", "<=", self.period_end),
            ],
            groupby=["unit_id"],
            aggregates=["consumption:sum"],
        )
        by_unit = {unit: total for unit, total in own}
        return [amounts.to_decimal(by_unit.get(fee.unit_id, 0.0)) for fee in sharing]

    def _prepare_shared_charge(self, unit_fee, parts):
        unit = unit_fee.unit_id
        item = unit_fee.fee_item_id
        currency = unit.company_id.currency_id
        lines = [self._get_metered_heading(unit, item)]
        readings = self.env["property.meter.reading"]
        amount = Decimal(0)
        for meter_readings, (share, text) in parts:
            lines += self._get_reading_lines(meter_readings)
            lines.append(text)
            readings |= meter_readings
            amount += share
        if len(parts) > 1:
            lines.append(
                _("Total: %(amount)s", amount=self._format_price(amount, currency))
            )
        return {
            "unit_id": unit.id,
            "community_id": unit.community_id.id,
            "company_id": unit.company_id.id,
            "fee_item_id": item.id,
            "unit_fee_id": unit_fee.id,
            "partner_id": unit.billing_partner_id.id,
            "cycle_start": self.period_start,
            "period_start": self.period_start,
            "period_end": self.period_end,
            "quantity": 1.0,
            "rate": float(amount),
            "amount": float(amount),
            "label": "\n".join(lines),
            "meter_reading_ids": [Command.set(readings.ids)],
        }

    # ------------------------------------------------------------
    # INVOICING
    # ------------------------------------------------------------

    def _invoice_charges(self, charges):
        """Leave out metered charges of a period billed since the preview.

        Another run may bill a unit's fee for the period between this run's
        preview and its invoicing. A preview charge with readings that run did
        not bill is then deleted and named in a warning, rather than counted as
        already billed, and the next period bills those readings.
        """
        left_out = self._leave_out_billed_periods(charges)
        return super()._invoice_charges(charges - left_out)

    def _leave_out_billed_periods(self, charges):
        """Delete the metered charges of a billed period that bill unbilled
        readings, and add a warning for each.

        Charges of common meters are left to ``_filter_billed``, because the
        other units' parts of the same readings may still be billed.

        :return: the charges deleted
        """
        metered = charges.filtered(
            lambda charge: charge.meter_reading_ids
            and not charge.fee_item_id.is_shared_cost
        )
        if not metered:
            return charges.browse()
        billed = self._get_billed_charges(metered)
        left_out = charges.browse()
        warning_vals = []
        for charge in metered:
            billed_charge = billed.get((charge.unit_id.id, charge.fee_item_id.id))
            if not billed_charge:
                continue
            unbilled = charge.meter_reading_ids.filtered(
                lambda r: "invoiced" not in r.charge_ids.mapped("state")
            )
            if not unbilled:
                # Its readings are billed already, so _filter_billed skips it.
                continue
            vals = self._get_next_period_warning(billed_charge, unbilled)
            del vals["warning"]
            warning_vals.append(dict(vals, run_id=self.id))
            left_out |= charge
        if left_out:
            self.env["property.billing.run.warning"].create(warning_vals)
            left_out._unlink_preview()
        return left_out

    def _filter_billed(self, charge_vals):
        """Skip charges whose readings a live charge of the same unit bills.

        Two draft runs can preview the same unbilled reading; the run that
        invoices second must not bill it again.
        """
        to_bill, skipped = super()._filter_billed(charge_vals)
        charge_ids = [vals["charge_id"] for vals in to_bill if vals.get("charge_id")]
        if not charge_ids:
            return to_bill, skipped
        charges = self.env["property.billing.charge"].browse(charge_ids)
        covered = {}
        for charge in charges.filtered("meter_reading_ids"):
            live = charge.meter_reading_ids.charge_ids.filtered(
                lambda other, charge=charge: other.state == "invoiced"
                and other.unit_id == charge.unit_id
                and other.fee_item_id == charge.fee_item_id
            )
            if live:
                covered[charge.id] = live[0].move_id.name
        if not covered:
            return to_bill, skipped
        kept = []
        for vals in to_bill:
            if vals.get("charge_id") in covered:
                skipped.append((vals, covered[vals["charge_id"]]))
            else:
                kept.append(vals)
        return kept, skipped

    def _link_charges(self, moves):
        """Mark the readings of the invoiced charges as billed.

        :raise UserError: when a reading would be billed twice to one unit,
            which rolls back the invoices of this chunk
        """
        result = super()._link_charges(moves)
        charges = (
            self.env["property.billing.charge"]
            .search([("move_id", "in", moves.ids)])
            .filtered("meter_reading_ids")
        )
        if not charges:
            return result
        readings = charges.meter_reading_ids
        self.env.cr.execute(
            """
            SELECT rel.reading_id, charge.unit_id
              FROM property_billing_charge_meter_reading_rel rel
              JOIN property_billing_charge charge ON charge.id = rel.charge_id
             WHERE charge.state = 'invoiced'
               AND rel.reading_id = ANY(%s)
             GROUP BY rel.reading_id, charge.unit_id, charge.fee_item_id
            HAVING COUNT(*) > 1
             LIMIT 1
            """,
            [readings.ids],
        )
        row = self.env.cr.fetchone()
        if row:
            reading = self.env["property.meter.reading"].browse(row[0])
            raise UserError(
                _(
                    "Reading %(reading)s is already billed to unit %(unit)s: "
                    "it cannot be billed twice.",
                    reading=reading.display_name,
                    unit=self.env["property.unit"].browse(row[1]).display_name,
                )
            )
        readings.invalidate_recordset(["charge_ids"])
        readings.write({"state": "billed"})
        return result
