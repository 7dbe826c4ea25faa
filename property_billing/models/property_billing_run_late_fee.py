from collections import defaultdict
from decimal import Decimal

from odoo import Command, _, models

from ..tools.amounts import to_decimal


class PropertyBillingRun(models.Model):
    # Meters and late fees extend this model in their own files, one
    # feature per file, rather than in one file for every feature.
    _inherit = "property.billing.run"  # pylint: disable=consider-merging-classes-inherited

    def _collect_charge_values(self):
        """Add one late-fee charge per unit to the run's charges.

        A run bills late fees when its fee items include the policy's late fee
        item, or when it bills every fee item and the policy bills late fees
        with the next bill.
        """
        charge_vals, error_vals = super()._collect_charge_values()
        policy = self.env["property.late.fee.policy"].search(
            [("community_id", "=", self.community_id.id)], limit=1
        )
        if policy and self._bills_late_fees(policy):
            charge_vals = charge_vals + self._prepare_late_fee_charge_values(policy)
        return charge_vals, error_vals

    def _bills_late_fees(self, policy):
        self.ensure_one()
        if self.fee_item_ids:
            return policy.late_fee_item_id in self.fee_item_ids
        return policy.billing_mode == "next_bill"

    def _get_late_fee_as_of(self, policy):
        """Return the last day of accrual this run bills.

        It is the run's invoice date, or the end of its period when that comes
        first (a monthly late-fee run bills up to the end of last month), and
        never a day after today.
        """
        self.ensure_one()
        return min(self.period_end, self.invoice_date, policy._get_today())

    def _prepare_late_fee_charge_values(self, policy):
        """Compute the late-fee charges of this run, one per unit.

        Each bill's part is its late fee accrued to the run's date, less what
        was waived and what live charges, or charges of other runs being billed
        in the background, already bill. Late fees are grouped on the first
        unit of each bill, and the charge is keyed on the run's period, so the
        partial unique index on live charges allows one late-fee charge per
        unit and period.

        :return: list of charge value dicts
        """
        self.ensure_one()
        as_of = self._get_late_fee_as_of(policy)
        Move = self.env["account.move"]
        LateFee = self.env["property.late.fee"]
        open_moves = Move.search(
            [
                *Move._get_overdue_domain(policy, as_of),
                ("payment_state", "in", ("not_paid", "partial")),
            ]
        )
        # A cancelled or draft bill owes no late fee, whatever it accrued.
        fees = LateFee.search(
            [("policy_id", "=", policy.id), ("move_id.state", "=", "posted")]
        )
        moves = open_moves | fees.move_id
        if not moves:
            return []
        results = LateFee._compute_late_fees(moves, policy, as_of)
        missing = moves.filtered(
            lambda move: move not in fees.move_id and results[move.id][2] > 0
        )
        if missing:
            fees |= LateFee._accrue_moves(missing, policy, as_of)
        billed = self._get_late_fees_billed(fees)
        step = to_decimal(policy.currency_id.rounding)
        by_unit = defaultdict(list)
        for fee in fees:
            amount = (
                results[fee.move_id.id][2]
                - to_decimal(fee.amount_waived)
                - billed.get(fee.id, Decimal(0))
            )
            if amount < step or not fee.unit_id or not self._bills_unit(fee.unit_id):
                continue
            by_unit[fee.unit_id].append((fee, amount))
        charges = []
        for unit, unit_fees in by_unit.items():
            # NOTE: a unit whose owner changed can have late fees of two
            # partners. This run bills those of the partner with the lowest id,
            # and a later run of another period bills the others.
            partner = min((fee.partner_id for fee, _amount in unit_fees), key=int)
            unit_fees = [item for item in unit_fees if item[0].partner_id == partner]
            total = sum((amount for _fee, amount in unit_fees), Decimal(0))
            charges.append(
                {
                    "unit_id": unit.id,
                    "community_id": self.community_id.id,
                    "company_id": self.company_id.id,
                    "fee_item_id": policy.late_fee_item_id.id,
                    "unit_fee_id": False,
                    "partner_id": partner.id,
                    "cycle_start": self.period_start,
                    "period_start": self.period_start,
                    "period_end": self.period_end,
                    "quantity": 1.0,
                    "rate": float(total),
                    "months": 0.0,
                    "amount": float(total),
                    "label": _(
                        "%(fee)s to %(date)s on %(bills)s",
                        fee=policy.late_fee_item_id.name,
                        date=as_of,
                        bills=", ".join(fee.move_id.name for fee, _amount in unit_fees),
                    ),
                    "late_fee_line_ids": [
                        Command.create(
                            {
                                "late_fee_id": fee.id,
                                "amount": float(amount),
                                "date_to": as_of,
                            }
                        )
                        for fee, amount in unit_fees
                    ],
                }
            )
        return charges

    def _bills_unit(self, unit):
        self.ensure_one()
        if self.unit_ids and unit not in self.unit_ids:
            return False
        if self.building_ids and unit.building_id not in self.building_ids:
            return False
        return True

    def _get_late_fees_billed(self, fees):
        """Sum per late fee what live charges, or other runs in progress, bill.

        :return: {late fee id: Decimal amount}
        """
        self.ensure_one()
        billed = defaultdict(Decimal)
        for line in fees.line_ids:
            charge = line.charge_id
            if charge.state == "invoiced" or (
                charge.state == "draft"
                and charge.run_id != self
                and charge.run_id.state == "running"
            ):
                billed[line.late_fee_id.id] += to_decimal(line.amount)
        return billed
