#!/usr/bin/python3
"""Executes notebooks headless with Jupyter's nbclient and a named kernel; fails on any cell error.

Usage: /usr/bin/python3 scripts/run-notebooks.py [--kernel NAME] [--timeout SECONDS]
           [--output-dir DIR] NOTEBOOK...

Each notebook runs in its own folder (as in JupyterLab, so relative paths such as
`%jars ../target/vision-search-all.jar` work); the executed copy, outputs included, is written to
--output-dir. On an error it prints the notebook, the cell number, the cell's code and the
kernel's traceback, goes on with the next notebook, and exits 1 at the end.
Run by NotebooksIT (./mvnw verify); scripts/test.sh installs the Jupyter tools it needs.
"""
import argparse
import os
import re
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def failing_cell(nb):
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return index, cell, output
    return None, None, None


def run(path, kernel, timeout, output_dir):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel, allow_errors=False,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    started = time.monotonic()
    error = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
        error = e
    elapsed = time.monotonic() - started
    if output_dir:
        os.makedirs(output_dir, exist_ok=True)
        nbformat.write(nb, os.path.join(output_dir, os.path.basename(path)))
    name = os.path.basename(path)
    if error is None:
        cells = sum(1 for c in nb.cells if c.cell_type == "code")
        print(f"PASS {name}: {cells} code cells in {elapsed:.1f} s", flush=True)
        return True
    index, cell, output = failing_cell(nb)
    print(f"FAIL {name} after {elapsed:.1f} s", flush=True)
    if cell is not None:
        print(f"--- cell {index + 1} (of {len(nb.cells)}):")
        print(cell.source)
        print(f"--- {output.get('ename')}: {output.get('evalue')}")
        print("\n".join(ANSI.sub("", line) for line in output.get("traceback", [])))
    else:
        print(f"--- {type(error).__name__}: {ANSI.sub('', str(error))}")
    print("---", flush=True)
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel", default="vision-search-java")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("--output-dir")
    parser.add_argument("notebooks", nargs="+")
    args = parser.parse_args()
    started = time.monotonic()
    failed = [nb for nb in args.notebooks if not run(nb, args.kernel, args.timeout, args.output_dir)]
    total = time.monotonic() - started
    print(f"{len(args.notebooks) - len(failed)} of {len(args.notebooks)} notebooks passed in {total:.1f} s"
          + (f"; failed: {', '.join(os.path.basename(f) for f in failed)}" if failed else ""), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
