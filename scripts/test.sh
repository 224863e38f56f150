#!/usr/bin/env bash
# Runs every test, the same command for users and CI (.ci/run).
# Installs what the tests need where missing (PostgreSQL + pgvector, Jupyter's tools), starts a
# throwaway PostgreSQL on a free port, runs ./mvnw verify against it, and stops it again.
# Extra arguments go to Maven, e.g. scripts/test.sh -Dtest=VectorsTest
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# --- what the tests need, installed where missing (each line is idempotent) ---
scripts/install-pgvector.sh
scripts/install-jupyter.sh

# --- a throwaway PostgreSQL + pgvector (reused if scripts/pg.sh already started one), stopped on exit ---
if ! VISION_SEARCH_TEST_DATABASE_URL="$(scripts/pg.sh url 2>/dev/null)"; then
  trap 'scripts/pg.sh stop' EXIT
  VISION_SEARCH_TEST_DATABASE_URL="$(scripts/pg.sh start)"
fi
export VISION_SEARCH_TEST_DATABASE_URL

./mvnw -B verify "$@"
