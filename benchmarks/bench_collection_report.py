#!/usr/bin/env python3
"""Benchmark the collection-rate and arrears reports over N units and M months.

Run it with the Python of the Odoo installation, from the repository root,
with the ``odoo`` command on PATH:

    nice -n 10 python3 benchmarks/bench_collection_report.py --units 10000 --months 24

The script:

1. creates a database and installs ``property_billing`` with ``odoo -i``;
2. in a child process, creates N units with one owner each through the ORM,
   bills unit 1 for January 2024 (200.00, due the 16th) through a billing
   run, pays it on the 10th, then copies that bill, its charge, its payment
   and their partial reconciliation in SQL for every unit and month. Units
   whose id ends in 0 never pay, those ending in 1 pay 45 days after the
   period starts (after the period), the others pay on the 10th;
3. in another child process, reads the reports as the pivot view does
   (``_read_group``) and as the list view does (``search`` of 80 rows), twice
   each, and prints the time and the number of SQL queries of each read;
4. checks that the reports' totals equal the figures the generated data
   must give.

It exits with status 1 when a check fails. The database is dropped at the
end unless ``--keep-db`` is given.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPANY_NAME = "Collection Benchmark Co."
AMOUNT = 200.0
FIRST_MONTH = date(2024, 1, 1)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--db", default=None)
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--db-port", default="5432")
    parser.add_argument("--db-user", default="root")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--reuse-db", action="store_true")
    parser.add_argument("--phase", choices=("setup", "measure"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.db = args.db or f"collh_bench_{args.units}_{os.getpid()}"
    return args


def odoo_addons_dir():
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
    result = {"ok": False}
    try:
        if not args.reuse_db:
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
    product = env["product.product"].create(
        {
            "name": "Service Fee",
            "type": "service",
            "taxes_id": [(5, 0, 0)],
            "property_account_income_id": revenue.id,
        }
    )
    service = env["property.fee.item"].create(
        {
            "name": "Service Fee",
            "code": "SERV",
            "calculation": "fixed",
            "rate": AMOUNT,
            "product_id": product.id,
        }
    )
    community = env["property.community"].create(
        {"name": "Benchmark Garden", "code": "BG", "due_days": 15}
    )
    buildings = env["property.building"].create(
        [
            {"name": f"Building {b}", "code": str(b), "community_id": community.id}
            for b in range(1, 11)
        ]
    )
    owners = env["res.partner"].create(
        [{"name": f"Owner {i}"} for i in range(1, args.units + 1)]
    )
    units = env["property.unit"].create(
        [
            {
                "building_id": buildings[i % 10].id,
                "number": f"{i + 1:05d}",
                "area": 90.0,
                "owner_id": owners[i].id,
            }
            for i in range(args.units)
        ]
    )
    template_unit = units[0]
    env["property.unit.fee"].create(
        {
            "unit_id": template_unit.id,
            "fee_item_id": service.id,
            "date_start": FIRST_MONTH,
        }
    )
    run_record = env["property.billing.run"].create(
        {"community_id": community.id, "period_start": FIRST_MONTH}
    )
    run_record.action_generate()
    template = run_record.invoice_ids
    if len(template) != 1 or template.currency_id.compare_amounts(
        template.amount_total, AMOUNT
    ):
        raise SystemExit(f"expected one bill of {AMOUNT}, got {template.amount_total}")
    env["account.payment.register"].with_context(
        active_model="account.move", active_ids=template.ids
    ).create({"amount": AMOUNT, "payment_date": date(2024, 1, 10)})._create_payments()
    env.flush_all()
    clone_months(env, template, units, args.months)
    env.invalidate_all()
    env.cr.execute("ANALYZE")
    return {
        "units": len(units),
        "bills": env["account.move"].search_count(
            [("property_community_id", "=", community.id)]
        ),
        "partials": env["account.partial.reconcile"].search_count([]),
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


def _copy(cr, table, source_alias, overrides, from_sql, params):
    """INSERT a copy of each source row, replacing the columns of ``overrides``."""
    columns = _columns(cr, table, {"id", *overrides})
    target = ", ".join([*columns, *overrides])
    source = ", ".join(
        [*(f"{source_alias}.{column}" for column in columns), *overrides.values()]
    )
    cr.execute(
        f"INSERT INTO {table} ({target}) SELECT {source} {from_sql}",  # noqa: S608
        params,
    )


def clone_months(env, template, units, months):
    """Copy the template bill, charge, payment and partial for every unit and month.

    Ids come from the tables' sequences up front, in a work table, so that
    every copy can name the rows it points to.
    """
    cr = env.cr
    charge = template.property_charge_ids
    product_line = template.invoice_line_ids
    term_line = template.line_ids.filtered(lambda l: l.display_type == "payment_term")
    partial = env["account.partial.reconcile"].search(
        [("debit_move_id", "=", term_line.id)]
    )
    payment_move = partial.credit_move_id.move_id
    payment_term_line = partial.credit_move_id
    payment_other_line = payment_move.line_ids - payment_term_line
    if len(payment_other_line) != 1 or len(product_line) != 1:
        raise SystemExit("unexpected template bill or payment lines")
    cr.execute(
        """
        CREATE TEMP TABLE bench_map AS
        SELECT unit.id AS unit_id,
               unit.owner_id AS partner_id,
               month.start::date AS period_start,
               (month.start + interval '1 month' - interval '1 day')::date AS period_end,
               (month.start + interval '15 days')::date AS date_due,
               CASE mod(unit.id, 10)
                    WHEN 0 THEN NULL
                    WHEN 1 THEN (month.start + interval '45 days')::date
                    ELSE (month.start + interval '9 days')::date
               END AS pay_date
          FROM property_unit unit
         CROSS JOIN generate_series(%s::date, %s::date + (%s - 1) * interval '1 month',
                                    interval '1 month') AS month(start)
         WHERE unit.id = ANY(%s)
           AND NOT (unit.id = %s AND month.start = %s::date)
        """,
        [FIRST_MONTH, FIRST_MONTH, months, units.ids, units[0].id, FIRST_MONTH],
    )
    cr.execute(
        """
        ALTER TABLE bench_map
          ADD move_id int, ADD charge_id int, ADD product_line_id int,
          ADD term_line_id int, ADD pay_move_id int, ADD pay_term_line_id int,
          ADD pay_other_line_id int;
        UPDATE bench_map
           SET move_id = nextval('account_move_id_seq'),
               charge_id = nextval('property_billing_charge_id_seq'),
               product_line_id = nextval('account_move_line_id_seq'),
               term_line_id = nextval('account_move_line_id_seq');
        UPDATE bench_map
           SET pay_move_id = nextval('account_move_id_seq'),
               pay_term_line_id = nextval('account_move_line_id_seq'),
               pay_other_line_id = nextval('account_move_line_id_seq')
         WHERE pay_date IS NOT NULL;
        """
    )
    # Bills, then charges, then bill lines, then payments and partials.
    _copy(
        cr,
        "account_move",
        "m",
        {
            "id": "b.move_id",
            "name": "'BENCH/' || b.move_id",
            "partner_id": "b.partner_id",
            "commercial_partner_id": "b.partner_id",
            "invoice_date": "b.period_start",
            "date": "b.period_start",
            "invoice_date_due": "b.date_due",
            "access_token": "NULL",
        },
        "FROM account_move m, bench_map b WHERE m.id = %s",
        [template.id],
    )
    _copy(
        cr,
        "property_billing_charge",
        "c",
        {
            "id": "b.charge_id",
            "unit_id": "b.unit_id",
            "partner_id": "b.partner_id",
            "cycle_start": "b.period_start",
            "period_start": "b.period_start",
            "period_end": "b.period_end",
            "move_id": "b.move_id",
            # Set once the bill lines exist.
            "move_line_id": "NULL",
        },
        "FROM property_billing_charge c, bench_map b WHERE c.id = %s",
        [charge.id],
    )
    for line, id_column, extra in [
        (product_line, "product_line_id", {"property_charge_id": "b.charge_id"}),
        (term_line, "term_line_id", {"date_maturity": "b.date_due"}),
    ]:
        _copy(
            cr,
            "account_move_line",
            "l",
            {
                "id": f"b.{id_column}",
                "move_id": "b.move_id",
                "move_name": "'BENCH/' || b.move_id",
                "partner_id": "b.partner_id",
                "date": "b.period_start",
                "invoice_date": "b.period_start",
                **extra,
            },
            "FROM account_move_line l, bench_map b WHERE l.id = %s",
            [line.id],
        )
    cr.execute(
        """
        UPDATE property_billing_charge charge
           SET move_line_id = b.product_line_id
          FROM bench_map b
         WHERE charge.id = b.charge_id
        """
    )
    _copy(
        cr,
        "account_move",
        "m",
        {
            "id": "b.pay_move_id",
            "name": "'BPAY/' || b.pay_move_id",
            "partner_id": "b.partner_id",
            "commercial_partner_id": "b.partner_id",
            "date": "b.pay_date",
            "access_token": "NULL",
        },
        "FROM account_move m, bench_map b WHERE m.id = %s AND b.pay_date IS NOT NULL",
        [payment_move.id],
    )
    for line, id_column in [
        (payment_term_line, "pay_term_line_id"),
        (payment_other_line, "pay_other_line_id"),
    ]:
        _copy(
            cr,
            "account_move_line",
            "l",
            {
                "id": f"b.{id_column}",
                "move_id": "b.pay_move_id",
                "move_name": "'BPAY/' || b.pay_move_id",
                "partner_id": "b.partner_id",
                "date": "b.pay_date",
            },
            "FROM account_move_line l, bench_map b "
            "WHERE l.id = %s AND b.pay_date IS NOT NULL",
            [line.id],
        )
    _copy(
        cr,
        "account_partial_reconcile",
        "p",
        {
            "debit_move_id": "b.term_line_id",
            "credit_move_id": "b.pay_term_line_id",
            "max_date": "b.pay_date",
            "full_reconcile_id": "NULL",
        },
        "FROM account_partial_reconcile p, bench_map b "
        "WHERE p.id = %s AND b.pay_date IS NOT NULL",
        [partial.id],
    )


def measure(env, args):
    company = env["res.company"].search([("name", "=", COMPANY_NAME)], limit=1)
    as_of = FIRST_MONTH.replace(year=FIRST_MONTH.year + 3)
    env = env(
        context={"allowed_company_ids": [company.id], "property_report_date": as_of}
    )
    Collection = env["property.collection.report"]
    Arrears = env["property.arrears.report"]
    measures = [
        "billed:sum",
        "collected_in_period:sum",
        "collected_later:sum",
        "open_amount:sum",
        "rate_in_period:avg",
        "rate_total:avg",
    ]
    reads = {
        "pivot community x month": lambda: Collection._read_group(
            [], ["community_id", "period_start:month"], measures
        ),
        "pivot building x fee item": lambda: Collection._read_group(
            [], ["building_id", "fee_item_id"], measures
        ),
        "pivot one month by building": lambda: Collection._read_group(
            [("period_start", "=", FIRST_MONTH)], ["building_id"], measures
        ),
        "list one building and month, 80 rows": lambda: Collection.search(
            [
                ("period_start", "=", FIRST_MONTH),
                ("building_id.code", "=", "1"),
            ],
            limit=80,
        ).mapped("billed"),
        "arrears pivot by owner": lambda: Arrears._read_group(
            [], ["partner_id"], ["open_amount:sum", "amount_over_365:sum"]
        ),
        "arrears total by ageing bucket": lambda: Arrears._read_group(
            [],
            [],
            [
                "open_amount:sum",
                "amount_0_30:sum",
                "amount_31_90:sum",
                "amount_91_180:sum",
                "amount_181_365:sum",
                "amount_over_365:sum",
            ],
        ),
    }
    timings = {}
    for name, read in reads.items():
        runs = []
        for _attempt in range(2):
            env.invalidate_all()
            queries_before = env.cr.sql_log_count
            started = time.perf_counter()
            read()
            runs.append(
                {
                    "seconds": round(time.perf_counter() - started, 2),
                    "queries": env.cr.sql_log_count - queries_before,
                }
            )
        timings[name] = runs
    [(billed, in_period, later, unpaid, rate_in, rate)] = Collection._read_group(
        [], [], measures
    )
    bills = args.units * args.months
    unit_ids = _unit_ids(env)
    never = sum(1 for unit_id in unit_ids if unit_id % 10 == 0) * args.months
    late = sum(1 for unit_id in unit_ids if unit_id % 10 == 1) * args.months
    # The template bill, January of the first unit, was paid on 10 January
    # whatever its unit's id.
    if min(unit_ids) % 10 == 0:
        never -= 1
    elif min(unit_ids) % 10 == 1:
        late -= 1
    expected = {
        "billed": bills * AMOUNT,
        "collected_in_period": (bills - never - late) * AMOUNT,
        "collected_later": late * AMOUNT,
        "open_amount": never * AMOUNT,
    }
    got = {
        "billed": billed,
        "collected_in_period": in_period,
        "collected_later": later,
        "open_amount": unpaid,
    }
    [(arrears_total,)] = Arrears._read_group([], [], ["open_amount:sum"])
    ok = all(
        company.currency_id.compare_amounts(got[key], expected[key]) == 0
        for key in expected
    ) and company.currency_id.compare_amounts(arrears_total, expected["open_amount"]) == 0
    return {
        "ok": ok,
        "units": args.units,
        "months": args.months,
        "bill_lines": bills,
        "as_of": str(as_of),
        "rate_in_period": round(rate_in, 2),
        "rate_total": round(rate, 2),
        "totals": got,
        "expected": expected,
        "arrears_total": arrears_total,
        "reads": timings,
    }


def _unit_ids(env):
    env.cr.execute(
        "SELECT id FROM property_unit WHERE community_id IN "
        "(SELECT id FROM property_community WHERE code = 'BG')"
    )
    return [row[0] for row in env.cr.fetchall()]


if __name__ == "__main__":
    sys.exit(main())
