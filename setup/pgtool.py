"""Check and prepare a PostgreSQL server for the setup scripts.

Connects with libpq's usual variables (PGHOST, PGPORT, PGUSER, PGPASSWORD),
through psycopg2, which Odoo already requires.

    pgtool.py ping               print the server version, or fail
    pgtool.py create-role NAME   create role NAME with LOGIN and CREATEDB
    pgtool.py db-exists NAME     exit 0 when database NAME exists, else 1
    pgtool.py installed DB MODS  exit 0 when the Odoo modules MODS (comma-
                                 separated) are all installed in DB, else 1

Exits with status 2 when PostgreSQL reports an error.
"""

import argparse
import sys

import psycopg2
from psycopg2 import sql


def connect(dbname=None):
    if dbname:
        return psycopg2.connect(dbname=dbname, connect_timeout=5)
    try:
        return psycopg2.connect(dbname="postgres", connect_timeout=5)
    except psycopg2.OperationalError as exc:
        # The postgres database may have been dropped; template1 always exists.
        if "does not exist" in str(exc) and '"postgres"' in str(exc):
            return psycopg2.connect(dbname="template1", connect_timeout=5)
        raise


def ping(_args):
    with connect() as conn:
        print(f"server {conn.server_version // 10000}.{conn.server_version % 10000}")


def create_role(args):
    conn = connect()
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [args.name])
        if not cr.fetchone():
            cr.execute(
                sql.SQL("CREATE ROLE {} LOGIN CREATEDB").format(
                    sql.Identifier(args.name)
                )
            )
            print(f"created role {args.name}")
    conn.close()


def db_exists(args):
    with connect() as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.name])
        found = cr.fetchone() is not None
    sys.exit(0 if found else 1)


def installed(args):
    modules = args.modules.split(",")
    with connect(args.database) as conn, conn.cursor() as cr:
        cr.execute(
            "SELECT count(*) FROM ir_module_module"
            " WHERE name = ANY(%s) AND state = 'installed'",
            [modules],
        )
        count = cr.fetchone()[0]
    sys.exit(0 if count == len(modules) else 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("ping").set_defaults(func=ping)
    for name, func in (("create-role", create_role), ("db-exists", db_exists)):
        command = commands.add_parser(name)
        command.add_argument("name")
        command.set_defaults(func=func)
    command = commands.add_parser("installed")
    command.add_argument("database")
    command.add_argument("modules")
    command.set_defaults(func=installed)
    args = parser.parse_args()
    try:
        args.func(args)
    except psycopg2.Error as exc:
        message = " ".join(str(exc).split())
        print(f"PostgreSQL error: {message}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
