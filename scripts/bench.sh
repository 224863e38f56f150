#!/usr/bin/env bash
# Runs one benchmark harness from src/bench/java (not a test). Usage: scripts/bench.sh NAME [ARGS...]
# NAME is the class name without the package, e.g. AzureClientBenchmark. scripts/bench.sh lists them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ $# -eq 0 ]; then
  echo "usage: scripts/bench.sh NAME [ARGS...]; benchmarks:"; ls src/bench/java/visionsearch/bench | sed 's/\.java$//; s/^/  /'
  exit 2
fi
name="$1"; shift
./mvnw -B -q -DskipTests test-compile
./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath >/dev/null
exec java -Djava.awt.headless=true -Xmx8g -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" "visionsearch.bench.$name" "$@"
