# shellcheck shell=bash
# Shared helpers for the scripts in this folder. Source it; do not run it.
#
# It decides which Rust toolchain builds the project:
#   * a normal developer machine: the default rustup toolchain, when it is
#     rustc >= 1.96 (cargo-leptos 0.3.11 needs it) and has wasm32-unknown-unknown;
#   * otherwise the offline fallback: Debian's rustc-web toolchain, linked into
#     rustup as "debian-web" by scripts/setup (see scripts/setup for why).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Where scripts/services keeps its instances; a script that must kill and
# restart them (scripts/bench-outage) points PORTAL_LOCAL_DIR at its own.
LOCAL_DIR="${PORTAL_LOCAL_DIR:-$ROOT/.local}"
FALLBACK_TOOLCHAIN=debian-web
# moto's S3-compatible server (scripts/services' s3, for the attachment store's
# tests): a virtualenv per machine and version, shared by every checkout.
MOTO_VERSION=5.2.5
MOTO_VENV="${XDG_CACHE_HOME:-$HOME/.cache}/portal/moto-$MOTO_VERSION"
MIN_RUSTC_MINOR=96

export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"

log() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Prints "rustup" when the default toolchain can build everything, else "fallback".
toolchain_kind() {
  if [ -n "${PORTAL_TOOLCHAIN:-}" ]; then echo "$PORTAL_TOOLCHAIN"; return; fi
  command -v rustup >/dev/null 2>&1 || { echo fallback; return; }
  local minor
  minor="$(env -u RUSTUP_TOOLCHAIN rustc -V 2>/dev/null | awk '{print $2}' | cut -d. -f2)"
  if [ -n "$minor" ] && [ "$minor" -ge "$MIN_RUSTC_MINOR" ] &&
     env -u RUSTUP_TOOLCHAIN rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    echo rustup
  else
    echo fallback
  fi
}

# Exports RUSTUP_TOOLCHAIN for the fallback so every cargo call uses it.
use_toolchain() {
  if [ "$(toolchain_kind)" = fallback ]; then
    export RUSTUP_TOOLCHAIN="$FALLBACK_TOOLCHAIN"
  fi
}

# A TCP port nobody listens on right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The release site as users get it: the server binary, and WebAssembly, JS and
# CSS under content-hashed names (hash-files in Cargo.toml), each with .br and
# .gz files beside it (--precompress) that the server sends by Accept-Encoding.
build_release_site() {
  cargo leptos build --release --precompress
}

# Installs a Debian package a benchmark needs (wrk, haproxy) unless its
# command is already there.
need_package() { # $1 = command and package name
  command -v "$1" >/dev/null && return 0
  log "apt-get install $1"
  apt-get install -y -q "$1" >/dev/null || { apt-get update -q && apt-get install -y -q "$1"; }
}

# scripts/services on a Postgres and Redis of the caller's own under $1,
# which it may kill and restart. Called without the URLs in its environment:
# scripts/services leaves a service whose URL is set alone.
private_services() { # $1 = a folder the postgres user can traverse
  export PORTAL_LOCAL_DIR="$1/services"
  services() { env -u DATABASE_URL -u REDIS_URL "$ROOT/scripts/services" "$@"; }
}

# Signs up a customer through the form and opens the verification link, as a
# browser would; the session lands in the curl cookie jar $3.
sign_up_customer() { # $1 = base URL, $2 = organization name, $3 = cookie jar, $4 = email
  local post=(curl -fs -o /dev/null -c "$3" -b "$3" -H 'sec-fetch-site: same-origin')
  "${post[@]}" --data-urlencode organization_name="$2" --data-urlencode name="Pat Example" \
    --data-urlencode email="$4" --data-urlencode password="correct horse battery staple 42" \
    "$1/api/auth/sign_up"
  local token
  token="$(psql -Atq "$DATABASE_URL" -c "select data->>'token' from notification where recipient = '$4' and template = 'verify_email'")"
  "${post[@]}" --data-urlencode token="$token" "$1/api/auth/verify_email"
}

# ---------------------------------------------------------- query metadata
# .sqlx/ holds what each compile-checked query looks like against the current
# migrations. To check or rewrite it, a build runs the query macros online
# (SQLX_OFFLINE=false) against a freshly migrated scratch database; with
# SQLX_OFFLINE_DIR set they describe every query into that folder, which is
# then compared with (or becomes) .sqlx/. Needs DATABASE_URL for the server.
QUERY_CRATES=(backend server bench) # the crates that hold query macros

# Creates and migrates the scratch database; prints its URL.
query_scratch_database() {
  local base="${DATABASE_URL%/*}" scratch=portal_sqlx_prepare migration
  psql -q "$base/postgres" -c "drop database if exists $scratch" -c "create database $scratch" 2>/dev/null
  for migration in "$ROOT"/migrations/*.sql; do
    psql -q "$base/$scratch" -v ON_ERROR_STOP=1 -f "$migration" >&2 || return 1
  done
  echo "$base/$scratch"
}

# Marks every source of the query crates changed, so the next build of them
# expands each query macro again instead of reusing an earlier expansion.
touch_query_crates() {
  local crate
  for crate in "${QUERY_CRATES[@]}"; do find "$ROOT/$crate" -name '*.rs' -exec touch {} +; done
}

# Compares the described queries in $1 with .sqlx/; says what differs.
compare_query_metadata() { # $1 = folder the macros wrote into
  if diff -r -q "$1" "$ROOT/.sqlx" >/dev/null; then
    log ".sqlx/ is up to date ($(find "$1" -name '*.json' | wc -l) queries)"
    return 0
  fi
  diff -r -q "$1" "$ROOT/.sqlx" | sed "s|$1|(queries now)|; s|$ROOT/||" >&2 || true
  printf 'error: %s\n' ".sqlx/ is stale: run scripts/sqlx-prepare and commit the result" >&2
  return 1
}
