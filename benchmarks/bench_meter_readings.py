#!/usr/bin/env python3
"""Benchmark entering and billing the readings of N water meters.

Run it with the Python of the Odoo installation, from the repository root,
with the ``odoo`` command on PATH:

    python3 benchmarks/bench_meter_readings.py --meters 10000

The script creates a database (``meterbench_<N>_<pid>`` unless ``--db``),
installs ``property_billing`` without demo data, creates one community of N
units in buildings of 500, each unit with an owner, a water meter and a tiered
water fee, with one confirmed reading per meter for March, and commits that.
It then measures, in one transaction that is rolled back:

1. entering the April readings through the entry screen
   (``property.meter.reading.entry``), one screen per building, readings
   confirmed on save;
2. the April billing run over the community: preview, then invoicing in the
   foreground. No run billed March, so the April run bills the March and
   April readings of each meter on one charge, because a run bills every
   unbilled confirmed reading dated up to its end.

It checks the invoice count and total against the values computed here and
exits with status 1 when they differ. The database is dropped at the end
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
from datetime import date
from decimal import Decimal
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
UNITS_PER_BUILDING = 500
COMPANY_NAME = "Meter Benchmark Co."
# Water tiers: (upper bound in m³, 0 for none; price per m³).
TIERS = [(15, Decimal("3.50")), (25, Decimal("4.55")), (0, Decimal("6.90"))]
SEWAGE = Decimal("0.95")
# March consumption of every meter, from its initial value 1000 to 1020.
MARCH_CONSUMPTION = 20


def consumption_of(index):
    """Return an April consumption between 5 and 39 m³, varied by unit."""
    return 5 + index * 7 % 35


def expected_amount(quantity):
    amount = Decimal(0)
    lower = 0
    for upper, price in TIERS:
        top = quantity if not upper else min(quantity, upper)
        if top > lower:
            amount += (top - lower) * price
        if upper and quantity <= upper:
            break
        lower = upper
    return amount + quantity * SEWAGE


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meters", type=int, default=10000)
    parser.add_argument("--db")
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--db-port", default="5432")
    parser.add_argument("--db-user", default="root")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--reuse-db", action="store_true")
    args = parser.parse_args(argv)
    args.db = args.db or f"meterbench_{args.meters}_{os.getpid()}"
    return args


def odoo_args(args):
    import odoo  # noqa: PLC0415  (only needed for its path)

    core = Path(odoo.__file__).resolve().parent / "addons"
    return [
        "--db_host",
        args.db_host,
        "--db_port",
        args.db_port,
        "--db_user",
        args.db_user,
        "--addons-path",
        f"{core},{REPO_ROOT}",
    ]


def install(args):
    odoo_bin = shutil.which("odoo")
    if not odoo_bin:
        raise SystemExit("the odoo command is not on PATH")
    cmd = [
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
    print(f"installing property_billing into {args.db} ...", flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode:
        sys.stderr.write(proc.stderr[-6000:])
        raise SystemExit(f"odoo -i failed with status {proc.returncode}")


def drop(args):
    import psycopg2  # noqa: PLC0415

    conn = psycopg2.connect(
        host=args.db_host, port=args.db_port, user=args.db_user, dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{args.db}"')
    conn.close()


def setup_data(env, args):
    """Create the company, units, meters, fee and March readings; commit."""
    from odoo import Command  # noqa: PLC0415

    env = env(context=dict(env.context, tracking_disable=True))
    cny = env.ref("base.CNY")
    cny.active = True
    company = env["res.company"].create({"name": COMPANY_NAME, "currency_id": cny.id})
    env.user.company_ids = [Command.link(company.id)]
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    env["account.chart.template"].try_loading("generic_coa", company, False)
    company.currency_id = cny
    product = env["product.product"].create(
        {"name": "Water", "type": "service", "company_id": company.id}
    )
    product.taxes_id = [Command.clear()]
    fee = env["property.fee.item"].create(
        {
            "name": "Water Fee",
            "code": "WATER",
            "company_id": company.id,
            "product_id": product.id,
            "calculation": "metered",
            "meter_type": "water",
            "rate": 3.50,
            "surcharge_name": "Sewage",
            "surcharge_rate": float(SEWAGE),
            "tier_ids": [
                Command.create({"upper_bound": upper, "price": float(price)})
                for upper, price in TIERS
            ],
        }
    )
    community = env["property.community"].create(
        {"name": "Meter Bench", "code": "MB", "company_id": company.id}
    )
    building_count = -(-args.meters // UNITS_PER_BUILDING)
    buildings = env["property.building"].create(
        [
            {"name": f"Building {b}", "code": str(b), "community_id": community.id}
            for b in range(1, building_count + 1)
        ]
    )
    owners = env["res.partner"].create(
        [{"name": f"Owner {i}", "company_id": company.id} for i in range(args.meters)]
    )
    units = env["property.unit"].create(
        [
            {
                "building_id": buildings[i // UNITS_PER_BUILDING].id,
                "number": str(1000 + i),
                "area": 90.0,
                "owner_id": owners[i].id,
            }
            for i in range(args.meters)
        ]
    )
    env["property.unit.fee"].create(
        [
            {"unit_id": unit.id, "fee_item_id": fee.id, "date_start": "2026-01-01"}
            for unit in units
        ]
    )
    meters = env["property.meter"].create(
        [
            {
                "serial_number": f"W{i:06d}",
                "meter_type": "water",
                "unit_id": unit.id,
                "initial_value": 1000,
            }
            for i, unit in enumerate(units)
        ]
    )
    readings = env["property.meter.reading"].create(
        [
            {
                "meter_id": meter.id,
                "date": date(2026, 3, 25),
                "value": 1000 + MARCH_CONSUMPTION,
            }
            for meter in meters
        ]
    )
    readings.action_confirm()
    return {"company_id": company.id, "community_id": community.id}


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(env, ids, args):
    env = env(
        context=dict(
            env.context,
            allowed_company_ids=[ids["company_id"]],
            tracking_disable=True,
        )
    )
    env["ir.config_parameter"].set_param(
        "property_billing.background_threshold", args.meters + 1
    )
    community = env["property.community"].browse(ids["community_id"])
    result = {"meters": args.meters}

    started = time.monotonic()
    entered = 0
    for building in community.building_ids:
        wizard = env["property.meter.reading.entry"].create(
            {
                "community_id": community.id,
                "building_id": building.id,
                "date": date(2026, 4, 25),
            }
        )
        wizard.action_load()
        for line in wizard.line_ids:
            index = int(line.meter_id.serial_number[1:])
            line.value = 1000 + MARCH_CONSUMPTION + consumption_of(index)
        wizard.action_save()
        entered += len(wizard.line_ids)
        env.invalidate_all()
    result["enter_seconds"] = round(time.monotonic() - started, 1)
    confirmed = env["property.meter.reading"].search_count(
        [("date", "=", date(2026, 4, 25)), ("state", "=", "confirmed")]
    )
    result["readings_confirmed"] = confirmed

    run = env["property.billing.run"].create(
        {
            "community_id": community.id,
            "period_start": date(2026, 4, 1),
            "period_end": date(2026, 4, 30),
            "invoice_date": date(2026, 4, 30),
        }
    )
    started = time.monotonic()
    run.action_preview()
    result["preview_seconds"] = round(time.monotonic() - started, 1)
    started = time.monotonic()
    run.action_generate()
    result["generate_seconds"] = round(time.monotonic() - started, 1)
    result["invoices"] = run.invoice_count
    result["amount_total"] = str(
        Decimal(repr(run.amount_total)).quantize(Decimal("0.01"))
    )
    expected = sum(
        (
            expected_amount(MARCH_CONSUMPTION + consumption_of(i))
            for i in range(args.meters)
        ),
        Decimal(0),
    )
    result["amount_expected"] = str(expected)
    result["peak_rss_mb"] = round(peak_rss_mb())
    result["ok"] = (
        entered == args.meters
        and confirmed == args.meters
        and run.invoice_count == args.meters
        and Decimal(result["amount_total"]) == expected
    )
    return result


def main(argv=None):
    args = parse_args(argv)
    if not args.reuse_db:
        install(args)
    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config([*odoo_args(args), "--log-level=warn"])
    registry = odoo.modules.registry.Registry(args.db)
    try:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            started = time.monotonic()
            if args.reuse_db:
                company = env["res.company"].search([("name", "=", COMPANY_NAME)])
                community = env["property.community"].search([("code", "=", "MB")])
                ids = {"company_id": company.id, "community_id": community.id}
            else:
                ids = setup_data(env, args)
                cr.commit()
            print(f"setup: {time.monotonic() - started:.1f} s", flush=True)
            result = measure(env, ids, args)
            cr.rollback()
    finally:
        registry.delete(args.db)
        odoo.sql_db.close_db(args.db)
        if not args.keep_db:
            drop(args)
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
