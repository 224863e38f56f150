#!/usr/bin/env bash
# Installs the pgvector extension (0.8 or newer) into the local PostgreSQL when it is missing.
# Idempotent: does nothing when vector.control is already in PostgreSQL's extension directory.
# Order: the distro package postgresql-$PGMAJOR-pgvector (only if it is >= 0.8), else build
# Debian's pgvector source package (trixie, 0.8.x) against the local server headers.
# Needs root (or sudo) on Debian/Ubuntu. Elsewhere it prints what to do instead.
# Usage: scripts/install-pgvector.sh        (PG_CONFIG=/path/to/pg_config to choose a server)
set -euo pipefail

MIN_VERSION=0.8.0
log() { echo "install-pgvector: $*" >&2; }

find_pg_config() {
  if [ -n "${PG_CONFIG:-}" ]; then echo "$PG_CONFIG"; return; fi
  local c
  for c in $(ls -d /usr/lib/postgresql/*/bin/pg_config 2>/dev/null | sort -V -r); do echo "$c"; return; done
  command -v pg_config || true
}

other_systems() {
  cat >&2 <<'MSG'
install-pgvector: could not install pgvector automatically on this system. Options:
  - macOS (Homebrew):   brew install pgvector
  - Debian/Ubuntu with the PGDG apt repository: apt-get install postgresql-NN-pgvector (NN = server major version)
  - RHEL/Fedora (PGDG): dnf install pgvector_NN
  - from source:        git clone --branch v0.8.0 https://github.com/pgvector/pgvector && cd pgvector && make && sudo make install
  - Docker:             docker run -e POSTGRES_PASSWORD=... -p 5432:5432 pgvector/pgvector:pg17
  - Azure Database for PostgreSQL flexible server: allow-list VECTOR in the azure.extensions server parameter
Then set DATABASE_URL (or VISION_SEARCH_TEST_DATABASE_URL for the tests) to that server.
MSG
}

PG_CONFIG_BIN="$(find_pg_config)"
if [ -z "$PG_CONFIG_BIN" ] || [ ! -x "$PG_CONFIG_BIN" ]; then
  log "no PostgreSQL server found (no pg_config). Install PostgreSQL first, e.g. apt-get install postgresql."
  other_systems
  exit 1
fi
SHAREDIR="$("$PG_CONFIG_BIN" --sharedir)"
PGMAJOR="$("$PG_CONFIG_BIN" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')"

installed_version() {
  [ -f "$SHAREDIR/extension/vector.control" ] || return 1
  sed -nE "s/^default_version *= *'([^']+)'.*/\1/p" "$SHAREDIR/extension/vector.control"
}

version_ok() { # $1 >= MIN_VERSION
  [ "$(printf '%s\n%s\n' "$MIN_VERSION" "$1" | sort -V | head -n1)" = "$MIN_VERSION" ]
}

if v="$(installed_version)"; then
  if version_ok "$v"; then
    log "pgvector $v already installed for PostgreSQL $PGMAJOR ($SHAREDIR/extension/vector.control); nothing to do."
    exit 0
  fi
  log "pgvector $v is installed but $MIN_VERSION or newer is needed (HNSW, halfvec, iterative scans); upgrading."
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else log "not root and no sudo"; other_systems; exit 1; fi
fi
if ! command -v apt-get >/dev/null; then
  log "apt-get not found: not a Debian-like system."
  other_systems
  exit 1
fi
APT=($SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -q)

log "updating the apt package lists"
"${APT[@]}" update >/dev/null

# 1. The distro package, if it is new enough (0.8+: HNSW, halfvec, iterative scans; Debian bookworm has none).
pkg="postgresql-$PGMAJOR-pgvector"
cand="$(apt-cache policy "$pkg" 2>/dev/null | sed -nE 's/^ *Candidate: *([0-9.]+).*/\1/p' | head -n1)"
if [ -n "$cand" ] && [ "$cand" != "(none)" ] && version_ok "$cand"; then
  log "installing the distro package $pkg $cand"
  "${APT[@]}" install "$pkg" >/dev/null
  if installed_version >/dev/null; then log "installed $pkg $(installed_version)"; exit 0; fi
  log "$pkg installed but vector.control is not in $SHAREDIR/extension; falling back to a source build"
else
  log "distro package $pkg is ${cand:-not available}; need >= $MIN_VERSION, building from Debian's source package instead"
fi

# 2. Build Debian's pgvector source package (from trixie, 0.8.x) against the local server.
SRC_LIST=/etc/apt/sources.list.d/vision-search-trixie-src.sources
if [ ! -f "$SRC_LIST" ]; then
  log "adding a deb-src entry for Debian trixie main ($SRC_LIST)"
  $SUDO tee "$SRC_LIST" >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  "${APT[@]}" update >/dev/null
fi
log "installing build dependencies: postgresql-server-dev-$PGMAJOR dpkg-dev make gcc"
"${APT[@]}" install --no-install-recommends "postgresql-server-dev-$PGMAJOR" dpkg-dev make gcc >/dev/null

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
log "fetching the pgvector source package into $work"
apt-get source --download-only pgvector >/dev/null 2>&1 || apt-get source pgvector >/dev/null
dpkg-source -x --no-check ./pgvector_*.dsc src >/dev/null 2>&1 || true
if [ ! -d src ]; then dir="$(ls -d pgvector-*/ | head -n1)"; mv "$dir" src; fi
cd src
log "building pgvector $(sed -nE "s/^default_version *= *'([^']+)'.*/\1/p" vector.control) with PG_CONFIG=$PG_CONFIG_BIN"
make -s PG_CONFIG="$PG_CONFIG_BIN" >/dev/null
$SUDO make -s PG_CONFIG="$PG_CONFIG_BIN" install >/dev/null
if v="$(installed_version)" && version_ok "$v"; then
  log "installed pgvector $v for PostgreSQL $PGMAJOR"
else
  log "the build finished but pgvector >= $MIN_VERSION is not in $SHAREDIR/extension"
  other_systems
  exit 1
fi
