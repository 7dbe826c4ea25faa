import logging
from datetime import timedelta

from odoo import Command, _, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.property_billing.tools import periods

_logger = logging.getLogger(__name__)


class PropertyRefundRequest(models.Model):
    # Approval, credit note and money back, kept apart from the request's
    # fields and lifecycle in property_refund_request.py.
    _inherit = "property.refund.request"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # APPROVAL
    # ------------------------------------------------------------

    def action_approve(self):
        self._check_staff()
        for request in self:
            request._approve()
        return True

    def _approve(self):
        self.ensure_one()
        if self.state != "submitted":
            raise UserError(
                _(
                    "Refund request %(request)s is %(state)s: only a submitted "
                    "request can be approved.",
                    request=self.name,
                    state=self._get_state_label(),
                )
            )
        self._check_approval_rights()
        self._lock_bill()
        self._check_within_limits(self.amount)
        self._record_decision("approved")
        self._post_state_message(
            _(
                "Approved for %(amount)s by %(user)s.",
                amount=self._format(self.amount),
                user=self.env.user.name,
            )
        )
        self._create_credit_note()
        self._send_money()

    def _check_approval_rights(self):
        self.ensure_one()
        if self.env.su or self.env.user.has_group(
            "property_billing.property_billing_group_manager"
        ):
            return
        threshold = self.policy_id.manager_threshold
        if self.currency_id.compare_amounts(self.amount, threshold) > 0:
            raise AccessError(
                _(
                    "Refund request %(request)s is for %(amount)s, above the "
                    "%(threshold)s that billing users may approve under policy "
                    "%(policy)s: a billing manager must approve it.",
                    request=self.name,
                    amount=self._format(self.amount),
                    threshold=self._format(threshold),
                    policy=self.policy_id.display_name,
                )
            )

    def _lock_bill(self):
        """Serialise the approvals of one bill and reload what they reserved.

        The row update makes a concurrent approval of the same bill wait for
        this transaction. When this one commits, the other fails with a
        serialisation error under REPEATABLE READ and is retried on a fresh
        snapshot, which contains this approval. A plain SELECT ... FOR UPDATE
        would not be enough: PostgreSQL only rejects the second transaction
        when the first actually updated the row.
        """
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE account_move SET write_date = write_date WHERE id = %s",
            [self.move_id.id],
        )
        self.env.invalidate_all()

    # ------------------------------------------------------------
    # CREDIT NOTE
    # ------------------------------------------------------------

    def _create_credit_note(self):
        self.ensure_one()
        if self.credit_note_id:
            return self.credit_note_id
        values = self._prepare_credit_note_values()
        credit_note = self.env["account.move"].sudo().create(values)
        credit_note.action_post()
        if credit_note.currency_id.compare_amounts(
            credit_note.amount_total, self.amount
        ):
            # Taxes rounded per line may leave a cent between the two; the
            # money sent back is always the credit note's total.
            _logger.info(
                "refund request %s: credit note %s totals %s for %s requested",
                self.id,
                credit_note.id,
                credit_note.amount_total,
                self.amount,
            )
            self.sudo().amount = credit_note.amount_total
        self.sudo().credit_note_id = credit_note
        self._post_state_message(
            _("Credit note %(note)s posted.", note=credit_note._get_html_link())
        )
        return credit_note

    def _prepare_credit_note_values(self):
        """Build the credit note that takes back ``amount`` from the refunded lines.

        The amount is split over the lines in proportion to what was paid for
        each, and every credit line keeps its bill line's product, income
        account, taxes and analytic distribution.
        """
        self.ensure_one()
        move = self.move_id.sudo()
        paid = {
            line: amount
            for line, amount in self._get_line_paid_amounts().items()
            if not self.currency_id.is_zero(amount)
        }
        total_paid = sum(paid.values())
        remaining = self.amount
        line_commands = []
        for index, (line, line_paid) in enumerate(paid.items()):
            if index == len(paid) - 1:
                portion = remaining
            else:
                portion = self.currency_id.round(self.amount * line_paid / total_paid)
            remaining = self.currency_id.round(remaining - portion)
            if self.currency_id.is_zero(portion):
                continue
            # price_total includes the taxes; the credit line is priced without
            # them so that the same taxes apply on top.
            untaxed = (
                line.price_subtotal * portion / line.price_total
                if line.price_total
                else portion
            )
            line_commands.append(
                Command.create(
                    {
                        "product_id": line.product_id.id,
                        "name": _(
                            "Refund %(request)s: %(line)s",
                            request=self.name,
                            line=line.name or line.product_id.display_name,
                        ),
                        "quantity": 1.0,
                        "price_unit": self.currency_id.round(untaxed),
                        "account_id": line.account_id.id,
                        "tax_ids": [Command.set(line.tax_ids.ids)],
                        "analytic_distribution": line.analytic_distribution,
                    }
                )
            )
        today = fields.Date.context_today(self)
        return {
            "move_type": "out_refund",
            "partner_id": move.partner_id.id,
            "journal_id": move.journal_id.id,
            "company_id": move.company_id.id,
            "currency_id": move.currency_id.id,
            "invoice_date": today,
            "invoice_date_due": today,
            # Not reversed_entry_id: posting a credit note reconciles it with
            # the entry it reverses, which would settle what the owner still
            # owes on the bill while the same money is also paid back to him.
            "property_refund_bill_id": move.id,
            # Open until the money is sent back: it is not an advance payment.
            "property_no_advance": True,
            "property_community_id": move.property_community_id.id,
            "ref": _(
                "Refund %(request)s of %(bill)s", request=self.name, bill=move.name
            ),
            "invoice_line_ids": line_commands,
        }

    # ------------------------------------------------------------
    # MONEY BACK
    # ------------------------------------------------------------

    def _send_money(self):
        """Refund through the bill's payment provider, or prepare a bank transfer."""
        self.ensure_one()
        transaction = self._get_source_transaction()
        self.sudo().write(
            {
                "state": "refunding",
                "refund_method": "provider" if transaction else "transfer",
                "failure_reason": False,
            }
        )
        if transaction:
            self._send_provider_refund(transaction)
        else:
            self._create_transfer_payment()

    def _get_source_transaction(self):
        """Return the bill's online payment that can refund ``amount``, if any."""
        self.ensure_one()
        transactions = self.move_id.sudo().transaction_ids.filtered(
            lambda tx: tx.state == "done" and tx.operation != "refund" and tx.payment_id
        )
        for transaction in transactions.sorted("id", reverse=True):
            provider_support = transaction.provider_id.support_refund
            method = transaction.payment_method_id
            method_support = (method.primary_payment_method_id or method).support_refund
            if "none" in (provider_support, method_support):
                continue
            if "full_only" in (provider_support, method_support) and (
                transaction.currency_id.compare_amounts(self.amount, transaction.amount)
            ):
                continue
            available = transaction.payment_id.amount_available_for_refund
            if transaction.currency_id.compare_amounts(self.amount, available) <= 0:
                return transaction
        return self.env["payment.transaction"]

    def _send_provider_refund(self, transaction):
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                refund_tx = transaction.sudo()._send_refund_request(
                    amount_to_refund=self.amount
                )
        except UserError as error:
            _logger.info(
                "refund request %s: provider %s rejected the refund: %s",
                self.id,
                transaction.provider_id.code,
                error,
            )
            self._set_failed(str(error.args[0]) if error.args else str(error))
            return
        refund_tx.invoice_ids = [Command.set(self.credit_note_id.ids)]
        self.sudo().transaction_id = refund_tx
        self._post_state_message(
            _(
                "Refund of %(amount)s sent to %(provider)s as transaction %(tx)s.",
                amount=self._format(self.amount),
                provider=transaction.provider_id.name,
                tx=refund_tx.reference,
            )
        )
        if refund_tx.state in ("done", "cancel", "error"):
            if refund_tx.is_post_processed:
                self._sync_refund_transaction()
            else:
                # Creates the refund payment now rather than at the next run of
                # the payment post-processing job, which then calls back here.
                refund_tx._post_process()

    def _sync_refund_transaction(self):
        """Follow the state of the refund transaction once it is final."""
        for request in self.filtered(lambda r: r.state == "refunding"):
            refund_tx = request.transaction_id.sudo()
            if refund_tx.state == "done" and refund_tx.payment_id:
                request._set_done(refund_tx.payment_id)
            elif refund_tx.state in ("error", "cancel"):
                request._set_failed(
                    refund_tx.state_message
                    or _(
                        "The provider ended refund transaction %(tx)s as %(state)s.",
                        tx=refund_tx.reference,
                        state=refund_tx.state,
                    )
                )

    def _create_transfer_payment(self):
        self.ensure_one()
        journal = self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(self.company_id),
                ("type", "=", "bank"),
            ],
            limit=1,
        )
        if not journal:
            self._set_failed(
                _(
                    "Company %(company)s has no bank journal to pay the refund "
                    "from: create one, then retry.",
                    company=self.company_id.name,
                )
            )
            return
        partner = self.partner_id
        payment = (
            self.env["account.payment"]
            .sudo()
            .create(
                {
                    "payment_type": "outbound",
                    "partner_type": "customer",
                    "partner_id": partner.id,
                    "amount": self.amount,
                    "currency_id": self.credit_note_id.currency_id.id,
                    "journal_id": journal.id,
                    "payment_method_line_id": journal.outbound_payment_method_line_ids[
                        :1
                    ].id,
                    "partner_bank_id": partner.bank_ids[:1].id,
                    "memo": self.name,
                    "date": fields.Date.context_today(self),
                    "invoice_ids": [Command.set(self.credit_note_id.ids)],
                    "property_refund_request_id": self.id,
                }
            )
        )
        self.sudo().payment_id = payment
        self._post_state_message(
            _(
                "Bank transfer %(payment)s of %(amount)s prepared for the "
                "accountant; the refund is done when it is confirmed.",
                payment=payment._get_html_link(),
                amount=self._format(self.amount),
            )
        )

    def _set_done(self, payment):
        self.ensure_one()
        lines = (payment.move_id.line_ids | self.credit_note_id.line_ids).filtered(
            lambda line: (
                line.account_id == payment.destination_account_id
                and not line.reconciled
            )
        )
        if len(lines) > 1:
            lines.reconcile()
        self.sudo().write(
            {
                "state": "done",
                "payment_id": payment.id,
                "date_refunded": fields.Date.context_today(self),
                "failure_reason": False,
            }
        )
        self._close_late_fee_hold()
        self._end_package_early()
        self._post_state_message(
            _(
                "Refunded %(amount)s by payment %(payment)s.",
                amount=self._format(self.amount),
                payment=payment._get_html_link(),
            )
        )

    def _get_package_last_day(self):
        """Return the last day the refunded package still covers, or None.

        Refunding unused whole months leaves the month of the service end
        date paid, so the package covers it to its last day. Refunding
        unused days ends the package on the service end date itself.
        """
        self.ensure_one()
        last_day = self.service_end_date
        if not self.package_subscription_id or not last_day:
            return None
        if self.policy_id.proposal_method == "months":
            next_day = last_day + timedelta(days=1)
            if next_day.day != 1:
                last_day = periods.month_end(last_day)
        return last_day

    def _end_package_early(self):
        """End the refunded package so that billing runs bill it again."""
        self.ensure_one()
        subscription = self.package_subscription_id.sudo()
        last_day = self._get_package_last_day()
        if not last_day or last_day >= subscription._get_planned_end():
            return
        if subscription.date_ended_early and subscription.date_ended_early <= last_day:
            return
        subscription._end_early(last_day)
        self._post_state_message(
            _(
                "Package %(package)s ended early: covered until %(date)s.",
                package=subscription._get_html_link(),
                date=last_day,
            )
        )

    def _set_failed(self, reason):
        self.ensure_one()
        self.sudo().write({"state": "failed", "failure_reason": reason})
        self._post_state_message(
            _(
                "Refund failed: %(reason)s. Retry once the cause is fixed.",
                reason=reason,
            )
        )

    def action_retry(self):
        self._check_staff()
        for request in self:
            if request.state != "failed":
                raise UserError(
                    _(
                        "Refund request %(request)s is %(state)s: only a failed "
                        "refund can be retried.",
                        request=request.name,
                        state=request._get_state_label(),
                    )
                )
            if request.transaction_id.sudo().state == "done":
                raise UserError(
                    _(
                        "Refund transaction %(tx)s of request %(request)s went "
                        "through: it is not sent again.",
                        tx=request.transaction_id.reference,
                        request=request.name,
                    )
                )
            request._post_state_message(_("Retrying the refund."))
            request._create_credit_note()
            request._send_money()
        return True
