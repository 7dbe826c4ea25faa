#!/usr/bin/env bash
# Run the code checks of OCA 18.0 repositories on the three addons: ruff check,
# ruff format --check and pylint-odoo with the mandatory checks.
#
#   setup/lint.sh          check, exit non-zero on any finding
#   setup/lint.sh --fix    apply ruff's fixes and formatting first, then check
set -euo pipefail
# shellcheck source=setup/lib.sh
source "$(dirname "$0")/lib.sh"

ADDONS=(property_billing property_billing_wechat property_billing_refund)
FIX=0
case "${1:-}" in
    --fix) FIX=1 ;;
    "") ;;
    *)
        echo "usage: setup/lint.sh [--fix]" >&2
        exit 2
        ;;
esac

pb_setup_python
# The checks change from one release to the next (ruff's formatting, the
# mandatory pylint-odoo messages), so the pinned versions are required, not
# whatever version happens to be installed.
if ! "$PYTHON" - "$REPO_ROOT/requirements-lint.txt" <<'PY' 2>/dev/null; then
import sys
from importlib.metadata import version
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if line:
        name, pinned = line.split("==")
        if version(name) != pinned:
            sys.exit(1)
PY
    pb_pip_install -r "$REPO_ROOT/requirements-lint.txt"
fi

cd "$REPO_ROOT"
failed=()
if [ "$FIX" = 1 ]; then
    log "ruff check --fix and ruff format"
    "$PYTHON" -m ruff check --fix --quiet "${ADDONS[@]}" || true
    "$PYTHON" -m ruff format --quiet "${ADDONS[@]}"
fi

log "ruff check"
"$PYTHON" -m ruff check --output-format concise "${ADDONS[@]}" || failed+=("ruff check")

log "ruff format --check"
"$PYTHON" -m ruff format --check "${ADDONS[@]}" || failed+=("ruff format (run: setup/lint.sh --fix)")

log "pylint-odoo (.pylintrc-mandatory)"
"$PYTHON" -m pylint --rcfile=.pylintrc-mandatory "${ADDONS[@]}" || failed+=("pylint-odoo")

log "readme/DESCRIPTION.md in each addon"
for addon in "${ADDONS[@]}"; do
    if [ ! -s "$addon/readme/DESCRIPTION.md" ]; then
        echo "$addon/readme/DESCRIPTION.md: missing or empty; describe what the addon does there" >&2
        failed+=("readme of $addon")
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    log "lint FAILED: $(IFS=,; echo "${failed[*]}" | sed 's/,/, /g')"
    exit 1
fi
log "lint passed"
