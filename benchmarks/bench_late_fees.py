#!/usr/bin/env python3
"""Benchmark the daily late-fee job over N overdue bills.

Run it with the Python of the Odoo installation, from the repository root,
with the ``odoo`` command on PATH:

    python3 benchmarks/bench_late_fees.py --bills 100000

The script:

1. creates a database and installs ``property_billing`` with ``odoo -i``;
2. in a child process, bills one unit for January 2026 (1,000.00, due
   31 January) through a billing run, then copies that posted invoice and its
   lines in SQL until there are N bills. Every second bill also gets a copy of
   a 400.00 payment dated 5 February;
3. in another child process, so that the peak RSS is the job's own, calls
   ``property.late.fee._cron_accrue_late_fees()`` until it reports no bill
   left, as Odoo's cron runner does through ``_trigger()``, then calls it again
   the same day. Each call commits its batch;
4. runs the job again with the clock one day later (freezegun), when every
   bill's record is updated: the daily cost once late fees exist;
5. checks that every bill has the fee the pure function gives for today in the
   community's time zone, and that the same-day pass processed no bill.

It exits with status 1 when a check fails. The database is dropped at the end
unless ``--keep-db`` is given.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from freezegun import freeze_time

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPANY_NAME = "Late Fee Benchmark Co."


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bills", type=int, default=100000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--db", default=None)
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--db-port", default="5432")
    parser.add_argument("--db-user", default="root")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--phase", choices=("setup", "measure"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.db = args.db or f"latefeeh_bench_{args.bills}_{os.getpid()}"
    return args


def odoo_addons_dir():
    """Return the addons folder of the installed Odoo, such as odoo/addons."""
    import odoo  # noqa: PLC0415

    return Path(odoo.__file__).resolve().parent / "addons"


def odoo_args(args):
    return [
        "--db_host",
        args.db_host,
        "--db_port",
        args.db_port,
        "--db_user",
        args.db_user,
        "--addons-path",
        f"{odoo_addons_dir()},{REPO_ROOT}",
    ]


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode:
        sys.stderr.write(proc.stderr[-6000:])
        raise SystemExit(f"command failed with status {proc.returncode}: {cmd[:3]}")
    return proc.stdout


def child(args, phase):
    cmd = [sys.executable, __file__, *sys.argv[1:], "--db", args.db, "--phase", phase]
    return json.loads(run(cmd).strip().splitlines()[-1])


def main(argv=None):
    args = parse_args(argv)
    if args.phase:
        return run_phase(args)
    odoo_bin = shutil.which("odoo")
    if not odoo_bin:
        raise SystemExit("the odoo command is not on PATH")
    print(f"installing property_billing into {args.db} ...", flush=True)
    run(
        [
            sys.executable,
            odoo_bin,
            *odoo_args(args),
            "-d",
            args.db,
            "-i",
            "property_billing",
            "--without-demo=all",
            "--stop-after-init",
            "--no-http",
            "--log-level=warn",
        ]
    )
    try:
        setup = child(args, "setup")
        print(f"setup: {json.dumps(setup)}", flush=True)
        result = child(args, "measure")
        print(json.dumps(result, indent=2))
    finally:
        if not args.keep_db:
            subprocess.run(
                [
                    "dropdb",
                    "-h",
                    args.db_host,
                    "-p",
                    args.db_port,
                    "-U",
                    args.db_user,
                    "--if-exists",
                    args.db,
                ],
                check=False,
            )
    return 0 if result["ok"] else 1


# ----------------------------------------------------------------------------
# Child processes
# ----------------------------------------------------------------------------


def run_phase(args):
    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config([*odoo_args(args), "--log-level=warn"])
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if args.phase == "setup":
            result = setup_data(env, args)
        else:
            result = measure(env, args)
        cr.commit()
    print(json.dumps(result))
    return 0


def setup_data(env, args):
    started = time.monotonic()
    env = env(context=dict(env.context, tracking_disable=True))
    cny = env.ref("base.CNY")
    cny.active = True
    company = env["res.company"].create({"name": COMPANY_NAME, "currency_id": cny.id})
    env.user.company_ids = [(4, company.id)]
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    company = company.with_env(env)
    env["account.chart.template"].try_loading("generic_coa", company, False)
    company.currency_id = cny
    revenue = env["account.account"].search(
        [
            ("account_type", "=", "income"),
            *env["account.account"]._check_company_domain(company),
        ],
        limit=1,
    )

    def fee_item(name, code, rate):
        product = env["product.product"].create(
            {
                "name": name,
                "type": "service",
                "taxes_id": [(5, 0, 0)],
                "property_account_income_id": revenue.id,
            }
        )
        return env["property.fee.item"].create(
            {
                "name": name,
                "code": code,
                "calculation": "fixed",
                "rate": rate,
                "product_id": product.id,
            }
        )

    service = fee_item("Service Fee", "SERV", 1000.0)
    late = fee_item("Late Fee", "LATE", 0.0)
    community = env["property.community"].create(
        {"name": "Benchmark Garden", "code": "BG", "tz": "Asia/Shanghai"}
    )
    building = env["property.building"].create(
        {"name": "Building 1", "code": "1", "community_id": community.id}
    )
    owner = env["res.partner"].create({"name": "Benchmark Owner"})
    unit = env["property.unit"].create(
        {
            "building_id": building.id,
            "number": "101",
            "area": 90.0,
            "owner_id": owner.id,
        }
    )
    env["property.unit.fee"].create(
        {"unit_id": unit.id, "fee_item_id": service.id, "date_start": date(2026, 1, 1)}
    )
    env["property.late.fee.policy"].create(
        {
            "community_id": community.id,
            "daily_rate": 0.05,
            "fee_item_ids": [(6, 0, service.ids)],
            "late_fee_item_id": late.id,
        }
    )
    run = env["property.billing.run"].create(
        {
            "community_id": community.id,
            "period_start": date(2026, 1, 1),
            "period_end": date(2026, 1, 31),
            "invoice_date": date(2026, 1, 1),
            "due_date": date(2026, 1, 31),
        }
    )
    run.action_generate()
    template = run.invoice_ids
    if len(template) != 1 or template.currency_id.compare_amounts(
        template.amount_total, 1000.0
    ):
        raise SystemExit(
            f"expected one bill of 1,000.00, got {template.mapped('amount_total')}"
        )
    env.flush_all()
    clone_bills(env, template, args.bills - 1)
    env.invalidate_all()
    # The template and every second copy (BENCH/2, BENCH/4, ...) get 400.00
    # paid on 5 February: 1 + (N - 1) // 2 bills are partly paid.
    payment_register = env["account.payment.register"].with_context(
        active_model="account.move", active_ids=template.ids
    )
    payment_register.create(
        {"amount": 400.0, "payment_date": date(2026, 2, 5)}
    )._create_payments()
    env.flush_all()
    partial = env["account.partial.reconcile"].search(
        [("debit_move_id.move_id", "=", template.id)]
    )
    clone_partial(env, partial, template)
    env.invalidate_all()
    return {
        "bills": env["account.move"].search_count(
            [("property_community_id", "=", community.id)]
        ),
        "paid_400": env["account.partial.reconcile"].search_count([]),
        "seconds": round(time.monotonic() - started, 1),
    }


def _columns(cr, table, skip):
    cr.execute(
        """
        SELECT column_name FROM information_schema.columns
         WHERE table_name = %s AND column_name <> ALL(%s)
         ORDER BY ordinal_position
        """,
        [table, list(skip)],
    )
    return [row[0] for row in cr.fetchall()]


def clone_bills(env, template, count):
    """Copy the posted ``template`` invoice ``count`` times, lines included."""
    cr = env.cr
    move_cols = _columns(cr, "account_move", {"id", "name", "access_token"})
    col_list = ", ".join(move_cols)
    src_list = ", ".join(f"m.{c}" for c in move_cols)
    cr.execute(
        f"""
        INSERT INTO account_move ({col_list}, name)
        SELECT {src_list}, 'BENCH/' || g
          FROM account_move m, generate_series(1, %s) g
         WHERE m.id = %s
        """,  # noqa: S608  (column names from the catalog)
        [count, template.id],
    )
    line_cols = _columns(cr, "account_move_line", {"id", "move_id", "move_name"})
    col_list = ", ".join(line_cols)
    src_list = ", ".join(f"l.{c}" for c in line_cols)
    cr.execute(
        f"""
        INSERT INTO account_move_line ({col_list}, move_id, move_name)
        SELECT {src_list}, m.id, m.name
          FROM account_move_line l
          JOIN account_move m ON m.name LIKE 'BENCH/%%'
         WHERE l.move_id = %s
        """,  # noqa: S608  (column names from the catalog)
        [template.id],
    )


def clone_partial(env, partial, template):
    """Give every second copied bill the template's payment, as a partial."""
    cr = env.cr
    cols = _columns(cr, "account_partial_reconcile", {"id", "debit_move_id"})
    col_list = ", ".join(cols)
    src_list = ", ".join(f"p.{c}" for c in cols)
    cr.execute(
        f"""
        INSERT INTO account_partial_reconcile ({col_list}, debit_move_id)
        SELECT {src_list}, l.id
          FROM account_partial_reconcile p
          JOIN account_move m ON m.name LIKE 'BENCH/%%'
               AND mod(split_part(m.name, '/', 2)::int, 2) = 0
          JOIN account_move_line l ON l.move_id = m.id
               AND l.display_type = 'payment_term'
         WHERE p.id = %s
        """,  # noqa: S608  (column names from the catalog)
        [partial.id],
    )
    cr.execute(
        """
        UPDATE account_move
           SET payment_state = CASE WHEN mod(split_part(name, '/', 2)::int, 2) = 0
                                    THEN 'partial' ELSE 'not_paid' END
         WHERE name LIKE %s
        """,
        ["BENCH/%"],
    )


