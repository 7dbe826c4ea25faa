import base64
from collections import defaultdict

from odoo import _, api, models
from odoo.exceptions import UserError
from odoo.tools.image import image_data_uri

# Side of the printed QR code, in pixels of the PNG Odoo draws.
QR_CODE_SIZE = 180


class PropertyPaymentNoticeReport(models.AbstractModel):
    """Values of the payment notice (缴费通知单), one notice per billing partner.

    The report prints customer invoices of billing runs. Invoices of the same
    billing partner, community and period share one notice, so a partner
    billed by two runs of one month receives a single sheet.
    """

    _name = "report.property_billing.report_payment_notice"
    _description = "Property Payment Notice Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        invoices = self.env["account.move"].browse(docids).exists()
        self._check_notice_invoices(invoices)
        notices = [
            self._prepare_notice(group)
            for group in self._group_notice_invoices(invoices)
        ]
        return {
            "doc_ids": docids,
            "doc_model": "account.move",
            "docs": notices,
        }

    # ------------------------------------------------------------
    # GROUPING
    # ------------------------------------------------------------

    def _check_notice_invoices(self, invoices):
        for invoice in invoices:
            if (
                invoice.move_type != "out_invoice"
                or invoice.state != "posted"
                or not invoice.property_community_id
            ):
                raise UserError(
                    _(
                        "Invoice %(invoice)s is not a posted bill of a property "
                        "community, so it has no payment notice: print notices "
                        "of posted invoices made by a billing run.",
                        invoice=invoice.display_name,
                    )
                )

    def _group_notice_invoices(self, invoices):
        """Split ``invoices`` into the groups printed on one notice each.

        :return: list of account.move recordsets, ordered by community and by
            the first unit code of each notice
        :rtype: list
        """
        groups = defaultdict(lambda: self.env["account.move"])
        for invoice in invoices:
            key = (
                invoice.company_id,
                invoice.commercial_partner_id,
                invoice.property_community_id,
                *self._get_invoice_period(invoice),
            )
            groups[key] |= invoice
        return sorted(
            groups.values(),
            key=lambda moves: (
                moves.property_community_id[:1].name or "",
                min(moves.property_charge_ids.unit_id.mapped("code") or [""]),
                moves[:1].commercial_partner_id.name or "",
                moves[:1].id,
            ),
        )

    def _get_invoice_period(self, invoice):
        """Return the (start, end) dates of the period ``invoice`` bills."""
        run = invoice.property_billing_run_id
        if run:
            return run.period_start, run.period_end
        charges = invoice.property_charge_ids
        if charges:
            return min(charges.mapped("period_start")), max(
                charges.mapped("period_end")
            )
        return invoice.invoice_date, invoice.invoice_date

    # ------------------------------------------------------------
    # NOTICE VALUES
    # ------------------------------------------------------------

    def _prepare_notice(self, invoices):
        """Compute what one notice prints for ``invoices`` of one partner.

        Amounts are in the company currency. The amount due adds what is left
        to pay on ``invoices`` to the earlier bills still unpaid.

        :param invoices: posted customer invoices of one billing partner,
            community and period
        :rtype: dict
        """
        first = invoices[0]
        company = first.company_id
        currency = company.currency_id
        periods = [self._get_invoice_period(invoice) for invoice in invoices]
        period_start = min(start for start, _end in periods)
        period_end = max(end for _start, end in periods)
        earlier_bills = self._get_earlier_unpaid_bills(invoices, period_start)

        amount_total = currency.round(sum(invoices.mapped("amount_total_signed")))
        amount_tax = currency.round(sum(invoices.mapped("amount_tax_signed")))
        amount_current_due = currency.round(
            sum(invoices.mapped("amount_residual_signed"))
        )
        amount_earlier_due = currency.round(
            sum(earlier_bills.mapped("amount_residual_signed"))
        )
        payment_url = self._get_payment_url(invoices)
        return {
            "invoice": first,
            "invoices": invoices,
            "company": company,
            "currency": currency,
            "community": first.property_community_id,
            "partner": first.partner_id,
            "period_start": period_start,
            "period_end": period_end,
            "unit_groups": self._prepare_unit_groups(invoices),
            "other_lines": self._prepare_other_lines(invoices),
            "amount_untaxed": currency.round(amount_total - amount_tax),
            "amount_tax": amount_tax,
            "amount_total": amount_total,
            "amount_paid": currency.round(amount_total - amount_current_due),
            "amount_current_due": amount_current_due,
            "earlier_bills": earlier_bills,
            "amount_earlier_due": amount_earlier_due,
            "amount_due": currency.round(amount_current_due + amount_earlier_due),
            "date_due": min(
                filter(None, invoices.mapped("invoice_date_due")), default=False
            ),
            "payment_url": payment_url,
            "qr_code": self._get_qr_code(payment_url),
        }

    def _prepare_unit_groups(self, invoices):
        """Group the charges of ``invoices`` by unit, in unit code order.

        Every charge of a posted invoice is printed, a credited one too: the
        credit note lowers the amount due, not the invoice's lines.

        :return: list of dicts with the unit, its lines and their subtotal
        :rtype: list
        """
        charges = invoices.property_charge_ids
        groups = []
        for unit, unit_charges in sorted(
            charges.grouped("unit_id").items(), key=lambda item: item[0].code
        ):
            unit_charges = unit_charges.sorted(
                lambda c: (c.fee_item_id.sequence, c.fee_item_id.id, c.period_start)
            )
            groups.append(
                {
                    "unit": unit,
                    "lines": [self._prepare_charge_line(c) for c in unit_charges],
                    "subtotal": unit.currency_id.round(
                        sum(unit_charges.mapped("amount"))
                    ),
                }
            )
        return groups

    def _prepare_charge_line(self, charge):
        return {
            "charge": charge,
            "fee": charge.fee_item_id.name,
            "label": charge.label,
            "period_start": charge.period_start,
            "period_end": charge.period_end,
            "amount": charge.amount,
            "details": self._get_charge_details(charge),
        }

    def _get_charge_details(self, charge):
        """Return the lines printed under a charge's formula, such as readings.

        Metered charges list the meter readings they bill; other charges have
        none.

        :rtype: list of str
        """
        # NOTE: no test covers the readings yet. This assumes the reading
        # fields meter_id, date, previous_value, value and consumption.
        if "meter_reading_ids" not in charge._fields:
            return []
        details = []
        for reading in charge.meter_reading_ids.sorted(lambda r: (r.date, r.id)):
            details.append(
                _(
                    "Meter %(meter)s, read on %(date)s: %(previous)s → %(value)s, "
                    "%(consumption)s used",
                    meter=reading.meter_id.display_name,
                    date=reading.date,
                    previous=format(reading.previous_value, ".2f"),
                    value=format(reading.value, ".2f"),
                    consumption=format(reading.consumption, ".2f"),
                )
            )
        return details

    def _prepare_other_lines(self, invoices):
        """Return the invoice lines that no charge billed, such as added fees."""
        lines = invoices.invoice_line_ids.filtered(
            lambda line: line.display_type == "product" and not line.property_charge_id
        )
        return [
            {"label": line.name, "amount": -line.balance}
            for line in lines.sorted(lambda line: (line.move_id.id, line.sequence))
        ]

    def _get_earlier_unpaid_bills(self, invoices, period_start):
        """Return the partner's posted bills from before the period, still unpaid.

        "In payment" and "blocked" bills are left out, as on the portal: the
        first are paid, and an accountant put the others on hold. Invoices
        without a community, such as prepaid packages, are no property bills.
        """
        first = invoices[0]
        return self.env["account.move"].search(
            [
                ("company_id", "=", first.company_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("property_community_id", "!=", False),
                ("payment_state", "in", ("not_paid", "partial")),
                ("commercial_partner_id", "=", first.commercial_partner_id.id),
                ("invoice_date", "<", period_start),
                ("id", "not in", invoices.ids),
            ],
            order="invoice_date asc, name asc, id asc",
        )

    def _get_payment_url(self, invoices):
        """Return the absolute URL where the partner pays the notice.

        One invoice opens its portal page, whose access token lets an owner
        without a portal account pay it. Several invoices open the owner's
        property page, which lists all his bills and needs a login.
        """
        base_url = invoices[0].get_base_url()
        if len(invoices) == 1:
            return base_url + invoices.get_portal_url()
        return base_url + "/my/property"

    def _get_qr_code(self, value):
        """Return a PNG QR code of ``value`` as a data URI.

        The image is inline, so wkhtmltopdf does not have to fetch it from
        the server's /report/barcode route while it renders the PDF.
        """
        png = self.env["ir.actions.report"].barcode(
            "QR", value, width=QR_CODE_SIZE, height=QR_CODE_SIZE, barLevel="M"
        )
        return image_data_uri(base64.b64encode(png))
