#!/usr/bin/env bash
# Run the code checks and every test of the project on a fresh database.
#
# Steps: setup/lint.sh; Odoo's test runner while installing the addons into a
# new database; pytest-odoo on that database, over the top-level tests/ folder
# and again over the addons' tests, so that the documented pytest command keeps
# working. The last line printed is "N passed, N failed", the sum of both test
# steps.
set -euo pipefail
# shellcheck source=setup/lib.sh
source "$(dirname "$0")/lib.sh"

usage() {
    cat <<'EOF'
usage: setup/test.sh [options]

  --keep-db          keep the test database afterwards (default: drop it)
  --odoo-only        run only Odoo's test runner (skip pytest)
  --pytest-only      install the addons without running their tests, then
                     run only pytest (tests/ and the addons' tests)
  --tags TAGS        Odoo --test-tags value (default:
                     /property_billing,/property_billing_wechat,/property_billing_refund)
  --http-port PORT   HTTP port of the Odoo test server (default: a free port)
  --no-lint          skip setup/lint.sh
  -h, --help         show this help

Environment: PB_TEST_DB (database name, default property_billing_test),
PYTHON, ODOO_SRC, PGHOST, PGPORT, PGUSER, PGPASSWORD (see README.md).
EOF
}

DB="${PB_TEST_DB:-property_billing_test}"
MODULES="property_billing,property_billing_wechat,property_billing_refund,payment_demo"
TAGS="/property_billing,/property_billing_wechat,/property_billing_refund"
KEEP_DB=0
RUN_ODOO_TESTS=1
RUN_PYTEST=1
RUN_LINT=1
HTTP_PORT="${PB_HTTP_PORT:-}"

while [ $# -gt 0 ]; do
    case "$1" in
        --keep-db) KEEP_DB=1 ;;
        --odoo-only) RUN_PYTEST=0 ;;
        --pytest-only) RUN_ODOO_TESTS=0 ;;
        --tags)
            TAGS="${2:?--tags needs a value}"
            shift
            ;;
        --http-port)
            HTTP_PORT="${2:?--http-port needs a value}"
            shift
            ;;
        --no-lint) RUN_LINT=0 ;;
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
if [ "$RUN_ODOO_TESTS" = 0 ] && [ "$RUN_PYTEST" = 0 ]; then
    die "--odoo-only and --pytest-only exclude each other."
fi

pb_setup_python
if [ -n "$HTTP_PORT" ]; then
    pb_check_free_port --http-port "$HTTP_PORT"
fi
pb_find_odoo
pb_find_postgres test
pb_ensure_test_tools
HTTP_PORT="${HTTP_PORT:-$(pb_free_port)}"
LOG_DIR="$LOCAL_DIR/test-logs"
mkdir -p "$LOG_DIR"

passed=0
failed=0
problems=()

# A failure outside the counted tests (lint, a crash, a skipped browser test)
# counts as one failed check, so that it shows in the closing line.
fail_step() {
    problems+=("$1")
    failed=$((failed + 1))
}

if [ "$RUN_LINT" = 1 ]; then
    log "step: lint"
    bash "$REPO_ROOT/setup/lint.sh" || fail_step "lint (setup/lint.sh) reported problems"
fi

# --------------------------------------------------------------------------
# Step 1: install the addons into a fresh database, with Odoo's test runner.
# --------------------------------------------------------------------------
ODOO_LOG="$LOG_DIR/$DB-odoo.log"
pb_drop_db "$DB"
odoo_args=(
    --addons-path "$PB_ADDONS_PATH"
    -d "$DB"
    -i "$MODULES"
    --stop-after-init
    --http-interface 127.0.0.1
    --http-port "$HTTP_PORT"
    --max-cron-threads 0
    --log-level info
)
if [ "$RUN_ODOO_TESTS" = 1 ]; then
    odoo_args+=(--test-enable --test-tags "$TAGS")
    log "step: Odoo test runner on new database $DB (tags $TAGS, port $HTTP_PORT, log $ODOO_LOG)"
else
    log "step: installing $MODULES into new database $DB without tests (log $ODOO_LOG)"
fi
set +e
pb_odoo "${odoo_args[@]}" 2>&1 | tee "$ODOO_LOG"
odoo_rc=${PIPESTATUS[0]}
set -e

# Odoo 18.0 closes a --stop-after-init run with this line from
# odoo/service/server.py, formatted by OdooTestResult.__str__
# (odoo/tests/result.py):
#   "<F> failed, <E> error(s) of <N> tests when loading database '<db>'"
summary="$(grep -E '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests when loading database' "$ODOO_LOG" | tail -n 1 || true)"
# The skip reasons that odoo/tests/common.py gives when it cannot drive a
# browser; Odoo counts such a test as run and the suite as successful.
browser_skips="$(grep -E "Chrome executable not found|websocket-client module is not installed|Failed to detect chrome devtools port|Error during Chrome headless connection|Error during Chrome connection|Cannot connect to chrome dev tools" "$ODOO_LOG" || true)"
error_lines="$(grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$ODOO_LOG" || true)"
skipped="$(grep -cE ': skipped .* : ' "$ODOO_LOG" || true)"