def rss_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measure(env, args):
    from odoo.addons.property_billing.tools import late_fees  # noqa: PLC0415

    company = env["res.company"].search([("name", "=", COMPANY_NAME)], limit=1)
    env = env(context={"allowed_company_ids": [company.id]})
    LateFee = env["property.late.fee"]
    policy = env["property.late.fee.policy"].search([])
    today = policy._get_today()
    rss_start = rss_mb()
    calls = []
    started = time.monotonic()
    while True:
        call_started = time.monotonic()
        queries_before = env.cr.sql_log_count
        done = LateFee._cron_accrue_late_fees(batch_size=args.batch_size)
        env.cr.commit()
        calls.append(
            {
                "bills": done,
                "seconds": time.monotonic() - call_started,
                "queries": env.cr.sql_log_count - queries_before,
                "rss_mb": rss_mb(),
            }
        )
        if not done:
            break
    first_pass = time.monotonic() - started
    second_started = time.monotonic()
    second_done = LateFee._cron_accrue_late_fees(batch_size=args.batch_size)
    second_pass = time.monotonic() - second_started

    # The steady state: the next day, every bill has a record to update.
    next_day_started = time.monotonic()
    next_day_bills = 0
    with freeze_time(datetime.now() + timedelta(days=1)):
        while done := LateFee._cron_accrue_late_fees(batch_size=args.batch_size):
            next_day_bills += done
            env.cr.commit()
    next_day_pass = time.monotonic() - next_day_started

    rate = Decimal("0.0005")
    first_day = date(2026, 2, 1)
    next_day = today + timedelta(days=1)
    unpaid = late_fees.accrued_late_fee(Decimal(1000), [], rate, first_day, next_day)
    paid = late_fees.accrued_late_fee(
        Decimal(1000), [(date(2026, 2, 5), Decimal(400))], rate, first_day, next_day
    )
    env.cr.execute(
        """
        SELECT amount_accrued, COUNT(*) FROM property_late_fee
         WHERE as_of_date = %s GROUP BY amount_accrued ORDER BY 1
        """,
        [next_day],
    )
    groups = {
        str(Decimal(str(amount)).quantize(Decimal("0.01"))): n
        for amount, n in env.cr.fetchall()
    }
    paid_count = 1 + (args.bills - 1) // 2
    expected = {str(paid): paid_count, str(unpaid): args.bills - paid_count}
    busy = [c for c in calls if c["bills"]]
    return {
        "ok": groups == expected and second_done == 0 and next_day_bills == args.bills,
        "today": str(today),
        "bills": args.bills,
        "batch_size": args.batch_size,
        "calls": len(busy),
        "first_pass_seconds": round(first_pass, 1),
        "bills_per_second": round(args.bills / first_pass, 1),
        "queries_per_bill": round(sum(c["queries"] for c in busy) / args.bills, 2),
        "second_pass_seconds": round(second_pass, 2),
        "second_pass_bills": second_done,
        "next_day_seconds": round(next_day_pass, 1),
        "next_day_bills": next_day_bills,
        "rss_mb_after_next_day": rss_mb(),
        "rss_mb_start": rss_start,
        "rss_mb_after_first_call": busy[0]["rss_mb"] if busy else None,
        "rss_mb_after_half": busy[len(busy) // 2]["rss_mb"] if busy else None,
        "rss_mb_end": rss_mb(),
        "fees_by_amount": groups,
        "expected_by_amount": expected,
    }


if __name__ == "__main__":
    sys.exit(main())
