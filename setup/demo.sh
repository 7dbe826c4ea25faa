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
  --wechat-port PORT port of the local WeChat Pay emulator (default: 8169)
  --no-wechat        do not offer WeChat Pay through the emulator
  --lang CODE        language of the demo: en_US (default) or zh_CN
  -h, --help         show this help

Environment: PYTHON, ODOO_SRC, PGHOST, PGPORT, PGUSER, PGPASSWORD (see README.md),
PB_DEMO_LANG (the default of --lang).
USAGE
}

DB="property_billing_demo"
RESET=0
HTTP_PORT=8069
WECHAT_PORT=8169
WECHAT=1
DEMO_LANG="${PB_DEMO_LANG:-en_US}"
LANG_GIVEN="${PB_DEMO_LANG:+1}"
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
        --wechat-port)
            WECHAT_PORT="${2:?--wechat-port needs a value}"
            shift
            ;;
        --no-wechat) WECHAT=0 ;;
        --lang)
            DEMO_LANG="${2:?--lang needs a value}"
            LANG_GIVEN=1
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
case "$DEMO_LANG" in
    en_US | zh_CN) ;;
    *) die "invalid --lang $DEMO_LANG: use en_US or zh_CN." ;;
esac

pb_setup_python
# Checked first: a taken port would otherwise fail after the whole install.
pb_check_free_port --http-port "$HTTP_PORT"
if [ "$WECHAT" = 1 ]; then
    [ "$WECHAT_PORT" != "$HTTP_PORT" ] ||
        die "--wechat-port and --http-port are both $HTTP_PORT: give the emulator another port with --wechat-port."
    pb_check_free_port --wechat-port "$WECHAT_PORT"
fi
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
    # --load-language loads the language's terms of every addon as it is
    # installed, so the demo records get their translated names.
    load_language=()
    if [ "$DEMO_LANG" != en_US ]; then
        load_language=(--load-language "$DEMO_LANG")
    fi
    pb_odoo --addons-path "$PB_ADDONS_PATH" -d "$DB" -i "$MODULES" \
        ${load_language[@]+"${load_language[@]}"} \
        --stop-after-init --no-http --max-cron-threads 0 >"$INSTALL_LOG" 2>&1 ||
        die "installing the addons into $DB failed. Last lines of $INSTALL_LOG:
$(tail -n 5 "$INSTALL_LOG")"
fi

# Switch the language only when asked, so that a reused database keeps the
# language it was created in.
if [ -n "$LANG_GIVEN" ]; then
    LANG_LOG="$LOCAL_DIR/$DB-lang.log"
    log "switching the demo to $DEMO_LANG (log $LANG_LOG)"
    PB_DEMO_LANG="$DEMO_LANG" pb_odoo shell --addons-path "$PB_ADDONS_PATH" \
        -d "$DB" --no-http <"$REPO_ROOT/setup/demo_lang.py" >&2 2>"$LANG_LOG" ||
        die "switching the demo to $DEMO_LANG failed (log $LANG_LOG)."
fi

log "billing the demo community for the current month (log $SHELL_LOG)"
if ! summary="$(pb_odoo shell --addons-path "$PB_ADDONS_PATH" -d "$DB" --no-http \
    <"$REPO_ROOT/setup/demo_billing.py" 2>"$SHELL_LOG")"; then
    tail -n 20 "$SHELL_LOG" >&2
    die "the demo billing run failed (above; full log in $SHELL_LOG)."
fi
owner_logins="$(sed -n 's/^OWNER_LOGINS=//p' <<<"$summary")"
grep -v '^OWNER_LOGINS=' <<<"$summary"

# WeChat Pay has no sandbox: the demo offers it through the local emulator,
# which generates new keys at each start and stops with Odoo.
wechat_lines=""
if [ "$WECHAT" = 1 ]; then
    WECHAT_CREDENTIALS="$LOCAL_DIR/$DB-wechat-pay.json"
    WECHAT_LOG="$LOCAL_DIR/$DB-wechat-pay.log"
    rm -f "$WECHAT_CREDENTIALS"
    log "starting the WeChat Pay emulator on http://127.0.0.1:$WECHAT_PORT (log $WECHAT_LOG)"
    "$PYTHON" "$REPO_ROOT/property_billing_wechat/tests/wechat_pay_emulator.py" \
        --port "$WECHAT_PORT" --credentials "$WECHAT_CREDENTIALS" >"$WECHAT_LOG" 2>&1 &
    WECHAT_PID=$!
    trap 'kill "$WECHAT_PID" 2>/dev/null || true' EXIT
    for _ in $(seq 50); do
        [ -s "$WECHAT_CREDENTIALS" ] && break
        kill -0 "$WECHAT_PID" 2>/dev/null ||
            die "the WeChat Pay emulator stopped: $(tail -n 5 "$WECHAT_LOG")"
        sleep 0.2
    done
    [ -s "$WECHAT_CREDENTIALS" ] ||
        die "the WeChat Pay emulator did not start (log $WECHAT_LOG)."
    PB_WECHAT_CREDENTIALS="$WECHAT_CREDENTIALS" PB_HTTP_PORT="$HTTP_PORT" \
        pb_odoo shell --addons-path "$PB_ADDONS_PATH" -d "$DB" --no-http \
        <"$REPO_ROOT/setup/demo_wechat.py" 2>>"$SHELL_LOG" ||
        die "enabling WeChat Pay failed (log $SHELL_LOG)."
    wechat_lines="  WeChat Pay:   choose WeChat Pay on a bill, then pay its QR code on
                http://127.0.0.1:$WECHAT_PORT/ (the emulator plays the payer)"
fi

cat <<EOF

Odoo is starting on http://localhost:$HTTP_PORT (database $DB); stop it with Ctrl+C.
  back office:  login admin, password admin
  owner portal: logins ${owner_logins//,/, }, each with password owner
$wechat_lines

EOF
# Not exec: the EXIT trap stops the emulator when Odoo stops.
"$PYTHON" -m odoo --addons-path "$PB_ADDONS_PATH" -d "$DB" --db-filter "^$DB\$" \
    --http-interface 127.0.0.1 --http-port "$HTTP_PORT"
