from odoo import _, fields, models

from ..tools import packages

# Packages named in a run's note of charges covered.
COVERED_SHOWN = 5


class PropertyBillingRun(models.Model):
    # Each feature extends billing runs in its own file.
    _inherit = "property.billing.run"  # pylint: disable=consider-merging-classes-inherited

    package_covered_count = fields.Integer(
        string="Charges Covered by Packages",
        readonly=True,
        copy=False,
        help="Charges not billed because a paid prepaid package covers them.",
    )
    package_covered_note = fields.Text(readonly=True, copy=False)

    def _prepare_preview(self):
        self.write({"package_covered_count": 0, "package_covered_note": False})
        return super()._prepare_preview()

    def _filter_charge_values(self, charge_vals, error_vals):
        """Drop the charges that a paid package covers, and list them on the run.

        A charge is covered when a paid subscription of its unit covers its
        fee item over its whole period. An unpaid package covers nothing. The
        preview calls this once per batch, so the count and the note add up.
        """
        charge_vals, error_vals = super()._filter_charge_values(charge_vals, error_vals)
        charge_vals, covered = self._filter_package_covered(charge_vals)
        if covered:
            self._add_package_covered(covered)
        return charge_vals, error_vals

    def _filter_package_covered(self, charge_vals):
        """Split charges into those to bill and those a paid package covers.

        :return: (charge value dicts, list of (charge values, subscription))
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
            subscription = next(
                (
                    subscription
                    for subscription in by_unit.get(unit, ())
                    if vals["fee_item_id"] in subscription.fee_item_ids.ids
                    and packages.covers(
                        subscription.date_start,
                        subscription.date_end,
                        vals["period_start"],
                        vals["period_end"],
                    )
                ),
                None,
            )
            if subscription is None:
                to_bill.append(vals)
            else:
                covered.append((vals, subscription))
        return to_bill, covered

    def _add_package_covered(self, covered):
        """Add one batch's covered charges to the run's count and note.

        The note names the first few charges and counts the others.
        """
        self.ensure_one()
        shown_before = min(self.package_covered_count, COVERED_SHOWN)
        lines = (self.package_covered_note or "").split("\n")[:shown_before]
        for vals, subscription in covered[: COVERED_SHOWN - shown_before]:
            lines.append(
                _(
                    "%(unit)s %(fee)s %(start)s to %(end)s: covered by package "
                    "%(package)s (%(name)s, %(date_start)s to %(date_end)s)",
                    unit=subscription.unit_id.code,
                    fee=self.env["property.fee.item"].browse(vals["fee_item_id"]).name,
                    start=vals["period_start"],
                    end=vals["period_end"],
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
