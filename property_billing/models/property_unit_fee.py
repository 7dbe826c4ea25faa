from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import formatLang

from ..tools import amounts, periods


class PropertyUnitFee(models.Model):
    """A fee item applied to a unit from one date to another."""

    _name = "property.unit.fee"
    _description = "Property Unit Fee"
    _order = "unit_id, fee_item_id, date_start, id"
    _check_company_auto = True

    unit_id = fields.Many2one(
        comodel_name="property.unit",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    community_id = fields.Many2one(
        related="unit_id.community_id", store=True, index=True
    )
    company_id = fields.Many2one(related="unit_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    fee_item_id = fields.Many2one(
        comodel_name="property.fee.item",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    date_start = fields.Date(string="From", required=True)
    date_end = fields.Date(string="Until", help="Last day billed; empty for no end.")
    has_rate_override = fields.Boolean(
        string="Own Rate",
        help="Bill this unit at its own rate instead of the fee item's rate.",
    )
    rate_override = fields.Monetary(string="Unit Rate")
    rate = fields.Monetary(
        compute="_compute_rate",
        help="Rate billed: the unit's own rate when set, else the fee item's.",
    )

    @api.depends("has_rate_override", "rate_override", "fee_item_id.rate")
    def _compute_rate(self):
        for fee in self:
            fee.rate = (
                fee.rate_override if fee.has_rate_override else fee.fee_item_id.rate
            )

    @api.depends("unit_id", "fee_item_id")
    def _compute_display_name(self):
        for fee in self:
            fee.display_name = f"{fee.unit_id.display_name} / {fee.fee_item_id.name}"

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for fee in self:
            if fee.date_end and fee.date_end < fee.date_start:
                raise ValidationError(
                    _(
                        "Fee %(fee)s ends on %(end)s, before it starts on %(start)s: "
                        "set an end date on or after the start date.",
                        fee=fee.display_name,
                        end=fee.date_end,
                        start=fee.date_start,
                    )
                )

    @api.constrains("has_rate_override", "rate_override")
    def _check_rate_override(self):
        for fee in self:
            if (
                fee.has_rate_override
                and fee.currency_id.compare_amounts(fee.rate_override, 0.0) < 0
            ):
                raise ValidationError(
                    _(
                        "The rate of fee %(fee)s is negative (%(rate)s): enter 0 or "
                        "a positive price per month.",
                        fee=fee.display_name,
                        rate=fee.rate_override,
                    )
                )

    @api.constrains("unit_id", "fee_item_id", "date_start", "date_end")
    def _check_overlap(self):
        # One query for the whole batch: fee assignment wizards create thousands.
        self.flush_model(["unit_id", "fee_item_id", "date_start", "date_end"])
        self.env.cr.execute(
            """
            SELECT fee.id, other.date_start
              FROM property_unit_fee fee
              JOIN property_unit_fee other
                ON other.unit_id = fee.unit_id
               AND other.fee_item_id = fee.fee_item_id
               AND other.id != fee.id
               AND other.date_start <= COALESCE(fee.date_end, 'infinity'::date)
               AND fee.date_start <= COALESCE(other.date_end, 'infinity'::date)
             WHERE fee.id IN %s
             LIMIT 1
            """,
            [tuple(self.ids)],
        )
        row = self.env.cr.fetchone()
        if row:
            fee = self.browse(row[0])
            raise ValidationError(
                _(
                    "Fee item %(fee)s is already applied to unit %(unit)s from "
                    "%(start)s: end that period before starting a new one.",
                    fee=fee.fee_item_id.name,
                    unit=fee.unit_id.display_name,
                    start=row[1],
                )
            )

    @api.constrains("unit_id", "fee_item_id")
    def _check_area_for_area_fee(self):
        for fee in self:
            if fee.fee_item_id.calculation == "area" and not fee.unit_id.area:
                raise ValidationError(
                    _(
                        "Unit %(unit)s has no building area, so the per-m² fee "
                        "%(fee)s cannot apply to it: enter the unit's area first.",
                        unit=fee.unit_id.display_name,
                        fee=fee.fee_item_id.name,
                    )
                )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _prepare_charge_values(self, period_start, period_end):
        """Compute the charges that a run over [period_start, period_end] bills.

        Units without an owner or billing partner, or without area for a per-m²
        fee, give an error entry instead of a charge.

        :param date period_start: the run's first day
        :param date period_end: the run's last day
        :return: a pair (charge value dicts, error dicts)
        :rtype: tuple(list, list)
        """
        charges = []
        errors = []
        rate_texts = {}
        for fee in self:
            unit = fee.unit_id
            item = fee.fee_item_id
            blocks = periods.billable_blocks(
                period_start,
                period_end,
                item.cycle_months,
                fee.date_start,
                fee.date_end or None,
            )
            if not blocks:
                continue
            error = fee._get_billing_error()
            if error:
                errors.append(
                    {
                        "unit_id": unit.id,
                        "fee_item_id": item.id,
                        "partner_id": unit.billing_partner_id.id,
                        "message": error,
                    }
                )
                continue
            currency = unit.company_id.currency_id
            step = amounts.rounding_step(item.rounding, currency.rounding)
            quantity = unit.area if item.calculation == "area" else 1.0
            # formatLang looks up the language settings, so format each rate once.
            rate_key = (fee.rate, currency.decimal_places)
            if rate_key not in rate_texts:
                rate_texts[rate_key] = formatLang(
                    self.env, fee.rate, digits=max(currency.decimal_places, 2)
                )
            for cycle_start, charge_start, charge_end in blocks:
                months = periods.month_fraction(charge_start, charge_end)
                amount = amounts.charge_amount(fee.rate, quantity, months, step)
                charges.append(
                    {
                        "unit_id": unit.id,
                        "community_id": unit.community_id.id,
                        "company_id": unit.company_id.id,
                        "fee_item_id": item.id,
                        "unit_fee_id": fee.id,
                        "partner_id": unit.billing_partner_id.id,
                        "cycle_start": cycle_start,
                        "period_start": charge_start,
                        "period_end": charge_end,
                        "quantity": quantity,
                        "rate": fee.rate,
                        "months": float(months),
                        "amount": float(amount),
                        "label": fee._get_charge_label(
                            charge_start,
                            charge_end,
                            quantity,
                            months,
                            rate_text=rate_texts[rate_key],
                        ),
                    }
                )
        return charges, errors

    def _get_billing_error(self):
        """Return why the unit of this fee cannot be billed, or False."""
        self.ensure_one()
        unit = self.unit_id
        item = self.fee_item_id
        if not unit.billing_partner_id:
            return _(
                "Unit %(unit)s has no owner or billing partner: set the owner on "
                "the unit, then bill it again.",
                unit=unit.display_name,
            )
        if item.calculation == "area" and unit.area <= 0:
            return _(
                "Unit %(unit)s has no building area, so the per-m² fee %(fee)s "
                "cannot be computed: enter the unit's area, then bill it again.",
                unit=unit.display_name,
                fee=item.name,
            )
        if not item.product_id:
            return _(
                "Fee item %(fee)s has no product: choose a service product on the "
                "fee item, then bill it again.",
                fee=item.name,
            )
        if item.product_id.company_id and item.product_id.company_id != unit.company_id:
            return _(
                "The product of fee item %(fee)s belongs to company %(company)s: "
                "choose a product shared by all companies or of company "
                "%(unit_company)s.",
                fee=item.name,
                company=item.product_id.company_id.name,
                unit_company=unit.company_id.name,
            )
        return False

    def _get_charge_label(
        self, charge_start, charge_end, quantity, months, rate_text=None
    ):
        self.ensure_one()
        unit = self.unit_id
        item = self.fee_item_id
        currency = unit.company_id.currency_id
        rate = rate_text or formatLang(
            self.env, self.rate, digits=max(currency.decimal_places, 2)
        )
        if months.denominator == 1:
            months_text = str(months.numerator)
        else:
            months_text = f"{float(months):.4f}"
        if charge_start == periods.month_start(
            charge_start
        ) and charge_end == periods.month_end(charge_start):
            period_text = charge_start.strftime("%Y-%m")
        else:
            period_text = f"{charge_start} – {charge_end}"
        if item.calculation == "area":
            formula = _(
                "%(area)s m² × %(rate)s/m²/month × %(months)s month(s)",
                area=format(quantity, ".2f"),
                rate=rate,
                months=months_text,
            )
        else:
            formula = _(
                "%(rate)s/month × %(months)s month(s)",
                rate=rate,
                months=months_text,
            )
        return f"{item.name} {period_text} {unit.code}: {formula}"
