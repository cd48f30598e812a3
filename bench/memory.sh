#!/bin/bash
# Peak resident memory of the fused train step, the unfused one (--no-fuse)
# and PyTorch, for an MLP of ~53.6M parameters with Adam (batch 64), and the
# compile report of both Adjoint variants. Usage: bench/memory.sh [STEPS]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
ADJOINT="${ADJOINT:-$ROOT/build/compiler/tools/adjoint}"
BUILD="${ADJOINT_BUILD:-$ROOT/build}"
CC="${CC:-cc}"
STEPS="${1:-3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
PIN=""
command -v taskset >/dev/null && PIN="taskset -c 0"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

for variant in fused unfused; do
  flags=""
  [ "$variant" = unfused ] && flags="--no-fuse"
  echo "== adjoint ($variant) compile report"
  "$ADJOINT" compile "$HERE/models/mlp_53m_adam.adj" -o "$WORK/$variant" --report $flags 2>&1 | sed 's/^/  /'
  "$CC" -O2 -I"$WORK" -I"$ROOT/runtime/include" \
    -DADJ_MODEL_HEADER="\"$WORK/$variant.h\"" -DADJ_MODEL_INFO=big_info \
    "$HERE/mem_bench.c" "$WORK/$variant.o" "$BUILD/runtime/libadjoint_rt.a" -lz -lm \
    -o "$WORK/mem-$variant"
done
echo "== peak resident memory ($STEPS train steps, 1 thread)"
for variant in fused unfused; do
  printf "%-8s " "$variant"; $PIN "$WORK/mem-$variant" "$STEPS"
done
printf "%-8s " "pytorch"; $PIN /usr/bin/python3 "$HERE/mem_torch.py" "$STEPS"
