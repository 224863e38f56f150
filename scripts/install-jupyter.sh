#!/usr/bin/env bash
# Installs Debian's Jupyter tools (nbconvert, nbclient, jupyter_client) for the notebook tests, once.
# They run on Debian's /usr/bin/python3, not on a pyenv or conda python3 that may come first on PATH.
# Idempotent: does nothing when /usr/bin/python3 can already import them.
set -euo pipefail
PY=/usr/bin/python3
if [ -x "$PY" ] && "$PY" -c 'import nbclient, nbconvert, nbformat, jupyter_client' 2>/dev/null; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "install-jupyter: no apt-get here; install nbconvert, nbclient and jupyter_client for $PY yourself" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
packages=(jupyter-nbconvert python3-nbclient jupyter-client python3-nbformat)
echo "install-jupyter: installing ${packages[*]} (Debian packages)..." >&2
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -q "${packages[@]}" >/dev/null; then
  $SUDO apt-get update -q >/dev/null
  $SUDO apt-get install -y -q "${packages[@]}" >/dev/null
fi
"$PY" -c 'import nbclient, nbconvert, nbformat, jupyter_client' \
  || { echo "install-jupyter: $PY still cannot import nbclient/nbconvert/jupyter_client" >&2; exit 1; }
