#!/usr/bin/env bash
# make bench: PyTorch's BPTT step (when torch can be had), then `plasticity bench` in one process
# (dgemm peak, every rule and model), compared against it. Writes results/pytorch-bench.json and
# results/bench.json. Torch lives in a virtual environment under .build (never a runtime dependency);
# it is installed there when missing: a CPU wheel from pip's find-links if one is there, else the
# CPU index, else PyPI. Without it the table has no PyTorch column.
set -u
BIN=${1:-.build/release/plasticity}
VENV=.build/bench-venv
PY=$VENV/bin/python
mkdir -p results

have_torch() { [ -x "$PY" ] && "$PY" -c 'import torch' >/dev/null 2>&1; }

if ! have_torch; then
  echo "installing CPU torch into $VENV (once)"
  [ -x "$PY" ] || python3 -m venv "$VENV" || true
  if [ -x "$PY" ]; then
    wheel=""
    for dir in ${PIP_FIND_LINKS:-}; do
      wheel=$(ls "$dir"/torch-*+cpu-*.whl 2>/dev/null | sort -V | tail -1)
      [ -n "$wheel" ] && break
    done
    if [ -n "$wheel" ]; then
      "$PY" -m pip install -q "$wheel" numpy || true
    fi
    have_torch || "$PY" -m pip install -q --retries 1 --timeout 20 torch numpy \
        --index-url https://download.pytorch.org/whl/cpu --extra-index-url https://pypi.org/simple || true
    have_torch || "$PY" -m pip install -q torch numpy || true
  fi
fi

torch_args=()
if have_torch; then
  "$PY" Benchmarks/pytorch_bench.py --threads 1 --json results/pytorch-bench.json && torch_args=(--pytorch results/pytorch-bench.json)
else
  echo "PyTorch not available: the table has no PyTorch column"
fi
"$BIN" bench --threads 1 --out results/bench.json "${torch_args[@]}" | tee results/bench.txt
