import logging

from odoo import _, models

_logger = logging.getLogger(__name__)


class PropertyBillingRun(models.Model):
    """Billing run extension that explains what it does not bill.

    A billing partner whose charges all come to zero gets no bill, and a run
    that finds nothing at all to bill says why.
    """

    _inherit = "property.billing.run"  # pylint: disable=consider-merging-classes-inherited

    def _prepare_preview(self):
        result = super()._prepare_preview()
        self._drop_zero_bills()
        self._warn_nothing_to_bill()
        return result

    def _get_zero_bill_charges(self):
        """Return the preview charges of billing partners whose bill would be zero.

        A partner counts only when every one of his charges is zero. A charge
        with meter readings is always billed, because billing marks its
        readings as billed and the yearly tiers count its consumption.
        """
        self.ensure_one()
        self.env["property.billing.charge"].flush_model()
        self.env.cr.execute(
            """
            SELECT array_agg(charge.id)
              FROM property_billing_charge charge
             WHERE charge.run_id = %s
               AND charge.state = 'draft'
             GROUP BY charge.partner_id
            HAVING bool_and(charge.amount = 0)
               AND NOT bool_or(EXISTS (
                       SELECT 1
                         FROM property_billing_charge_meter_reading_rel rel
                        WHERE rel.charge_id = charge.id
                   ))
            """,
            [self.id],
        )
        charge_ids = [
            charge_id for (ids,) in self.env.cr.fetchall() for charge_id in ids
        ]
        return self.env["property.billing.charge"].browse(charge_ids)

    def _drop_zero_bills(self):
        """Remove the charges of zero bills from the preview, with a warning each.

        An invoice of 0.00 gives the owner nothing to pay and shows as paid,
        and its charges would count the units as billed.
        """
        self.ensure_one()
        charges = self._get_zero_bill_charges()
        if not charges:
            return
        currency = self.company_id.currency_id
        self.env["property.billing.run.warning"].create(
            [
                {
                    "run_id": self.id,
                    "unit_id": charge.unit_id.id,
                    "fee_item_id": charge.fee_item_id.id,
                    "message": _(
                        "Fee %(fee)s of unit %(unit)s comes to %(amount)s for "
                        "%(start)s to %(end)s, as do all charges of %(partner)s, so "
                        "no bill is made for them. If the fee should not be zero, "
                        "check its rate or the unit's area.",
                        fee=charge.fee_item_id.name,
                        unit=charge.unit_id.display_name,
                        amount=currency.format(charge.amount),
                        start=charge.period_start,
                        end=charge.period_end,
                        partner=charge.partner_id.display_name,
                    ),
                }
                for charge in charges
            ]
        )
        partner_count = len(charges.partner_id)
        charges._unlink_preview()
        self.partner_total -= partner_count
        _logger.info(
            "billing run %s: %d zero charges of %d partners left out",
            self.id,
            len(charges),
            partner_count,
        )

    def _warn_nothing_to_bill(self):
        """Add a warning when no fee applies to the run's units in its period.

        A run whose fees are all billed already (metered fees whose readings
        are billed, for one) finds nothing to bill either, and needs no warning.
        """
        self.ensure_one()
        self.invalidate_recordset()
        if (
            self.charge_count
            or self.skipped_count
            or self.error_count
            or self.warning_count
            or self.package_covered_count
            or self._get_unit_fees()
        ):
            return
        self.env["property.billing.run.warning"].create(
            {
                "run_id": self.id,
                "message": _(
                    "Nothing to bill in community %(community)s for %(start)s to "
                    "%(end)s: no fee applies to its units in that period, or the "
                    "run's buildings, units or fee items leave every fee out. "
                    "Check the period and the filters, or apply fee items to the "
                    "units with Apply Fee to Units.",
                    community=self.community_id.display_name,
                    start=self.period_start,
                    end=self.period_end,
                ),
            }
        )
