#!/usr/bin/env python3
"""Benchmark the billing run against a naive loop and OCA contract invoicing.

Run it with the Python of the Odoo installation (see benchmarks/README.md).
The script:

1. creates a database and installs ``property_billing`` (and ``contract`` when
   that approach is measured) with ``odoo -i``;
2. fills it, in its own process, with N units of one community, one owner per
   unit and three monthly fees per unit, plus one warm-up unit in a second
   community, and one OCA contract per unit;
3. measures each approach in its own process, so that the peak RSS is the
   approach's own. Each process opens one transaction, bills the warm-up unit,
   clears the ORM cache, bills the N units of one month (create + post),
   checks the invoices, then rolls back, so every approach starts from the same
   committed data and the same sequence numbers. An untimed
   ``VACUUM ANALYZE`` runs before each measured process.

It exits with status 1 when the approaches do not give the same number of
invoices and the same total, or when a check on our invoices fails.
"""

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BENCH_ADDONS = REPO_ROOT / ".local" / "bench_addons"
APPROACHES = ("ours", "naive", "contract")

COMPANY_NAME = "Benchmark Property Co."
MAIN_COMMUNITY_CODE = "BENCH"
WARMUP_COMMUNITY_CODE = "WARMUP"
UNITS_PER_BUILDING = 500
# Fee items: (code, name, calculation, monthly rate, sequence).
FEE_ITEMS = [
    ("MGMT", "Management Fee", "area", 2.80, 10),
    ("GARB", "Garbage Fee", "fixed", 10.00, 20),
    ("PARK", "Parking Management Fee", "fixed", 150.00, 30),
]
TAX_RATE = 6.0


def unit_area(index):
    """Return a varied area with two decimals, between 50.00 and 199.99 m²."""
    return round(50 + (index * 3719 % 15000) / 100, 2)