if [ "$RUN_ODOO_TESTS" = 1 ]; then
    if [ -z "$summary" ]; then
        fail_step "Odoo printed no test summary line: the install or the test run crashed (log: $ODOO_LOG)"
    else
        read -r odoo_failures odoo_errors odoo_tests < <(
            sed -E 's/.* ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests .*/\1 \2 \3/' <<<"$summary"
        )
        log "Odoo: $odoo_tests tests, $odoo_failures failed, $odoo_errors errors, $skipped skipped"
        if [ "$odoo_tests" = 0 ]; then
            fail_step "Odoo ran 0 tests for tags $TAGS"
        fi
        failed=$((failed + odoo_failures + odoo_errors))
        passed=$((passed + odoo_tests - odoo_failures - odoo_errors - skipped))
    fi
    if [ -n "$browser_skips" ]; then
        printf '%s\n' "$browser_skips" >&2
        fail_step "Odoo skipped browser tests (above): install chromium and websocket-client"
    fi
fi
# Odoo exits non-zero when a test fails; report the status only when no
# failing test explains it.
if [ "$odoo_rc" != 0 ] && [ $((${odoo_failures:-0} + ${odoo_errors:-0})) = 0 ]; then
    fail_step "Odoo exited with status $odoo_rc (log: $ODOO_LOG)"
fi
if [ -n "$error_lines" ] && [ $((${odoo_failures:-0} + ${odoo_errors:-0})) = 0 ]; then
    # Errors logged outside a failing test, such as a broken view or data file.
    printf '%s\n' "$error_lines" | head -n 20 >&2
    fail_step "Odoo logged ERROR lines (above) although no test failed"
fi

# --------------------------------------------------------------------------
# Step 2: pytest-odoo over tests/ and the addons' tests, on the database that
# step 1 installed.
# --------------------------------------------------------------------------
if [ "$RUN_PYTEST" = 1 ]; then
    JUNIT="$LOG_DIR/$DB-pytest.xml"
    pytest_paths=(tests)
    for addon in property_billing property_billing_wechat property_billing_refund; do
        if [ -d "$REPO_ROOT/$addon/tests" ]; then
            pytest_paths+=("$addon/tests")
        fi
    done
    if [ "$odoo_rc" != 0 ] && ! pb_db_exists "$DB"; then
        fail_step "pytest not run: database $DB was not created"
    else
        log "step: pytest-odoo over ${pytest_paths[*]} on $DB (report $JUNIT)"
        set +e
        (
            cd "$REPO_ROOT"
            PB_PYTEST_HTTP_PORT="$HTTP_PORT" "$PYTHON" -m pytest "${pytest_paths[@]}" \
                --odoo-database="$DB" \
                --odoo-addons-path="$PB_ADDONS_PATH" \
                --odoo-http \
                --odoo-log-level=warn \
                -p no:cacheprovider \
                -rfEs \
                --junitxml="$JUNIT"
        )
        pytest_rc=$?
        set -e
        counts="$("$PYTHON" - "$JUNIT" <<'PYEOF'
import sys
import xml.etree.ElementTree as ET

try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print("0 0 0 0 0")
    sys.exit()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
for suite in suites:
    for key in total:
        total[key] += int(suite.get(key, 0))
browser_skips = sum(
    1
    for skip in root.iter("skipped")
    if any(
        word in (skip.get("message", "") + (skip.text or "")).lower()
        for word in ("chrome", "websocket")
    )
)
print(total["tests"], total["failures"], total["errors"], total["skipped"], browser_skips)
PYEOF
)"
        read -r py_tests py_failures py_errors py_skipped py_browser_skips <<<"$counts"
        log "pytest: $py_tests tests, $py_failures failed, $py_errors errors, $py_skipped skipped (exit status $pytest_rc)"
        failed=$((failed + py_failures + py_errors))
        passed=$((passed + py_tests - py_failures - py_errors - py_skipped))
        if [ "$pytest_rc" = 5 ]; then
            fail_step "pytest collected no tests in ${pytest_paths[*]}"
        elif [ "$pytest_rc" != 0 ] && [ $((py_failures + py_errors)) = 0 ]; then
            fail_step "pytest exited with status $pytest_rc"
        fi
        if [ "$py_browser_skips" != 0 ]; then
            fail_step "pytest skipped $py_browser_skips browser tests: install chromium and websocket-client"
        fi
    fi
fi

if [ "$KEEP_DB" = 1 ]; then
    log "keeping database $DB"
else
    pb_drop_db "$DB"
fi

for problem in "${problems[@]}"; do
    log "FAILED: $problem"
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
