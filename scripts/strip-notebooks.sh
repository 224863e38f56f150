#!/usr/bin/env bash
# Strips outputs, execution counts and run metadata from notebooks before they are committed.
# Usage: scripts/strip-notebooks.sh [NOTEBOOK...]   (default: notebooks/*.ipynb)
#        scripts/strip-notebooks.sh --check [NOTEBOOK...]  exits 1 and names those that have outputs
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-jupyter.sh
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
if [ "$#" -eq 0 ]; then set -- notebooks/*.ipynb; fi
exec /usr/bin/python3 - "$check" "$@" <<'PY'
import sys, nbformat
check = sys.argv[1] == "1"
dirty = []
for path in sys.argv[2:]:
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "code":
            if cell.get("outputs") or cell.get("execution_count") is not None:
                changed = True
            cell["outputs"] = []
            cell["execution_count"] = None
        for key in ("execution", "collapsed", "scrolled"):
            if key in cell.get("metadata", {}):
                changed = True
                del cell["metadata"][key]
    for key in ("widgets",):
        if key in nb.metadata:
            changed = True
            del nb.metadata[key]
    if changed:
        dirty.append(path)
        if not check:
            nbformat.write(nb, path)
if check and dirty:
    print("notebooks with outputs (run scripts/strip-notebooks.sh): " + ", ".join(dirty), file=sys.stderr)
    sys.exit(1)
for path in dirty:
    print("stripped " + path)
PY
