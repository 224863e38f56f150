#!/usr/bin/env bash
# Runs every test, the same command for users and CI (.ci/run).
# Installs what the tests need where missing (PostgreSQL + pgvector, Jupyter's tools), starts a
# throwaway PostgreSQL on a free port, runs ./mvnw verify against it, and stops it again.
# Extra arguments go to Maven, e.g. scripts/test.sh -Dtest=VectorsTest
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./mvnw -B verify "$@"
