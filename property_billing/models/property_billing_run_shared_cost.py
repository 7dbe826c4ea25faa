from odoo import _, models
from odoo.exceptions import UserError

from ..tools import periods
from .property_billing_run_metered import format_quantity


class PropertyBillingRun(models.Model):
    """Bill the parts of shared costs (公摊) entered as an amount."""

    # Each charge source extends this model in its own file, one feature
    # per file, rather than in one file for every feature.
    _inherit = "property.billing.run"  # pylint: disable=consider-merging-classes-inherited

    def _collect_charge_values(self):
        charge_vals, error_vals = super()._collect_charge_values()
        for cost in self._get_shared_costs_to_bill():
            cost_charges, cost_errors = self._collect_shared_cost_values(cost)
            charge_vals += cost_charges
            error_vals += cost_errors
        return charge_vals, error_vals

    def _get_shared_costs_to_bill(self):
        """Return the community's costs to bill dated up to the run's end."""
        self.ensure_one()
        domain = [
            ("community_id", "=", self.community_id.id),
            ("state", "=", "confirmed"),
            ("period_start", "<=", self.period_end),
        ]
        if self.fee_item_ids:
            domain.append(("fee_item_id", "in", self.fee_item_ids.ids))
        return self.env["property.shared.cost"].search(domain, order="id")

    def _get_run_units(self, units):
        """Return those of ``units`` that the run's unit filters keep."""
        if self.building_ids:
            units = units.filtered(lambda u: u.building_id in self.building_ids)
        if self.unit_ids:
            units = units & self.unit_ids
        return units

    def _collect_shared_cost_values(self, cost):
        """Compute the charge of each unit sharing ``cost``.

        A run restricted to some units or buildings bills none of the parts
        unless it covers every sharing unit, so that all parts are computed
        over the same units. It lists the skipped cost as a warning.

        :return: a pair (charge value dicts, error and warning dicts)
        """
        try:
            parts, weight_total = cost._compute_parts()
        except UserError as error:
            return [], [
                {
                    "unit_id": False,
                    "fee_item_id": cost.fee_item_id.id,
                    "partner_id": False,
                    "message": error.args[0],
                }
            ]
        units = cost._get_sharing_units()
        left_out = units - self._get_run_units(units)
        if left_out:
            return [], [
                {
                    "warning": True,
                    "fee_item_id": cost.fee_item_id.id,
                    "shared_cost_id": cost.id,
                    "message": _(
                        "Shared cost %(cost)s not billed: %(count)s of its units "
                        "(%(units)s) are outside this run's buildings or units. "
                        "Bill it with a run that covers all of %(place)s.",
                        cost=cost.name,
                        count=len(left_out),
                        units=", ".join(left_out[:10].mapped("code")),
                        place=cost._get_place_name(),
                    ),
                }
            ]
        charges = []
        errors = []
        for unit, weight, part in parts:
            if not unit.billing_partner_id:
                errors.append(
                    {
                        "unit_id": unit.id,
                        "fee_item_id": cost.fee_item_id.id,
                        "partner_id": False,
                        "message": _(
                            "Unit %(unit)s has no owner or billing partner, so "
                            "its part of shared cost %(cost)s is not billed: set "
                            "the owner on the unit, then bill it again.",
                            unit=unit.display_name,
                            cost=cost.name,
                        ),
                    }
                )
                continue
            charges.append(
                self._prepare_shared_cost_charge(cost, unit, weight, weight_total, part)
            )
        return charges, errors

    def _prepare_shared_cost_charge(self, cost, unit, weight, weight_total, part):
        currency = cost.currency_id
        if cost.period_end == periods.month_end(cost.period_start):
            period = cost.period_start.strftime("%Y-%m")
        else:
            period = f"{cost.period_start} – {cost.period_end}"
        label = "\n".join(
            [
                f"{cost.name} {period} {unit.code}",
                _(
                    "%(total)s shared %(basis)s over %(place)s: %(weight)s of "
                    "%(weight_total)s = %(part)s",
                    total=self._format_price(cost.amount, currency),
                    basis=cost._get_basis_text(),
                    place=cost._get_place_name(),
                    weight=format_quantity(weight),
                    weight_total=format_quantity(weight_total),
                    part=self._format_price(part, currency),
                ),
            ]
        )
        return {
            "unit_id": unit.id,
            "community_id": unit.community_id.id,
            "company_id": unit.company_id.id,
            "fee_item_id": cost.fee_item_id.id,
            "shared_cost_id": cost.id,
            "partner_id": unit.billing_partner_id.id,
            "cycle_start": cost.period_start,
            "period_start": cost.period_start,
            "period_end": cost.period_end,
            "quantity": 1.0,
            "rate": float(part),
            "amount": float(part),
            "label": label,
        }

    def _filter_billed(self, charge_vals):
        """Skip the parts of shared costs that a live charge already bills.

        Shared-cost parts are unique per unit and shared cost, so they skip
        the fee item and period overlap check of other charges.
        """
        charge_ids = [vals["charge_id"] for vals in charge_vals if "charge_id" in vals]
        cost_by_charge = {
            charge.id: charge.shared_cost_id.id
            for charge in self.env["property.billing.charge"]
            .browse(charge_ids)
            .filtered("shared_cost_id")
        }

        def cost_of(vals):
            return vals.get("shared_cost_id") or cost_by_charge.get(
                vals.get("charge_id")
            )

        shared = [vals for vals in charge_vals if cost_of(vals)]
        others = [vals for vals in charge_vals if not cost_of(vals)]
        to_bill, skipped = super()._filter_billed(others)
        if not shared:
            return to_bill, skipped
        live = self.env["property.billing.charge"].search(
            [
                ("state", "=", "invoiced"),
                ("shared_cost_id", "in", list({cost_of(vals) for vals in shared})),
                ("unit_id", "in", list({vals["unit_id"] for vals in shared})),
            ]
        )
        move_by_key = {
            (charge.unit_id.id, charge.shared_cost_id.id): charge.move_id.name
            for charge in live
        }
        for vals in shared:
            key = (vals["unit_id"], cost_of(vals))
            if key in move_by_key:
                skipped.append((vals, move_by_key[key]))
            else:
                to_bill.append(vals)
        return to_bill, skipped

    def _link_charges(self, moves):
        """Mark the shared costs billed once every sharing unit has its part."""
        result = super()._link_charges(moves)
        costs = (
            self.env["property.billing.charge"]
            .search([("move_id", "in", moves.ids), ("shared_cost_id", "!=", False)])
            .shared_cost_id
        )
        if costs:
            costs.invalidate_recordset(["charge_ids"])
            costs._compute_state()
        return result
