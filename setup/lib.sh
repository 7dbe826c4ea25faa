# Shared steps of the setup scripts: find Python, Odoo 18.0 and PostgreSQL,
# install what is missing, and log each step on one line.
#
# Source it from bash after `set -euo pipefail`; it defines functions and a
# few variables (REPO_ROOT, PYTHON, ODOO_ADDONS_PATH, PB_ADDONS_PATH) and runs
# nothing by itself.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL_DIR="$REPO_ROOT/.local"
ODOO_BRANCH="18.0"
ODOO_GIT_URL="https://github.com/odoo/odoo"
# Debian packages that Odoo's requirements.txt needs to build from source
# (python-ldap, psycopg2, and any wheel that falls back to a source build).
ODOO_BUILD_DEB_PACKAGES=(build-essential python3-dev libldap2-dev libsasl2-dev libpq-dev)
# Python modules that the tests import, as "import name:requirement".
TEST_PY_MODULES=(pytest:pytest pytest_odoo:pytest-odoo websocket:websocket-client)

log() { printf '[setup] %s\n' "$*" >&2; }

die() {
    printf '[setup] ERROR: %s\n' "$*" >&2
    exit 1
}

is_root() { [ "$(id -u)" = "0" ]; }

# ---------------------------------------------------------------------------
# Debian packages
# ---------------------------------------------------------------------------

_PB_APT_UPDATED=0

# Print the Debian packages among "$@" that are not installed.
pb_missing_deb_packages() {
    local pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
            printf '%s\n' "$pkg"
        fi
    done
}

# Install the Debian packages "$@": with apt-get as root, else print the
# command to run and exit non-zero.
pb_apt_install() {
    local missing
    if ! command -v dpkg-query >/dev/null 2>&1; then
        die "this system has no dpkg-query, so the scripts cannot install: $*. Install the equivalent packages with your system's package manager and rerun."
    fi
    missing="$(pb_missing_deb_packages "$@" | tr '\n' ' ')"
    missing="${missing% }"
    [ -z "$missing" ] && return 0
    if ! is_root; then
        die "missing Debian packages: $missing. Install them as root and rerun: sudo apt-get update && sudo apt-get install -y $missing"
    fi
    if [ "$_PB_APT_UPDATED" = 0 ]; then
        log "apt-get update"
        apt-get update -qq >&2
        _PB_APT_UPDATED=1
    fi
    log "apt-get install $missing"
    # shellcheck disable=SC2086  # word splitting of the package list is wanted
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
}

# ---------------------------------------------------------------------------
# Python
# ---------------------------------------------------------------------------

# Pick the Python: $PYTHON if set, else python3. Odoo 18.0 supports 3.10-3.12.
pb_setup_python() {
    PYTHON="${PYTHON:-python3}"
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        die "Python interpreter '$PYTHON' not found: install Python 3.10, 3.11 or 3.12, or set PYTHON to one."
    fi
    local version
    version="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    case "$version" in
        3.10 | 3.11 | 3.12) ;;
        *) die "$PYTHON is Python $version, but Odoo 18.0 needs Python 3.10, 3.11 or 3.12: set PYTHON to one of those." ;;
    esac
    export PYTHON
    log "python: $(command -v "$PYTHON") ($version)"
}

# Check that $2 is a port number that nothing listens on at 127.0.0.1, before
# any long step: $1 names the option that set it.
pb_check_free_port() {
    local option="$1" port="$2"
    if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
        die "invalid $option '$port': give a port number from 1 to 65535."
    fi
    "$PYTHON" - "$port" 2>/dev/null <<'EOF_PORT' ||
import socket
import sys

with socket.socket() as sock:
    sock.bind(("127.0.0.1", int(sys.argv[1])))
EOF_PORT
        die "$option $port is already in use on 127.0.0.1: stop what listens there, or choose another port with $option."
}

# Install Python requirements with pip into $PYTHON's environment.
pb_pip_install() {
    log "pip install $*"
    "$PYTHON" -m pip install --quiet "$@" >&2 ||
        die "pip install $* failed with $PYTHON (see pip's message above). If this Python belongs to the system (externally managed), create a virtualenv and rerun with PYTHON=/path/to/venv/bin/python."
}

