#!/usr/bin/env bash
# Project-local PostGIS for development and tests.
#
#   scripts/postgis.sh start     install if missing, init if missing, start if stopped, ensure db + role + postgis
#   scripts/postgis.sh stop      stop the cluster (no-op when stopped)
#   scripts/postgis.sh status    say whether it runs; exit 0 when running, 3 when stopped, 4 when not initialised
#   scripts/postgis.sh url       print the DATABASE_URL (needs nothing installed)
#   scripts/postgis.sh packages  print the apt packages the cluster needs (used by `make deps`)
#
# Everything lives in .pgdata/ (gitignored): data/ is the cluster, sock/ its unix socket, log the server log.
# It listens on 127.0.0.1 only, port $MINQING_PGPORT (default 55432), with `trust` auth: a throwaway dev
# cluster on loopback, never a deployment (docker-compose.yml is the deployment).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${MINQING_PGPORT:-55432}"
DB_NAME=minqing
DB_USER=minqing
PREFERRED_MAJOR=15

BASE="$ROOT/.pgdata"      # may become a symlink, see prepare_base
DATA="$BASE/data"
SOCK="$BASE/sock"
LOG="$BASE/log"

APT_UPDATED=

say() { printf 'postgis.sh: %s\n' "$*" >&2; }
die() {
    say "ERROR: $*"
    exit 1
}

url() { printf 'postgresql://%s@127.0.0.1:%s/%s\n' "$DB_USER" "$PORT" "$DB_NAME"; }

# --- packages -------------------------------------------------------------------------------------------

# Major version of the installed server binaries: 15 when present, otherwise the newest; empty when none.
detect_major() {
    local dir majors=()
    for dir in /usr/lib/postgresql/*/bin; do
        [[ -x $dir/pg_ctl && -x $dir/initdb ]] || continue
        majors+=("$(basename "$(dirname "$dir")")")
    done
    ((${#majors[@]})) || return 0
    if [[ " ${majors[*]} " == *" $PREFERRED_MAJOR "* ]]; then
        echo "$PREFERRED_MAJOR"
    else
        printf '%s\n' "${majors[@]}" | sort -n | tail -n 1
    fi
}

has_postgis() { [[ -f /usr/share/postgresql/$1/extension/postgis.control ]]; }

# What apt must provide. With no server yet the major is unknown until `postgresql` (the distribution's
# default) is installed, so the postgis metapackage, which follows that same default, stands in for it.
packages() {
    local major
    major="$(detect_major)"
    if [[ -z $major ]]; then
        echo "postgresql postgresql-postgis"
    else
        echo "postgresql-$major postgresql-$major-postgis-3"
    fi
}

apt_install() {
    local sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null || die "need root (or sudo) to apt-get install: $*"
        sudo=(sudo)
    fi
    if [[ -z $APT_UPDATED ]]; then
        say "apt-get update"
        "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
        APT_UPDATED=1
    fi
    say "apt-get install $*"
    # Lock timeout: on a fresh machine unattended-upgrades may hold the dpkg lock for a while.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o DPkg::Lock::Timeout=600 "$@" || die "apt-get install $* failed"
}

ensure_packages() {
    local major
    major="$(detect_major)"
    if [[ -z $major ]]; then
        apt_install postgresql
        major="$(detect_major)"
        [[ -n $major ]] || die "installed postgresql but found no server in /usr/lib/postgresql/*/bin"
    fi
    has_postgis "$major" || apt_install "postgresql-$major-postgis-3"
    has_postgis "$major" || die "postgresql-$major-postgis-3 installed but postgis.control is missing"
    BIN="/usr/lib/postgresql/$major/bin"
}

# Binaries without installing anything (stop/status must not trigger apt).
find_bin() {
    local major
    major="$(detect_major)"
    [[ -n $major ]] || return 1
    BIN="/usr/lib/postgresql/$major/bin"
}

# --- running as the right user --------------------------------------------------------------------------

