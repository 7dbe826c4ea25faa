#!/usr/bin/env bash
# Install the addons with demo data into a database, bill the demo community
# for the current month, and serve Odoo on http://localhost:8069.
set -euo pipefail
# shellcheck source=setup/lib.sh
source "$(dirname "$0")/lib.sh"

usage() {
    cat <<'USAGE'
usage: setup/demo.sh [options]

  --db NAME          database name (default: property_billing_demo)
  --reset            drop the database first if it exists
  --http-port PORT   port to serve Odoo on (default: 8069)
  -h, --help         show this help

Environment: PYTHON, ODOO_SRC, PGHOST, PGPORT, PGUSER, PGPASSWORD (see README.md).
USAGE
}

DB="property_billing_demo"
RESET=0
HTTP_PORT=8069
MODULES="property_billing,property_billing_wechat,property_billing_refund,payment_demo"

while [ $# -gt 0 ]; do
    case "$1" in
        --db)
            DB="${2:?--db needs a value}"
            shift
            ;;
        --reset) RESET=1 ;;
        --http-port)
            HTTP_PORT="${2:?--http-port needs a value}"
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            usage >&2
            die "unknown option: $1"
            ;;
    esac
    shift
done

pb_setup_python
pb_find_odoo
pb_find_postgres demo
# Invoice PDFs (portal download, print) are rendered by wkhtmltopdf.
if ! command -v wkhtmltopdf >/dev/null 2>&1; then
    pb_apt_install wkhtmltopdf
fi
mkdir -p "$LOCAL_DIR"
INSTALL_LOG="$LOCAL_DIR/$DB-install.log"
SHELL_LOG="$LOCAL_DIR/$DB-billing.log"

if [ "$RESET" = 1 ]; then
    pb_drop_db "$DB"
fi
if pb_db_exists "$DB" && "$PYTHON" "$REPO_ROOT/setup/pgtool.py" installed "$DB" "$MODULES"; then
    log "database $DB exists with the addons installed: reusing it (--reset recreates it)"
else
    log "installing $MODULES with demo data into $DB (log $INSTALL_LOG)"
    pb_odoo --addons-path "$PB_ADDONS_PATH" -d "$DB" -i "$MODULES" \
        --stop-after-init --no-http --max-cron-threads 0 >"$INSTALL_LOG" 2>&1 ||
        die "installing the addons into $DB failed. Last lines of $INSTALL_LOG:
$(tail -n 5 "$INSTALL_LOG")"
fi

log "billing the demo community for the current month (log $SHELL_LOG)"
if ! summary="$(pb_odoo shell --addons-path "$PB_ADDONS_PATH" -d "$DB" --no-http \
    <"$REPO_ROOT/setup/demo_billing.py" 2>"$SHELL_LOG")"; then
    tail -n 20 "$SHELL_LOG" >&2
    die "the demo billing run failed (above; full log in $SHELL_LOG)."
fi
owner_login="$(sed -n 's/^OWNER_LOGIN=//p' <<<"$summary")"
grep -v '^OWNER_LOGIN=' <<<"$summary"

cat <<EOF

Odoo is starting on http://localhost:$HTTP_PORT (database $DB); stop it with Ctrl+C.
  back office:  login admin, password admin
  owner portal: login $owner_login, password owner

EOF
exec "$PYTHON" -m odoo --addons-path "$PB_ADDONS_PATH" -d "$DB" --db-filter "^$DB\$" \
    --http-interface 127.0.0.1 --http-port "$HTTP_PORT"
