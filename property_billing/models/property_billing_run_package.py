from odoo import _, fields, models

from ..tools import amounts, packages, periods

# Packages named in a run's note of charges covered.
COVERED_SHOWN = 5


class PropertyBillingRun(models.Model):
    # Each feature extends billing runs in its own file.
    _inherit = "property.billing.run"  # pylint: disable=consider-merging-classes-inherited

    package_covered_count = fields.Integer(
        string="Charges Covered by Packages",
        readonly=True,
        copy=False,
        help="Charges, or parts of charges, not billed because a paid prepaid "
        "package covers them.",
    )
    package_covered_note = fields.Text(readonly=True, copy=False)

    def _prepare_preview(self):
        self.write({"package_covered_count": 0, "package_covered_note": False})
        return super()._prepare_preview()

    def _filter_charge_values(self, charge_vals, error_vals):
        """Drop or shorten the charges that paid packages cover, and list them.

        An unpaid package covers nothing. The preview calls this once per
        batch, so the count and the note add up.
        """
        charge_vals, error_vals = super()._filter_charge_values(charge_vals, error_vals)
        charge_vals, covered = self._filter_package_covered(charge_vals)
        if covered:
            self._add_package_covered(covered)
        return charge_vals, error_vals

    def _filter_package_covered(self, charge_vals):
        """Split charges into the parts to bill and the parts packages cover.

        A charge that the paid subscriptions of its unit cover over its whole
        period is dropped. A fixed or per-m² charge covered over part of its
        period, such as a quarterly fee with a package from its second month,
        is replaced by a charge for each part left, prorated by days as the
        unit fee bills a fee that starts or ends inside a cycle. Other
        charges (metered consumption, late fees) have no daily rate, so they
        are billed in full unless covered over their whole period.

        :return: (charge value dicts, list of (charge values, subscription,
            first day covered, last day covered))
        """
        if not charge_vals:
            return charge_vals, []
        subscriptions = self.env["property.package.subscription"]._get_covering(
            self.env["property.unit"].browse({vals["unit_id"] for vals in charge_vals}),
            self.env["property.fee.item"].browse(
                {vals["fee_item_id"] for vals in charge_vals}
            ),
            min(vals["period_start"] for vals in charge_vals),
            max(vals["period_end"] for vals in charge_vals),
        )
        by_unit = subscriptions.grouped("unit_id")
        to_bill = []
        covered = []
        for vals in charge_vals:
            unit = self.env["property.unit"].browse(vals["unit_id"])
            covering = [
                subscription
                for subscription in by_unit.get(unit, ())
                if vals["fee_item_id"] in subscription.fee_item_ids.ids
                and subscription.date_start <= vals["period_end"]
                and vals["period_start"] <= subscription.date_end
            ]
            if not covering:
                to_bill.append(vals)
                continue
            parts = packages.uncovered_ranges(
                vals["period_start"],
                vals["period_end"],
                [(sub.date_start, sub.date_end) for sub in covering],
            )
            if parts and not self._is_prorated_charge(vals):
                to_bill.append(vals)
                continue
            covering.sort(key=lambda sub: sub.date_start)
            for subscription in covering:
                covered.append(
                    (
                        vals,
                        subscription,
                        max(subscription.date_start, vals["period_start"]),
                        min(subscription.date_end, vals["period_end"]),
                    )
                )
            to_bill += [
                self._prepare_uncovered_charge(vals, start, end, covering)
                for start, end in parts
            ]
        return to_bill, covered

    def _is_prorated_charge(self, vals):
        """Tell whether a charge is a unit fee billed per month, prorated by days."""
        if not vals.get("unit_fee_id"):
            return False
        item = self.env["property.fee.item"].browse(vals["fee_item_id"])
        return item.calculation in ("fixed", "area")

    def _prepare_uncovered_charge(self, vals, start, end, subscriptions):
        """Prepare the charge for [start, end], the part of ``vals`` to bill.

        The amount is the unit fee's rate × quantity × the months of [start,
        end], each month prorated by its days, rounded once like any charge.
        The label names the packages that cover the rest of the period.

        :param dict vals: the charge values that packages cover in part
        :param subscriptions: the paid subscriptions covering the rest
        :rtype: dict
        """
        unit_fee = self.env["property.unit.fee"].browse(vals["unit_fee_id"])
        item = unit_fee.fee_item_id
        currency = unit_fee.unit_id.company_id.currency_id
        step = amounts.rounding_step(item.rounding, currency.rounding)
        months = periods.month_fraction(start, end)
        amount = amounts.charge_amount(vals["rate"], vals["quantity"], months, step)
        covered_text = "; ".join(
            self.env._(
                "covered by package %(package)s (%(name)s) from %(start)s to %(end)s",
                package=subscription.package_id.name,
                name=subscription.name,
                start=max(subscription.date_start, vals["period_start"]),
                end=min(subscription.date_end, vals["period_end"]),
            )
            for subscription in subscriptions
        )
        label = unit_fee._get_charge_label(start, end, vals["quantity"], months)
        return dict(
            vals,
            period_start=start,
            period_end=end,
            months=float(months),
            amount=float(amount),
            label=f"{label}; {covered_text}",
        )

    def _add_package_covered(self, covered):
        """Add one batch's covered charges to the run's count and note.

        The note names the first few charges and counts the others.
        """
        self.ensure_one()
        shown_before = min(self.package_covered_count, COVERED_SHOWN)
        lines = (self.package_covered_note or "").split("\n")[:shown_before]
        for vals, subscription, start, end in covered[: COVERED_SHOWN - shown_before]:
            lines.append(
                _(
                    "%(unit)s %(fee)s %(start)s to %(end)s: covered by package "
                    "%(package)s (%(name)s, %(date_start)s to %(date_end)s)",
                    unit=subscription.unit_id.code,
                    fee=self.env["property.fee.item"].browse(vals["fee_item_id"]).name,
                    start=start,
                    end=end,
                    package=subscription.package_id.name,
                    name=subscription.name,
                    date_start=subscription.date_start,
                    date_end=subscription.date_end,
                )
            )
        count = self.package_covered_count + len(covered)
        if count > COVERED_SHOWN:
            lines.append(_("and %(count)s more", count=count - COVERED_SHOWN))
        self.write(
            {"package_covered_count": count, "package_covered_note": "\n".join(lines)}
        )