# ---------------------------------------------------------------------------
# Odoo
# ---------------------------------------------------------------------------

# Print the addons folders of the Odoo that $PYTHON imports, comma-separated,
# or exit non-zero with the reason on stderr.
_pb_probe_odoo() {
    "$PYTHON" - <<'EOF'
import os
import sys

try:
    import odoo
    import odoo.release
except Exception as exc:
    sys.exit(f"cannot import odoo ({exc})")
if tuple(odoo.release.version_info[:2]) != (18, 0):
    sys.exit(f"found Odoo {odoo.release.version} at {odoo.__file__}, not 18.0")
package_dir = os.path.dirname(os.path.abspath(odoo.__file__))
paths = [os.path.join(package_dir, "addons")]
# A git checkout keeps most addons in a top-level addons/ folder, while a
# packaged Odoo keeps all of them in odoo/addons.
checkout_addons = os.path.join(os.path.dirname(package_dir), "addons")
if os.path.isfile(os.path.join(checkout_addons, "web", "__manifest__.py")):
    paths.append(checkout_addons)
for module in ("base", "account", "payment_demo"):
    if not any(os.path.isfile(os.path.join(p, module, "__manifest__.py")) for p in paths):
        sys.exit(f"Odoo at {package_dir} has no '{module}' addon in {', '.join(paths)}")
print(",".join(paths))
EOF
}

# Install an Odoo 18.0 source checkout at $1 into $PYTHON's environment.
_pb_install_odoo_checkout() {
    local src="$1"
    [ -f "$src/odoo/release.py" ] && [ -f "$src/requirements.txt" ] ||
        die "$src is not an Odoo source checkout (no odoo/release.py or requirements.txt)."
    grep -qE "^version_info = \(18, 0," "$src/odoo/release.py" ||
        die "$src is not Odoo 18.0: $(grep -E '^version_info' "$src/odoo/release.py")"
    pb_apt_install "${ODOO_BUILD_DEB_PACKAGES[@]}"
    # cbor2 5.4.2, pinned by Odoo 18.0, does not build with setuptools 81+.
    local constraints="$LOCAL_DIR/pip-constraints.txt"
    mkdir -p "$LOCAL_DIR"
    printf 'setuptools<81\n' >"$constraints"
    log "installing Odoo's requirements from $src/requirements.txt"
    PIP_CONSTRAINT="$constraints" pb_pip_install -r "$src/requirements.txt"
    log "installing Odoo from $src"
    PIP_CONSTRAINT="$constraints" pb_pip_install -e "$src"
}

# Find Odoo 18.0: the one $PYTHON imports, else $ODOO_SRC, else a shallow
# clone of the 18.0 branch in .local/odoo. Sets ODOO_ADDONS_PATH (Odoo's own
# addons) and PB_ADDONS_PATH (Odoo's addons and this repository).
pb_find_odoo() {
    local probe reason
    if probe="$(_pb_probe_odoo 2>&1)"; then
        ODOO_ADDONS_PATH="$probe"
    else
        reason="$probe"
        log "no usable Odoo 18.0 in $PYTHON: $reason"
        if [ -n "${ODOO_SRC:-}" ]; then
            _pb_install_odoo_checkout "$ODOO_SRC"
        else
            local clone="$LOCAL_DIR/odoo"
            if [ ! -f "$clone/odoo/release.py" ]; then
                command -v git >/dev/null 2>&1 || pb_apt_install git
                log "cloning Odoo $ODOO_BRANCH from $ODOO_GIT_URL into $clone (about 1 GB)"
                mkdir -p "$LOCAL_DIR"
                rm -rf "$clone"
                git clone --quiet --depth 1 --branch "$ODOO_BRANCH" "$ODOO_GIT_URL" "$clone" ||
                    die "Odoo 18.0 is missing: $PYTHON cannot import it ($reason), ODOO_SRC is not set, and cloning $ODOO_GIT_URL failed. Install Odoo 18.0 into this Python, or set ODOO_SRC to an Odoo 18.0 checkout, or set PYTHON to a Python that has Odoo 18.0."
            fi
            _pb_install_odoo_checkout "$clone"
        fi
        probe="$(_pb_probe_odoo 2>&1)" ||
            die "Odoo was installed but $PYTHON still cannot use it: $probe"
        ODOO_ADDONS_PATH="$probe"
    fi
    PB_ADDONS_PATH="$ODOO_ADDONS_PATH,$REPO_ROOT"
    export ODOO_ADDONS_PATH PB_ADDONS_PATH
    log "odoo: $("$PYTHON" -c 'import odoo, odoo.release; print(odoo.release.version, "at", odoo.__path__[0])')"
}

# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------

_pb_pgtool() { "$PYTHON" "$REPO_ROOT/setup/pgtool.py" "$@"; }

# Try the server that the current PG* variables point at; create the role
# $PGUSER when the server says it does not exist and lets us.
_pb_try_pg() {
    local where="$1" output
    if output="$(_pb_pgtool ping 2>&1)"; then
        log "postgresql: $where as role $PGUSER ($output)"
        return 0
    fi
    if grep -q "role \"$PGUSER\" does not exist" <<<"$output"; then
        log "role $PGUSER does not exist on $where: creating it with CREATEDB"
        if _pb_create_role "$where" && output="$(_pb_pgtool ping 2>&1)"; then
            log "postgresql: $where as role $PGUSER ($output)"
            return 0
        fi
    fi
    _PB_PG_ERRORS+=("$where: ${output##*$'\n'}")
    return 1
}

# Create role $PGUSER (LOGIN CREATEDB, not a superuser) as the postgres role:
# over the current connection settings (trust authentication), or through
# the postgres OS user (peer authentication) when running as root.
_pb_create_role() {
    if PGUSER=postgres _pb_pgtool create-role "$PGUSER" >&2; then
        return 0
    fi
    if is_root && id postgres >/dev/null 2>&1 && command -v psql >/dev/null 2>&1; then
        runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -d postgres \
            -c "CREATE ROLE \"$PGUSER\" LOGIN CREATEDB" >&2 && return 0
    fi
    log "could not create role $PGUSER on $1"
    return 1
}

# Find a PostgreSQL server and export PGHOST/PGPORT/PGUSER for Odoo, psql and
# pytest. $1 is "demo" (may start a private cluster in .local/pg) or "test"
# (fails when no server answers).
pb_find_postgres() {
    local mode="$1"
    _PB_PG_ERRORS=()
    if [ -z "${PGUSER:-}" ]; then
        PGUSER="$(id -un)"
    fi
    if [ "$PGUSER" = "postgres" ]; then
        die "Odoo rejects the database role 'postgres': set PGUSER to another role (with CREATEDB) and rerun."
    fi
    export PGUSER
    if [ -n "${PGHOST:-}" ] || [ -n "${PGPORT:-}" ]; then
        export PGHOST PGPORT
        _pb_try_pg "${PGHOST:-local socket}:${PGPORT:-5432}" && return 0
    else
        _pb_try_pg "the local Unix socket" && return 0
        export PGHOST=127.0.0.1 PGPORT=5432
        _pb_try_pg "127.0.0.1:5432" && return 0
        unset PGHOST PGPORT
        if [ "$mode" = demo ] && pb_start_private_pg; then
            return 0
        fi
    fi
    local tried
    tried="$(printf '  %s\n' "${_PB_PG_ERRORS[@]}")"
    die "no PostgreSQL server answered as role $PGUSER. Tried:
$tried
Start a server (on Debian: apt-get install postgresql && service postgresql start) or point the scripts at one with PGHOST, PGPORT, PGUSER and PGPASSWORD. The role needs CREATEDB and must not be 'postgres'."
}