# ----------------------------------------------------------------------------
# Command line and driver
# ----------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=2000, help="units to bill (N)")
    parser.add_argument(
        "--db", help="database name; default benchh_<N>_<pid>, created and dropped"
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="do not drop the database at the end"
    )
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="use --db as it is: it must have been filled by this script with "
        "the same --units and --tax (see --keep-db)",
    )
    parser.add_argument(
        "--approaches",
        default=",".join(APPROACHES),
        help="comma-separated list among ours, naive, contract (default: all)",
    )
    parser.add_argument(
        "--month", default="2026-01", help="month billed, YYYY-MM (default 2026-01)"
    )
    parser.add_argument(
        "--chunk-size",
        type=int,
        help="billing partners per chunk of our run; default: the addon's setting",
    )
    parser.add_argument(
        "--tax",
        action="store_true",
        help=f"put a {TAX_RATE:g}%% sales tax on the garbage fee product",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="profile the measured part of our run with pyinstrument into FILE "
        "(.html or .txt)",
    )
    parser.add_argument(
        "--history-months",
        type=int,
        default=0,
        metavar="K",
        help="when filling the database, bill and commit the K months before "
        "--month with our run, so that every approach is measured on a ledger "
        "that already holds invoices, as a company's does after its first "
        "month (default 0: an empty ledger)",
    )
    parser.add_argument(
        "--sql-stats",
        metavar="FILE",
        help="write the SQL time of each approach's measured part, summed by "
        "statement shape, into FILE (one file per approach: FILE.<approach>)",
    )
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--db-port", default="5432")
    parser.add_argument("--db-user", default="root")
    parser.add_argument(
        "--odoo-addons",
        default=None,
        help="Odoo's addons folder; default: the one of the imported odoo package",
    )
    parser.add_argument(
        "--bench-addons",
        default=str(DEFAULT_BENCH_ADDONS),
        help="folder holding the contract addon (benchmark only, not committed)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results here")
    # Internal: the phases run in child processes.
    parser.add_argument("--phase", choices=["setup", "run"], help=argparse.SUPPRESS)
    parser.add_argument("--approach", choices=APPROACHES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.approach_list = [a.strip() for a in args.approaches.split(",") if a.strip()]
    unknown = set(args.approach_list) - set(APPROACHES)
    if unknown:
        parser.error(f"unknown approaches: {', '.join(sorted(unknown))}")
    if args.units < 1:
        parser.error("--units must be 1 or more")
    if args.reuse_db and not args.db:
        parser.error("--reuse-db needs --db")
    args.db = args.db or f"benchh_{args.units}_{os.getpid()}"
    year, month = (int(part) for part in args.month.split("-"))
    args.period_start = date(year, month, 1)
    return args


def odoo_addons_path(args):
    if args.odoo_addons:
        core = args.odoo_addons
    else:
        import odoo  # noqa: PLC0415  (only needed for its path)

        core = str(Path(odoo.__file__).resolve().parent / "addons")
    paths = [core, str(REPO_ROOT)]
    if "contract" in args.approach_list:
        paths.append(args.bench_addons)
    return ",".join(paths)


def odoo_db_args(args):
    return [
        "--db_host",
        args.db_host,
        "--db_port",
        args.db_port,
        "--db_user",
        args.db_user,
    ]


def psql(args, sql, dbname="postgres"):
    import psycopg2  # noqa: PLC0415

    conn = psycopg2.connect(
        host=args.db_host, port=args.db_port, user=args.db_user, dbname=dbname
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(sql)
    finally:
        conn.close()


def child_command(args, phase, approach=None):
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--phase",
        phase,
        "--db",
        args.db,
        "--units",
        str(args.units),
        "--approaches",
        ",".join(args.approach_list),
        "--month",
        args.month,
        "--db-host",
        args.db_host,
        "--db-port",
        args.db_port,
        "--db-user",
        args.db_user,
        "--bench-addons",
        args.bench_addons,
    ]
    if args.odoo_addons:
        cmd += ["--odoo-addons", args.odoo_addons]
    if args.tax:
        cmd.append("--tax")
    if args.history_months:
        cmd += ["--history-months", str(args.history_months)]
    if approach:
        cmd += ["--approach", approach]
    if args.chunk_size:
        cmd += ["--chunk-size", str(args.chunk_size)]
    if args.profile and approach == "ours":
        cmd += ["--profile", args.profile]
    if args.sql_stats and approach:
        cmd += ["--sql-stats", f"{args.sql_stats}.{approach}"]
    return cmd


def run_child(args, phase, approach=None):
    """Run one phase in a child process and return the JSON on its last line."""
    proc = subprocess.run(
        child_command(args, phase, approach),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        sys.stderr.write(proc.stderr[-6000:])
        raise SystemExit(f"phase {phase} {approach or ''} failed: {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def install(args):
    modules = ["property_billing"]
    if "contract" in args.approach_list:
        if not (Path(args.bench_addons) / "contract" / "__manifest__.py").exists():
            raise SystemExit(
                f"contract addon not found in {args.bench_addons}: download the "
                "odoo-addon-contract 18.0 wheel and unzip its odoo/addons/contract "
                "there (see benchmarks/README.md), or leave out the contract approach"
            )
        modules.append("contract")
    odoo_bin = shutil.which("odoo")
    if not odoo_bin:
        raise SystemExit("the odoo command is not on PATH")
    cmd = [
        sys.executable,
        odoo_bin,
        *odoo_db_args(args),
        "-d",
        args.db,
        "--addons-path",
        odoo_addons_path(args),
        "-i",
        ",".join(modules),
        "--without-demo=all",
        "--stop-after-init",
        "--no-http",
        "--log-level=warn",
    ]
    print(f"installing {', '.join(modules)} into {args.db} ...", flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode:
        sys.stderr.write(proc.stderr[-6000:])
        raise SystemExit(f"odoo -i failed with status {proc.returncode}")


def main(argv=None):
    args = parse_args(argv)
    if args.phase:
        return run_phase(args)
    results = {}
    failed = False
    try:
        if not args.reuse_db:
            install(args)
            started = time.monotonic()
            print(f"creating {args.units} units ...", flush=True)
            setup = run_child(args, "setup")
            print(f"data ready in {time.monotonic() - started:.0f} s: {setup}")
        for approach in args.approach_list:
            # Untimed: fresh tables otherwise have no statistics and the
            # planner picks plans that take seconds per query.
            psql(args, "VACUUM ANALYZE", dbname=args.db)
            print(f"measuring {approach} ...", flush=True)
            results[approach] = run_child(args, "run", approach)
            print(json.dumps(results[approach]), flush=True)
    finally:
        if not args.keep_db and not args.reuse_db:
            psql(args, f'DROP DATABASE IF EXISTS "{args.db}"')
    failed = report(args, results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 1 if failed else 0


def report(args, results):
    """Print the table and the ratios; return True when a check failed."""
    print()
    print(
        f"N={args.units} units, 3 lines per invoice, month {args.month}"
        f"{', with a tax' if args.tax else ''}"
    )
    header = (
        f"{'approach':<9} {'invoices':>8} {'seconds':>8} {'inv/s':>7} {'CPU s':>7} "
        f"{'queries/inv':>11} {'messages/inv':>12} {'peak RSS MB':>11} "
        f"{'RSS growth MB':>13}"
    )
    print(header)
    print("-" * len(header))
    for approach, res in results.items():
        print(
            f"{approach:<9} {res['invoices']:>8} {res['seconds']:>8.2f} "
            f"{res['invoices_per_second']:>7.1f} {res['cpu_seconds']:>7.2f} "
            f"{res['queries_per_invoice']:>11.1f} "
            f"{res['messages_per_invoice']:>12.2f} {res['peak_rss_mb']:>11.0f} "
            f"{res['rss_growth_mb']:>13.0f}"
        )
    ours = results.get("ours")
    for other in ("naive", "contract"):
        if ours and results.get(other, {}).get("invoices_per_second"):
            ratio = ours["invoices_per_second"] / results[other]["invoices_per_second"]
            print(f"ours/{other}: {ratio:.2f}x invoices per second")
    failed = False
    counts = {a: r["invoices"] for a, r in results.items()}
    totals = {a: r["amount_total"] for a, r in results.items()}
    if len(set(counts.values())) > 1 or any(c != args.units for c in counts.values()):
        print(f"FAILED: invoice counts differ or are not {args.units}: {counts}")
        failed = True
    if len({round(total, 2) for total in totals.values()}) > 1:
        print(f"FAILED: totals differ: {totals}")
        failed = True
    for approach, res in results.items():
        for problem in res.get("problems", []):
            print(f"FAILED: {approach}: {problem}")
            failed = True
    if not failed:
        print(f"checks passed: {counts} invoices, total {totals}")
    return failed


# ----------------------------------------------------------------------------
# Child processes
# ----------------------------------------------------------------------------


def run_phase(args):
    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(
        [
            *odoo_db_args(args),
            "--addons-path",
            odoo_addons_path(args),
            "--log-level=warn",
        ]
    )
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        company = env["res.company"].search([("name", "=", COMPANY_NAME)], limit=1)
        if args.phase == "setup":
            result = setup_data(env, admin, args)
            cr.commit()
        else:
            env = odoo.api.Environment(
                cr,
                admin.id,
                {"allowed_company_ids": [company.id], "tz": "Asia/Shanghai"},
            )
            result = measure(env, company, args)
            cr.rollback()
    print(json.dumps(result))
    return 0


def setup_data(env, admin, args):
    """Create the company, fee items, units, fees and contracts; commit."""
    env = env(context=dict(env.context, tracking_disable=True))
    cny = env.ref("base.CNY")
    cny.active = True
    # No country: a company in China would install and load the Chinese chart
    # of accounts when the transaction commits, replacing the generic one.
    company = env["res.company"].create({"name": COMPANY_NAME, "currency_id": cny.id})
    admin.company_ids = [(4, company.id)]
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    company = company.with_env(env)
    env["account.chart.template"].try_loading("generic_coa", company, False)
    # The generic chart sets USD; the company has no entry yet, so it can change.
    company.currency_id = cny
    if company.currency_id != cny:
        raise SystemExit(f"company currency is {company.currency_id.name}, not CNY")
    taxes = env["account.tax"]
    if args.tax:
        taxes = env["account.tax"].create(
            {
                "name": f"VAT {TAX_RATE:g}%",
                "amount": TAX_RATE,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
                "company_id": company.id,
            }
        )
    items = env["property.fee.item"]
    for code, name, calculation, rate, sequence in FEE_ITEMS:
        product = env["product.product"].create(
            {
                "name": name,
                "type": "service",
                "list_price": rate,
            }
        )
        # Odoo adds the default sales tax of every company on create.
        product.taxes_id = [(6, 0, taxes.ids if code == "GARB" else [])]
        if product.taxes_id != (taxes if code == "GARB" else env["account.tax"]):
            raise SystemExit(
                f"product {name} has taxes {product.taxes_id.mapped('name')}"
            )
        items |= env["property.fee.item"].create(
            {
                "name": name,
                "code": code,
                "sequence": sequence,
                "company_id": company.id,
                "product_id": product.id,
                "calculation": calculation,
                "rate": rate,
            }
        )
    communities = {}
    for code, count in ((MAIN_COMMUNITY_CODE, args.units), (WARMUP_COMMUNITY_CODE, 1)):
        community = env["property.community"].create(
            {"name": f"Community {code}", "code": code, "company_id": company.id}
        )
        communities[code] = community
        building_count = -(-count // UNITS_PER_BUILDING)
        buildings = env["property.building"].create(
            [
                {
                    "name": f"Building {b + 1}",
                    "code": str(b + 1),
                    "community_id": community.id,
                }
                for b in range(building_count)
            ]
        )
        owners = env["res.partner"].create(
            [{"name": f"Owner {code} {i + 1:05d}"} for i in range(count)]
        )
        units = env["property.unit"].create(
            [
                {
                    "building_id": buildings[i // UNITS_PER_BUILDING].id,
                    "number": f"{i + 1:05d}",
                    "area": unit_area(i),
                    "owner_id": owners[i].id,
                }
                for i in range(count)
            ]
        )
        env["property.unit.fee"].create(
            [
                {"unit_id": unit.id, "fee_item_id": item.id, "date_start": "2020-01-01"}
                for unit in units
                for item in items
            ]
        )
        if "contract" in args.approach_list:
            create_contracts(env, company, community, units, items, args)
        env.flush_all()
        env.invalidate_all()
        bill_history(env, community, args)
    return {
        "company_id": company.id,
        "units": env["property.unit"].search_count([]),
        "fees": env["property.unit.fee"].search_count([]),
        "taxed_products": len(items.product_id.filtered("taxes_id")),
    }


def bill_history(env, community, args):
    """Bill the --history-months months before the measured one, committed."""
    from odoo.addons.property_billing.tools import periods  # noqa: PLC0415

    if not args.history_months:
        return
    env["ir.config_parameter"].sudo().set_param(
        "property_billing.background_threshold", args.units + 10
    )
    # As the measured runs: the admin user, the benchmark company, China's time.
    env = env(
        user=env.ref("base.user_admin"),
        context={
            "allowed_company_ids": [community.company_id.id],
            "tz": "Asia/Shanghai",
        },
    )
    community = community.with_env(env)
    for back in range(args.history_months, 0, -1):
        year, month = args.period_start.year, args.period_start.month - back
        while month < 1:
            year, month = year - 1, month + 12
        start = date(year, month, 1)
        run = env["property.billing.run"].create(
            {
                "community_id": community.id,
                "period_start": start,
                "period_end": periods.month_end(start),
                "invoice_date": start,
            }
        )
        run.action_generate()
        if run.state != "done" or run.error_count:
            raise SystemExit(f"history run {run.name} ended {run.state}")
        env.cr.commit()
        env.invalidate_all()


def create_contracts(env, company, community, units, items, args):
    journal = community._get_sale_journal()
    analytic = {str(community.analytic_account_id.id): 100}
    uom = env.ref("uom.product_uom_unit")
    for start in range(0, len(units), 500):
        env["contract.contract"].create(
            [
                {
                    "name": f"Contract {unit.code}",
                    "partner_id": unit.owner_id.id,
                    "company_id": company.id,
                    "contract_type": "sale",
                    "journal_id": journal.id,
                    "date_start": args.period_start,
                    "recurring_rule_type": "monthly",
                    "recurring_interval": 1,
                    "recurring_invoicing_type": "pre-paid",
                    "recurring_next_date": args.period_start,
                    "contract_line_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": item.product_id.id,
                                "name": f"{item.name} #START# - #END#",
                                # The form copies these from the contract.
                                "date_start": args.period_start,
                                "recurring_rule_type": "monthly",
                                "recurring_interval": 1,
                                "recurring_invoicing_type": "pre-paid",
                                "recurring_next_date": args.period_start,
                                "quantity": unit.area
                                if item.calculation == "area"
                                else 1.0,
                                "uom_id": uom.id,
                                "price_unit": item.rate,
                                "analytic_distribution": analytic,
                            },
                        )
                        for item in items
                    ],
                }
                for unit in units[start : start + 500]
            ]
        )
        env.flush_all()
        env.invalidate_all()


def current_rss_mb():
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb():
    # ru_maxrss is in KiB on Linux; this process runs only one approach.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class SqlStats:
    """Sum the time of the measured part's SQL statements by their shape.

    The shape is the statement with its literals and parameter lists
    reduced, so that the same statement run for each invoice is one line of
    the report.
    """

    SHAPE_LENGTH = 110

    def __init__(self):
        self.totals = defaultdict(lambda: [0, 0.0])

    def start(self):
        thread = threading.current_thread()
        thread.query_hooks = (*getattr(thread, "query_hooks", ()), self.hook)

    def stop(self):
        thread = threading.current_thread()
        thread.query_hooks = tuple(
            hook for hook in thread.query_hooks if hook != self.hook
        )

    def hook(self, cr, query, params, start, delay):
        text = query.decode() if isinstance(query, bytes) else str(query)
        shape = re.sub(r"\s+", " ", text)
        shape = re.sub(r"'[^']*'|\b\d+\b", "?", shape)
        shape = re.sub(r"\((?:\s*(?:%s|\?)\s*,?)+\)", "(...)", shape)
        total = self.totals[shape[: self.SHAPE_LENGTH]]
        total[0] += 1
        total[1] += delay

    def report(self, seconds, top=20):
        spent = sum(total[1] for total in self.totals.values())
        count = sum(total[0] for total in self.totals.values())
        lines = [
            f"SQL: {spent:.1f} s of {seconds:.1f} s in {count} statements; "
            f"the {top} costliest shapes:"
        ]
        ranked = sorted(self.totals.items(), key=lambda item: -item[1][1])
        for shape, (shape_count, delay) in ranked[:top]:
            lines.append(f"{delay:8.2f} s {shape_count:7d}x  {shape}")
        return "\n".join(lines) + "\n"


def measure(env, company, args):
    cr = env.cr
    main = env["property.community"].search([("code", "=", MAIN_COMMUNITY_CODE)])
    warmup = env["property.community"].search([("code", "=", WARMUP_COMMUNITY_CODE)])
    approach = {
        "ours": ApproachOurs,
        "naive": ApproachNaive,
        "contract": ApproachContract,
    }[args.approach](env, company, args)
    approach.prepare()
    approach.bill(warmup)
    env.flush_all()
    env.invalidate_all()
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM account_move")
    last_move_id = cr.fetchone()[0]
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM mail_message")
    last_message_id = cr.fetchone()[0]
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM mail_tracking_value")
    last_tracking_id = cr.fetchone()[0]
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM mail_followers")
    last_follower_id = cr.fetchone()[0]
    rss_before = current_rss_mb()
    profiler = None
    if args.profile:
        from pyinstrument import Profiler  # noqa: PLC0415

        profiler = Profiler(interval=0.005)
        profiler.start()
    sql_stats = SqlStats() if args.sql_stats else None
    if sql_stats:
        sql_stats.start()
    queries_before = cr.sql_log_count
    started = time.perf_counter()
    cpu_started = time.process_time()
    phases = approach.bill(main)
    env.flush_all()
    seconds = time.perf_counter() - started
    # Python's own CPU time, without PostgreSQL's: steadier than the wall
    # clock on a shared machine.
    cpu_seconds = time.process_time() - cpu_started
    queries = cr.sql_log_count - queries_before
    if sql_stats:
        sql_stats.stop()
        Path(args.sql_stats).write_text(sql_stats.report(seconds))
    if profiler:
        profiler.stop()
        path = Path(args.profile)
        if path.suffix == ".html":
            path.write_text(profiler.output_html())
        else:
            path.write_text(profiler.output_text(unicode=True, show_all=False))
    peak = peak_rss_mb()
    cr.execute(
        "SELECT COUNT(*), COALESCE(SUM(amount_total), 0), "
        "COALESCE(SUM(amount_untaxed), 0), COALESCE(SUM(amount_tax), 0), "
        "COUNT(*) FILTER (WHERE state = 'posted') "
        "FROM account_move WHERE id > %s AND move_type = 'out_invoice'",
        [last_move_id],
    )
    count, total, untaxed, tax, posted = cr.fetchone()
    cr.execute(
        "SELECT COUNT(*) FROM mail_message WHERE id > %s AND model = 'account.move'",
        [last_message_id],
    )
    messages = cr.fetchone()[0]
    cr.execute(
        "SELECT COUNT(*) FROM mail_tracking_value WHERE id > %s", [last_tracking_id]
    )
    tracking_values = cr.fetchone()[0]
    cr.execute(
        "SELECT COUNT(*) FROM mail_followers "
        "WHERE id > %s AND res_model = 'account.move'",
        [last_follower_id],
    )
    followers = cr.fetchone()[0]
    problems = []
    if posted != count:
        problems.append(f"{count - posted} of {count} invoices are not posted")
    if abs(float(total) - float(untaxed) - float(tax)) > 0.005:
        problems.append(f"total {total} is not untaxed {untaxed} + tax {tax}")
    moves = env["account.move"].search(
        [("id", ">", last_move_id), ("move_type", "=", "out_invoice")]
    )
    problems += approach.check(moves)
    result = {
        "approach": args.approach,
        "units": args.units,
        "invoices": count,
        "seconds": round(seconds, 3),
        "invoices_per_second": round(count / seconds, 2) if seconds else 0.0,
        "cpu_seconds": round(cpu_seconds, 3),
        "queries": queries,
        "queries_per_invoice": round(queries / count, 2) if count else 0.0,
        "phases": phases,
        "amount_total": float(total),
        "amount_untaxed": float(untaxed),
        "amount_tax": float(tax),
        "messages_per_invoice": round(messages / count, 3) if count else 0.0,
        "tracking_values_per_invoice": round(tracking_values / count, 3)
        if count
        else 0.0,
        "followers_per_invoice": round(followers / count, 3) if count else 0.0,
        "peak_rss_mb": round(peak, 1),
        "rss_before_mb": round(rss_before, 1),
        "rss_growth_mb": round(max(peak - rss_before, 0.0), 1),
        "problems": problems,
    }
    return result


class Approach:
    def __init__(self, env, company, args):
        self.env = env
        self.company = company
        self.args = args
        self.period_start = args.period_start

    def prepare(self):
        """Set up what the approach needs, outside the timed part."""

    def bill(self, community):
        """Create and post one invoice per unit of ``community``.

        :return: a dict of sub-phase figures (seconds and queries), maybe empty
        """
        raise NotImplementedError

    def check(self, moves):
        """Return a list of problems found on the measured invoices."""
        problems = []
        if self.args.tax and not any(moves.mapped("amount_tax")):
            problems.append("no invoice has a tax amount")
        if self.args.tax:
            for move in moves:
                taxed = move.invoice_line_ids.filtered("tax_ids")
                expected = sum(taxed.mapped("price_subtotal")) * TAX_RATE / 100
                if move.currency_id.compare_amounts(move.amount_tax, expected):
                    problems.append(
                        f"{move.name}: tax {move.amount_tax}, expected {expected:.2f}"
                    )
                    break
        return problems


class ApproachOurs(Approach):
    def prepare(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("property_billing.background_threshold", self.args.units + 10)
        if self.args.chunk_size:
            params.set_param("property_billing.chunk_size", self.args.chunk_size)

    def bill(self, community):
        from odoo.addons.property_billing.tools import periods  # noqa: PLC0415

        run = self.env["property.billing.run"].create(
            {
                "community_id": community.id,
                "period_start": self.period_start,
                "period_end": periods.month_end(self.period_start),
                "invoice_date": self.period_start,
            }
        )
        run.action_generate()
        if run.state != "done" or run.error_count:
            raise SystemExit(
                f"billing run {run.name} ended {run.state}: {run.error_ids}"
            )
        return {}

    def check(self, moves):
        problems = super().check(moves)
        numbers = sorted(moves.mapped("sequence_number"))
        if numbers and numbers[-1] - numbers[0] + 1 != len(numbers):
            problems.append("invoice sequence numbers have gaps")
        if any(len(move.invoice_line_ids) != 3 for move in moves):
            problems.append("an invoice does not have 3 lines")
        no_follower = moves.filtered(
            lambda m: m.partner_id not in m.message_partner_ids
        )
        if no_follower:
            problems.append(
                f"{len(no_follower)} invoices lack their partner as follower"
            )
        if any(not line.analytic_distribution for line in moves.invoice_line_ids):
            problems.append("an invoice line has no analytic distribution")
        if any(move.invoice_date_due <= move.invoice_date for move in moves[:50]):
            problems.append("a due date is not after the invoice date")
        if any(not move.payment_reference for move in moves[:50]):
            problems.append("an invoice has no payment reference")
        problems += self._check_portal(moves)
        return problems

    def _check_portal(self, moves):
        """Check that an owner sees his invoice on the portal and not another's."""
        if len(moves) < 2:
            return []
        mine, other = moves[0], moves[1]
        user = (
            self.env["res.users"]
            .sudo()
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": mine.partner_id.name,
                    "login": f"bench-owner-{mine.partner_id.id}",
                    "partner_id": mine.partner_id.id,
                    "company_id": self.company.id,
                    "company_ids": [(6, 0, [self.company.id])],
                    "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
                }
            )
        )
        visible = (
            self.env["account.move"]
            .with_user(user)
            .search([("id", "in", [mine.id, other.id])])
        )
        if visible != mine:
            return [f"portal user of {mine.partner_id.name} sees {visible.ids}"]
        return []


class ApproachNaive(Approach):
    def bill(self, community):
        env = self.env
        units = env["property.unit"].search([("community_id", "=", community.id)])
        journal = community._get_sale_journal()
        analytic = {str(community.analytic_account_id.id): 100}
        items = env["property.fee.item"].search([("company_id", "=", self.company.id)])
        create_seconds = post_seconds = 0.0
        create_queries = post_queries = 0
        for unit in units:
            started = time.perf_counter()
            queries = env.cr.sql_log_count
            move = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": unit.owner_id.id,
                    "journal_id": journal.id,
                    "invoice_date": self.period_start,
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": item.product_id.id,
                                "name": f"{item.name} {unit.code}",
                                "quantity": unit.area
                                if item.calculation == "area"
                                else 1.0,
                                "price_unit": item.rate,
                                "analytic_distribution": analytic,
                            },
                        )
                        for item in items
                    ],
                }
            )
            middle = time.perf_counter()
            create_queries += env.cr.sql_log_count - queries
            queries = env.cr.sql_log_count
            move.action_post()
            post_seconds += time.perf_counter() - middle
            create_seconds += middle - started
            post_queries += env.cr.sql_log_count - queries
        return {
            "create_seconds": round(create_seconds, 2),
            "post_seconds": round(post_seconds, 2),
            "create_queries": create_queries,
            "post_queries": post_queries,
        }


class ApproachContract(Approach):
    def bill(self, community):
        env = self.env
        contracts = env["contract.contract"].search(
            [("partner_id.property_owned_unit_ids.community_id", "=", community.id)]
        )
        started = time.perf_counter()
        queries = env.cr.sql_log_count
        if community.code == WARMUP_COMMUNITY_CODE:
            moves = contracts._recurring_create_invoice(self.period_start)
        else:
            # The scheduled action's own method, for every contract due.
            before = env["account.move"].search([], order="id desc", limit=1).id or 0
            env["contract.contract"].cron_recurring_create_invoice(self.period_start)
            moves = env["account.move"].search(
                [("id", ">", before), ("move_type", "=", "out_invoice")]
            )
        middle = time.perf_counter()
        create_queries = env.cr.sql_log_count - queries
        queries = env.cr.sql_log_count
        moves.action_post()
        env.flush_all()
        return {
            "create_seconds": round(middle - started, 2),
            "post_seconds": round(time.perf_counter() - middle, 2),
            "create_queries": create_queries,
            "post_queries": env.cr.sql_log_count - queries,
        }


if __name__ == "__main__":
    sys.exit(main())