# PostgreSQL refuses to run as root, so root delegates to the `postgres` OS user, which owns .pgdata.
as_pg() {
    # cd /: the caller's directory may be unreadable for postgres (initdb and psql complain).
    if ((EUID == 0)); then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

ensure_pg_user() {
    ((EUID == 0)) || return 0
    id -u postgres >/dev/null 2>&1 && return 0
    say "creating the postgres OS user"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
}

# Make .pgdata exist, reachable and owned by the user who runs the server.
prepare_base() {
    if ((EUID == 0)) && [[ ! -e $BASE && ! -L $BASE ]] && ! runuser -u postgres -- test -x "$ROOT"; then
        # The clone sits under a directory postgres cannot enter (e.g. /root, mode 700). Keep the cluster
        # where it can, and leave a symlink so that .pgdata/ still leads to it.
        local elsewhere
        elsewhere="/var/lib/postgresql/minqing/$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)"
        say "postgres cannot reach $ROOT; keeping the cluster in $elsewhere (.pgdata links to it)"
        mkdir -p "$elsewhere"
        chown postgres:postgres "$(dirname "$elsewhere")" "$elsewhere"
        ln -s "$elsewhere" "$BASE"
    fi
    # readlink -m: also follows a symlink whose target is gone (it is made again, empty).
    mkdir -p "$(readlink -m "$BASE")"
    # postgres resolves paths itself, and a symlinked .pgdata must not send it through an unreadable parent.
    BASE="$(readlink -f "$BASE")"
    DATA="$BASE/data"
    SOCK="$BASE/sock"
    LOG="$BASE/log"
    if ((EUID == 0)); then
        mkdir -p "$SOCK"
        touch "$LOG"
        find "$BASE" ! -user postgres -exec chown postgres:postgres {} +
        chmod 700 "$BASE"
    else
        [[ -O $BASE ]] || die "$BASE belongs to $(stat -c %U "$BASE"), not $(id -un): run as root, or remove it"
        chmod 700 "$BASE"
        mkdir -p "$SOCK"
        touch "$LOG"
    fi
    # Unix socket paths are limited to 107 bytes; a very deep clone would make postgres fail obscurely.
    local socket="$SOCK/.s.PGSQL.$PORT"
    ((${#socket} < 108)) || die "socket path too long (${#socket} bytes): $socket; clone into a shorter path"
}

# After prepare_base, resolve paths for read-only subcommands too.
resolve_base() {
    if [[ -e $BASE ]]; then
        BASE="$(readlink -f "$BASE")"
        DATA="$BASE/data"
        SOCK="$BASE/sock"
        LOG="$BASE/log"
    fi
}

# --- cluster --------------------------------------------------------------------------------------------

log_tail() {
    if [[ -s $LOG ]]; then
        say "last lines of $LOG:"
        tail -n 30 "$LOG" >&2
    fi
}

init_cluster() {
    [[ -f $DATA/PG_VERSION ]] && return 0
    say "initialising a cluster in $DATA"
    # A half-made data dir from an interrupted initdb would make initdb refuse; nothing in it is worth keeping.
    rm -rf "$DATA"
    if ! as_pg "$BIN/initdb" --pgdata="$DATA" --username=postgres --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 >>"$LOG" 2>&1; then
        log_tail
        die "initdb failed"
    fi
    cat >"$DATA/pg_hba.conf" <<'EOF'
# Project-local dev cluster: loopback only, no passwords (see scripts/postgis.sh).
local all all              trust
host  all all 127.0.0.1/32 trust
EOF
    # Our settings live in a file rewritten on every start, so that changes to this script take effect.
    printf "\ninclude_if_exists = 'minqing.conf'\n" >>"$DATA/postgresql.conf"
    ((EUID != 0)) || chown postgres:postgres "$DATA/pg_hba.conf"
}

write_settings() {
    # Sized for a 2-core, 24 GiB machine that also runs the app, the tests and a browser.
    cat >"$DATA/minqing.conf" <<EOF
# Written by scripts/postgis.sh on every start; edit the script, not this file.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCK'
max_connections = 100
shared_buffers = 512MB
effective_cache_size = 4GB
work_mem = 32MB
maintenance_work_mem = 256MB
max_wal_size = 2GB
random_page_cost = 1.1
max_parallel_workers_per_gather = 2
timezone = 'UTC'
log_timezone = 'UTC'
log_min_duration_statement = 2000
EOF
    ((EUID != 0)) || chown postgres:postgres "$DATA/minqing.conf"
}

# The port a running server listens on (4th line of postmaster.pid).
running_port() { sed -n 4p "$DATA/postmaster.pid" 2>/dev/null; }

is_running() { [[ -f $DATA/PG_VERSION ]] && as_pg "$BIN/pg_ctl" status --pgdata="$DATA" >/dev/null 2>&1; }

psql_admin() {
    as_pg "$BIN/psql" --no-psqlrc --quiet --set=ON_ERROR_STOP=1 --host="$SOCK" --port="$PORT" \
        --username=postgres "$@"
}

ensure_database() {
    psql_admin --dbname=postgres <<EOF || die "could not create role $DB_USER / database $DB_NAME"
SELECT 'CREATE ROLE $DB_USER LOGIN SUPERUSER'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') \gexec
SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_USER'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME') \gexec
EOF
    psql_admin --dbname="$DB_NAME" --command='SET client_min_messages = warning' \
        --command='CREATE EXTENSION IF NOT EXISTS postgis' ||
        die "could not create extension postgis in $DB_NAME"
}

start_server() {
    say "starting on 127.0.0.1:$PORT (log: $LOG)"
    if ! as_pg "$BIN/pg_ctl" start --pgdata="$DATA" --log="$LOG" --wait --timeout=120 >>"$LOG" 2>&1; then
        log_tail
        die "the server did not start (is port $PORT taken? set MINQING_PGPORT to use another)"
    fi
}

start() {
    ensure_packages
    ensure_pg_user
    prepare_base
    init_cluster
    local restarted=
    if is_running; then
        local running
        running="$(running_port)"
        [[ $running == "$PORT" ]] ||
            die "already running on port $running, not $PORT: run scripts/postgis.sh stop first"
        write_settings
        as_pg "$BIN/pg_ctl" reload --pgdata="$DATA" >>"$LOG" 2>&1 || true
        say "already running on port $PORT"
    else
        write_settings
        start_server
        restarted=1
    fi
    # pg_ctl's wait covers startup; pg_isready also confirms that connections are accepted on our socket.
    # A server seen running a moment ago may have just died (crash, kill): start it once more then.
    local i
    for ((i = 0; i < 60; i++)); do
        as_pg "$BIN/pg_isready" --quiet --host="$SOCK" --port="$PORT" && break
        if [[ -z $restarted ]] && ! is_running; then
            start_server
            restarted=1
        fi
        sleep 1
    done
    if ((i == 60)); then
        log_tail
        die "the server is not accepting connections after 60 s"
    fi
    ensure_database
    say "ready: $(url)"
}

stop() {
    if ! find_bin; then
        say "no PostgreSQL installed; nothing to stop"
        return 0
    fi
    resolve_base
    if ! is_running; then
        say "not running"
        return 0
    fi
    if ! as_pg "$BIN/pg_ctl" stop --pgdata="$DATA" --mode=fast --wait --timeout=60 >>"$LOG" 2>&1; then
        log_tail
        die "the server did not stop"
    fi
    say "stopped"
}

status() {
    if ! find_bin; then
        echo "not installed (no /usr/lib/postgresql/*/bin)"
        return 4
    fi
    resolve_base
    if [[ ! -f $DATA/PG_VERSION ]]; then
        echo "not initialised ($DATA); run: scripts/postgis.sh start"
        return 4
    fi
    if is_running; then
        echo "running: $(url) (data: $DATA, server: $BIN)"
        return 0
    fi
    echo "stopped (data: $DATA); run: scripts/postgis.sh start"
    return 3
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
url) url ;;
packages) packages ;;
*)
    echo "usage: $0 {start|stop|status|url|packages}" >&2
    exit 2
    ;;
esac