# Start (or reuse) a private PostgreSQL cluster in .local/pg on a free port,
# for the demo only. Returns non-zero when PostgreSQL's binaries are missing.
pb_start_private_pg() {
    local bindir pgdir="$LOCAL_DIR/pg" port run_as=()
    bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    [ -n "$bindir" ] && [ -x "$bindir/initdb" ] || return 1
    # initdb and postgres refuse to run as root: run them as the postgres user.
    if is_root; then
        id postgres >/dev/null 2>&1 || return 1
        run_as=(runuser -u postgres --)
    fi
    mkdir -p "$pgdir/run"
    is_root && chown -R postgres: "$pgdir"
    if [ ! -f "$pgdir/data/PG_VERSION" ]; then
        log "creating a private PostgreSQL cluster in $pgdir/data (superuser $PGUSER, trust authentication)"
        "${run_as[@]}" "$bindir/initdb" -D "$pgdir/data" -U "$PGUSER" --auth=trust \
            -E UTF8 --locale=C.UTF-8 >"$pgdir/initdb.log" 2>&1 ||
            die "initdb failed, see $pgdir/initdb.log"
    fi
    if [ -f "$pgdir/port" ] && "${run_as[@]}" "$bindir/pg_ctl" -D "$pgdir/data" status >/dev/null 2>&1; then
        port="$(cat "$pgdir/port")"
    else
        port="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
        log "starting the private PostgreSQL cluster on 127.0.0.1:$port"
        "${run_as[@]}" "$bindir/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
            -o "-p $port -k $pgdir/run -c listen_addresses=127.0.0.1" start >&2 ||
            die "the private PostgreSQL cluster did not start, see $pgdir/server.log"
        printf '%s\n' "$port" >"$pgdir/port"
    fi
    export PGHOST=127.0.0.1 PGPORT="$port"
    _pb_try_pg "private cluster 127.0.0.1:$port"
}

# ---------------------------------------------------------------------------
# Test tools
# ---------------------------------------------------------------------------

# Install the Python test requirements and check that Chromium (browser
# tests) and wkhtmltopdf (PDF reports) are present. Odoo skips browser tests
# silently without Chromium or websocket-client, so both are mandatory here.
pb_ensure_test_tools() {
    local entry module missing=0
    for entry in "${TEST_PY_MODULES[@]}"; do
        module="${entry%%:*}"
        "$PYTHON" -c "import $module" 2>/dev/null || missing=1
    done
    if [ "$missing" = 1 ]; then
        pb_pip_install -r "$REPO_ROOT/requirements-test.txt"
    fi
    for entry in "${TEST_PY_MODULES[@]}"; do
        module="${entry%%:*}"
        "$PYTHON" -c "import $module" 2>/dev/null ||
            die "Python module $module (${entry#*:}) is still missing after pip install."
    done
    pb_ensure_browser_and_wkhtmltopdf
}

pb_ensure_browser_and_wkhtmltopdf() {
    local browser="" name
    # The executables Odoo 18.0 looks for, in its order (odoo/tests/common.py).
    for name in google-chrome chromium chromium-browser google-chrome-stable; do
        if command -v "$name" >/dev/null 2>&1; then
            browser="$(command -v "$name")"
            break
        fi
    done
    if [ -z "$browser" ]; then
        pb_apt_install chromium
        browser="$(command -v chromium)" || die "chromium is still missing after apt-get install chromium."
    fi
    if ! command -v wkhtmltopdf >/dev/null 2>&1; then
        pb_apt_install wkhtmltopdf
        command -v wkhtmltopdf >/dev/null 2>&1 || die "wkhtmltopdf is still missing after apt-get install wkhtmltopdf."
    fi
    log "browser: $browser; wkhtmltopdf: $(command -v wkhtmltopdf)"
}

# ---------------------------------------------------------------------------
# Odoo commands
# ---------------------------------------------------------------------------

# Run Odoo's command line with this repository's addons path; the database
# connection comes from the PG* variables that pb_find_postgres exported.
pb_odoo() {
    "$PYTHON" -m odoo "$@"
}

# Return 0 when database $1 exists, 1 when it does not; exit on errors.
pb_db_exists() {
    local rc=0
    _pb_pgtool db-exists "$1" || rc=$?
    [ "$rc" -le 1 ] || die "could not check whether database $1 exists (see the error above)."
    return "$rc"
}

# Drop database $1 and its filestore if it exists.
pb_drop_db() {
    if pb_db_exists "$1"; then
        log "dropping database $1"
        pb_odoo db drop "$1" >/dev/null 2>&1 || die "could not drop database $1 (is it still in use?)"
    fi
}

# Print a free TCP port on 127.0.0.1.
pb_free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
