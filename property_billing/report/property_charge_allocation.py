"""SQL that splits what each bill's receivable received over its charge lines.

Odoo reconciles payments and credit notes with a bill's receivable line, not
with its product lines, so a bill that bills several units or fee items shows
how much was paid in total but not for what. The reports allocate the
settled amount of each bill to its charge lines in line order (first line
first, 先进先出): a line counts as paid only once the lines before it are.
The allocated amounts of a bill add up exactly to what its receivable line
received, so the reports agree to the fen with Odoo's receivables.

Credit notes reconciled with a bill are allocated first and reduce what the
bill claims. Payments are allocated after them. The date of a payment is the
``max_date`` of its partial reconciliation, the later of the bill's and the
payment's dates, as in Odoo's aged receivable report.
"""

from odoo.tools import SQL


def allocation_query(as_of):
    """Return one row per posted charge line invoiced on or before ``as_of``.

    The row has the line's dimensions (company, community, building, unit,
    fee item, billing partner, period, bill, due date) and its amounts as of
    ``as_of``: ``billed``, ``credited``, ``collected_in_period`` (paid on or
    before the end of the charge's period), ``collected_total`` and
    ``open_amount``.

    :param date as_of: last day of the payments and credit notes counted
    :rtype: odoo.tools.SQL
    """
    return SQL(
        """
        WITH charge_line AS (
            SELECT line.id,
                   line.move_id,
                   charge.id AS charge_id,
                   charge.company_id,
                   charge.community_id,
                   unit.building_id,
                   charge.unit_id,
                   charge.fee_item_id,
                   move.partner_id,
                   charge.period_start,
                   charge.period_end,
                   move.invoice_date,
                   move.invoice_date_due AS date_due,
                   line.price_total AS billed,
                   SUM(line.price_total) OVER (
                       PARTITION BY line.move_id ORDER BY line.sequence, line.id
                   ) AS billed_cumulative
              FROM account_move_line line
              JOIN account_move move ON move.id = line.move_id
              JOIN property_billing_charge charge ON charge.id = line.property_charge_id
              JOIN property_unit unit ON unit.id = charge.unit_id
             WHERE move.state = 'posted'
               AND move.move_type = 'out_invoice'
               AND move.invoice_date <= %(as_of)s
        ),
        refund_line AS (
            SELECT line.id
              FROM account_move_line line
              JOIN account_move move ON move.id = line.move_id
             WHERE move.move_type = 'out_refund'
               AND line.display_type = 'payment_term'
        ),
        settlement AS (
            -- Read from the reconciliations rather than from the bills'
            -- receivable lines, and credit notes from their few lines rather
            -- than from each payment's move: the join with charge_line below
            -- keeps the bills' own, and per-row lookups cost more.
            SELECT receivable.move_id,
                   part.max_date,
                   part.amount,
                   part.credit_move_id IN (SELECT id FROM refund_line) AS is_credit
              FROM account_partial_reconcile part
              JOIN account_move_line receivable ON receivable.id = part.debit_move_id
             WHERE receivable.display_type = 'payment_term'
               AND part.max_date <= %(as_of)s
        ),
        line_settlement AS (
            SELECT charge_line.id,
                   COALESCE(SUM(settlement.amount)
                       FILTER (WHERE settlement.is_credit), 0) AS credited,
                   COALESCE(SUM(settlement.amount)
                       FILTER (WHERE NOT settlement.is_credit), 0) AS paid,
                   COALESCE(SUM(settlement.amount)
                       FILTER (WHERE NOT settlement.is_credit
                               AND settlement.max_date <= charge_line.period_end),
                       0) AS paid_in_period
              FROM charge_line
              JOIN settlement ON settlement.move_id = charge_line.move_id
             GROUP BY charge_line.id
        ),
        allocated AS (
            SELECT charge_line.*,
                   -- Each amount x settled on the bill covers this line for
                   -- LEAST(billed, GREATEST(0, x - billed before this line)).
                   charge_line.billed_cumulative - charge_line.billed AS billed_before,
                   COALESCE(line_settlement.credited, 0) AS bill_credited,
                   COALESCE(line_settlement.paid, 0) AS bill_paid,
                   COALESCE(line_settlement.paid_in_period, 0) AS bill_paid_in_period
              FROM charge_line
              LEFT JOIN line_settlement ON line_settlement.id = charge_line.id
        ),
        covered AS (
            SELECT allocated.*,
                   LEAST(billed, GREATEST(0, bill_credited - billed_before))
                       AS credited,
                   LEAST(billed, GREATEST(0,
                       bill_credited + bill_paid_in_period - billed_before))
                       AS settled_in_period,
                   LEAST(billed, GREATEST(0,
                       bill_credited + bill_paid - billed_before))
                       AS settled_total
              FROM allocated
        )
        SELECT id,
               move_id,
               charge_id,
               company_id,
               community_id,
               building_id,
               unit_id,
               fee_item_id,
               partner_id,
               period_start,
               period_end,
               invoice_date,
               date_due,
               billed,
               credited,
               settled_in_period - credited AS collected_in_period,
               settled_total - credited AS collected_total,
               billed - settled_total AS open_amount
          FROM covered
        """,
        as_of=as_of,
    )
