#!/usr/bin/env bash
# bench/run.sh - Adjoint vs PyTorch: time of one train step, single thread.
#
#   bench/run.sh [--runs=K] [--reps=R] [--gemm] [--no-libtorch] [--check-floor]
#                [--all] [MODEL...]
#
# Builds everything it needs in a mktemp directory (removed on exit):
#   adjoint compile bench/models/MODEL.adj -> MODEL.o + MODEL.h
#   cc bench/step_bench.c MODEL.o libadjoint_rt.a -lz -lm
#   c++ bench/libtorch_step.cpp -ltorch -ltorch_cpu -lc10   (libtorch-dev)
# then, for each model, runs the Adjoint harness, bench/torch_step.py
# (PyTorch from Python) and libtorch_step (PyTorch from C++, no Python)
# alternately K times (default 3) and reports the median over runs of each
# run's median ms/step; the ratio is against the faster of the two PyTorch
# peers. Everything runs single-threaded: OMP_NUM_THREADS=1
# (and the OpenBLAS/MKL equivalents), torch.set_num_threads(1), and pinned
# with `taskset -c $BENCH_CPU` (default CPU 0) when taskset is available.
#
# Options:
#   --runs=K        alternating runs per benchmark (default 3)
#   --reps=R        timed repetitions inside one run (default 7)
#   --min-rep-ms=T  steps per repetition are calibrated so a repetition
#                   takes >= T ms (default 200)
#   --gemm          also build and run bench/gemm_shapes.c (OpenBLAS sgemm on
#                   the MLP's matmul shapes; needs cblas.h and -lopenblas)
#   --no-libtorch   skip the C++ peer (building it takes ~40 s)
#   --all           all models below (default: the two SGD models)
#   --check-floor   exit 3 if a model is below the project floor
#                   (Adjoint steps/s >= 0.5x PyTorch on the MLP, >= 2x on
#                   logistic regression)
#   MODEL...        subset of: mlp_784_512_512_10 logreg_784_10 (the default)
#                   mlp_784_512_512_10_adam mlp_784_128_10_adam logreg_784_10_adam
#                   cnn_adam (the LeNet-style CNN of examples/cnn; its FLOP
#                   count is the convolutions' and matmuls', see below)
#
# Environment:
#   ADJOINT        the compiler   (default /work/main/build/compiler/tools/adjoint)
#   ADJOINT_BUILD  build tree with runtime/libadjoint_rt.a (default /work/main/build)
#   ADJOINT_INCLUDE runtime headers (default <repo>/runtime/include)
#   PYTHON         interpreter with torch (default /usr/bin/python3)
#   CC             C compiler (default cc);  CFLAGS (default -O2)
#   CXX            C++ compiler for the libtorch peer (default g++, the
#                  compiler libtorch-dev was built with)
#   BENCH_CPU      CPU to pin to (default 0)
#
# Exit status: 0 ok, 1 a build or benchmark step failed, 2 usage, 3 floor
# missed (only with --check-floor).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
ADJOINT=${ADJOINT:-/work/main/build/compiler/tools/adjoint}
ADJOINT_BUILD=${ADJOINT_BUILD:-/work/main/build}
ADJOINT_INCLUDE=${ADJOINT_INCLUDE:-$REPO_DIR/runtime/include}
PYTHON=${PYTHON:-/usr/bin/python3}
CC=${CC:-cc}
CFLAGS=${CFLAGS:--O2}
CXX=${CXX:-g++}
LIBTORCH=1
BENCH_CPU=${BENCH_CPU:-0}

RUNS=3
REPS=7
MIN_REP_MS=200
GEMM=0
CHECK_FLOOR=0
ALL_MODELS=(mlp_784_512_512_10 logreg_784_10 mlp_784_512_512_10_adam mlp_784_128_10_adam logreg_784_10_adam cnn_adam)
DEFAULT_MODELS=(mlp_784_512_512_10 logreg_784_10)
MODELS=()

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() { echo "run.sh: $*" >&2; exit 1; }

for arg in "$@"; do
  case $arg in
    --runs=*) RUNS=${arg#*=} ;;
    --reps=*) REPS=${arg#*=} ;;
    --min-rep-ms=*) MIN_REP_MS=${arg#*=} ;;
    --gemm) GEMM=1 ;;
    --no-libtorch) LIBTORCH=0 ;;
    --check-floor) CHECK_FLOOR=1 ;;
    --all) MODELS=("${ALL_MODELS[@]}") ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "run.sh: unknown option $arg" >&2; usage >&2; exit 2 ;;
    *)
      found=0
      for m in "${ALL_MODELS[@]}"; do [[ $m == "$arg" ]] && found=1; done
      [[ $found == 1 ]] || { echo "run.sh: unknown model $arg (known: ${ALL_MODELS[*]})" >&2; exit 2; }
      MODELS+=("$arg") ;;
  esac
done
[[ ${#MODELS[@]} -gt 0 ]] || MODELS=("${DEFAULT_MODELS[@]}")
for v in "$RUNS" "$REPS" "$MIN_REP_MS"; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: expected a positive integer, got '$v'" >&2; exit 2; }
done

RT_LIB=$ADJOINT_BUILD/runtime/libadjoint_rt.a
[[ -x $ADJOINT ]] || die "compiler not found: $ADJOINT (set ADJOINT)"
[[ -f $RT_LIB ]] || die "runtime library not found: $RT_LIB (set ADJOINT_BUILD)"
[[ -f $ADJOINT_INCLUDE/adjoint/runtime.h ]] || die "runtime headers not found in $ADJOINT_INCLUDE (set ADJOINT_INCLUDE)"
[[ -x $PYTHON ]] || die "python not found: $PYTHON (set PYTHON)"
"$PYTHON" -c 'import torch' 2>/dev/null || die "$PYTHON cannot import torch"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/adjoint-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
PIN=()
if command -v taskset >/dev/null 2>&1 && taskset -c "$BENCH_CPU" true 2>/dev/null; then
  PIN=(taskset -c "$BENCH_CPU")
fi

# ---------------------------------------------------------------- build
for m in "${MODELS[@]}"; do
  src=$BENCH_DIR/models/$m.adj
  [[ -f $src ]] || die "model file missing: $src"
  (cd "$TMP" && "$ADJOINT" compile "$src" -o "$m") >"$TMP/$m.compile.log" 2>&1 ||
    { cat "$TMP/$m.compile.log" >&2; die "adjoint compile failed for $m"; }
  # shellcheck disable=SC2086
  "$CC" $CFLAGS -std=c11 -I"$ADJOINT_INCLUDE" -I"$TMP" \
    -DADJ_MODEL_HEADER="\"$m.h\"" -DADJ_MODEL_INFO="${m}_info" \
    "$BENCH_DIR/step_bench.c" "$TMP/$m.o" "$RT_LIB" -lz -lm -o "$TMP/step_$m" \
    >"$TMP/$m.cc.log" 2>&1 ||
    { cat "$TMP/$m.cc.log" >&2; die "building step_bench for $m failed"; }
done
if [[ $LIBTORCH == 1 ]]; then
  [[ -f /usr/include/torch/csrc/api/include/torch/torch.h ]] ||
    die "libtorch headers not found (install libtorch-dev, or pass --no-libtorch)"
  "$CXX" -O2 -std=c++17 -I/usr/include/torch/csrc/api/include \
    "$BENCH_DIR/libtorch_step.cpp" -ltorch -ltorch_cpu -lc10 \
    -o "$TMP/libtorch_step" >"$TMP/libtorch.cc.log" 2>&1 ||
    { cat "$TMP/libtorch.cc.log" >&2; die "building libtorch_step failed"; }
fi
if [[ $GEMM == 1 ]]; then
  # shellcheck disable=SC2086
  "$CC" $CFLAGS "$BENCH_DIR/gemm_shapes.c" -lopenblas -lm -o "$TMP/gemm_shapes" \
    >"$TMP/gemm.cc.log" 2>&1 ||
    { cat "$TMP/gemm.cc.log" >&2; die "building gemm_shapes failed (needs libopenblas-dev)"; }
fi

# ---------------------------------------------------------------- run
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)
rev=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
torch_ver=$("$PYTHON" -c 'import torch; print(torch.__version__)')
echo "adjoint bench  $(date -u +%Y-%m-%dT%H:%M:%SZ)  rev $rev"
echo "cpu: ${cpu:-unknown}  pinned: ${PIN[*]:-no (taskset unavailable)}  threads: 1"
adj_mtime=$(date -u -r "$ADJOINT" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || echo unknown)
echo "compiler: $ADJOINT (modified $adj_mtime; may include uncommitted changes)"
echo "pytorch $torch_ver ($PYTHON)  runs $RUNS x reps $REPS (>= $MIN_REP_MS ms each)"
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
if awk -v l="$load" -v n="$ncpu" 'BEGIN { exit !(l > 0.5 * n) }'; then
  echo "WARNING: load average $load on $ncpu CPUs: other work is running, timings will be noisy"
fi
echo

median() { sort -g | awk '{v[NR]=$1} END{if(NR==0)exit 1; if(NR%2)print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

declare -A A_MS P_MS L_MS BATCH MACS
for m in "${MODELS[@]}"; do
  : >"$TMP/$m.adj.ms"; : >"$TMP/$m.pt.ms"; : >"$TMP/$m.lt.ms"
  for ((r = 1; r <= RUNS; r++)); do
    "${PIN[@]}" "$TMP/step_$m" --reps="$REPS" --min-rep-ms="$MIN_REP_MS" \
      >"$TMP/out" 2>"$TMP/err" ||
      { cat "$TMP/out" "$TMP/err" >&2; die "adjoint benchmark of $m failed (run $r)"; }
    sed 's/^/  /' "$TMP/out"
    awk -v m="$m" '$1=="adjoint" && $2==m && $3=="ms/step" {print $5}' "$TMP/out" >>"$TMP/$m.adj.ms"
    BATCH[$m]=$(awk '$2=="adjoint" && /matmul_macs/ {for(i=1;i<NF;i++) if($i=="batch") print $(i+1)}' "$TMP/out")
    MACS[$m]=$(awk '$2=="adjoint" && /matmul_macs/ {print $NF}' "$TMP/out")

    "${PIN[@]}" "$PYTHON" "$BENCH_DIR/torch_step.py" "$m" --reps="$REPS" \
      --min-rep-ms="$MIN_REP_MS" >"$TMP/out" 2>"$TMP/err" ||
      { cat "$TMP/out" "$TMP/err" >&2; die "pytorch benchmark of $m failed (run $r)"; }
    sed 's/^/  /' "$TMP/out"
    awk -v m="$m" '$1=="pytorch" && $2==m && $3=="ms/step" {print $5}' "$TMP/out" >>"$TMP/$m.pt.ms"

    if [[ $LIBTORCH == 1 ]]; then
      "${PIN[@]}" "$TMP/libtorch_step" "$m" --reps="$REPS" \
        --min-rep-ms="$MIN_REP_MS" >"$TMP/out" 2>"$TMP/err" ||
        { cat "$TMP/out" "$TMP/err" >&2; die "libtorch benchmark of $m failed (run $r)"; }
      sed 's/^/  /' "$TMP/out"
      awk -v m="$m" '$1=="libtorch" && $2==m && $3=="ms/step" {print $5}' "$TMP/out" >>"$TMP/$m.lt.ms"
    fi
  done
  [[ $(wc -l <"$TMP/$m.adj.ms") == "$RUNS" && $(wc -l <"$TMP/$m.pt.ms") == "$RUNS" ]] ||
    die "could not parse the benchmark output for $m"
  [[ -n ${BATCH[$m]} && -n ${MACS[$m]} ]] || die "could not parse batch/matmul_macs for $m"
  A_MS[$m]=$(median <"$TMP/$m.adj.ms")
  P_MS[$m]=$(median <"$TMP/$m.pt.ms")
  L_MS[$m]=-
  if [[ $LIBTORCH == 1 ]]; then
    [[ $(wc -l <"$TMP/$m.lt.ms") == "$RUNS" ]] || die "could not parse the libtorch output for $m"
    L_MS[$m]=$(median <"$TMP/$m.lt.ms")
  fi
done

if [[ $GEMM == 1 ]]; then
  echo
  echo "OpenBLAS sgemm on the MLP's matmul shapes (single thread):"
  "${PIN[@]}" "$TMP/gemm_shapes" --reps="$REPS" >"$TMP/out" 2>"$TMP/err" ||
    { cat "$TMP/out" "$TMP/err" >&2; die "gemm_shapes failed"; }
  sed 's/^/  /' "$TMP/out"
fi

# ---------------------------------------------------------------- table
echo
echo "median over $RUNS runs of the per-run median ms/step; ratio = faster PyTorch ms (Python or libtorch)"
echo "/ Adjoint ms (speedup of Adjoint)"
echo "GFLOP/s = FLOP / time with FLOP per step = 2 * 3 * sum of matmul MACs (forward MACs = B * in * out per"
echo "weight matrix; x3 for forward + dW + dX, x2 for multiply-add; dX of the first layer is counted although"
echo "neither implementation computes it). cnn_adam: step_bench's matmul_macs counts only the rank-2 weights, so"
echo "its FLOP are given here: 2 * (forward MACs of conv1, conv2, dense1, dense2) * 3, minus conv1's input"
echo "gradient, which neither computes (conv MACs = B * OH * OW * KH * KW * C * F)"
echo
# FLOP per step of models that are not plain MLPs (0: 6 * matmul_macs).
step_flop() {
  case $1 in
    cnn_adam)
      # B = 64: conv1 26x26x(3x3x1)x32, conv2 11x11x(3x3x32)x64, dense
      # 1600x128 and 128x10; forward + filter/weight gradient for all,
      # input gradient for all but conv1.
      awk 'BEGIN { B = 64; c1 = B * 26 * 26 * 9 * 1 * 32; c2 = B * 11 * 11 * 9 * 32 * 64;
                   d = B * 1600 * 128 + B * 128 * 10; print 2 * (2 * c1 + 3 * (c2 + d)) }' ;;
    *) echo 0 ;;
  esac
}
floor_missed=0
printf '%-24s %5s %11s %11s %11s %8s %8s %11s %11s  %s\n' model batch adjoint_ms pytorch_ms libtorch_ms ratio floor adj_GFLOP/s pt_GFLOP/s status
for m in "${MODELS[@]}"; do
  case $m in
    mlp_784_512_512_10_adam) floor=1.1 ;;
    mlp_784_128_10_adam) floor=2 ;;
    logreg_784_10_adam) floor=4 ;;
    cnn_adam) floor=1.5 ;;
    mlp_*) floor=0.5 ;;
    logreg_*) floor=2 ;;
    *) floor=0 ;;
  esac
  read -r ratio adj_gf pt_gf status < <(awk -v a="${A_MS[$m]}" -v p="${P_MS[$m]}" \
    -v l="${L_MS[$m]}" -v macs="${MACS[$m]}" -v f="$floor" -v flop="$(step_flop "$m")" 'BEGIN {
      if (l != "-" && l + 0 < p + 0) p = l;
      r = p / a; fl = flop > 0 ? flop : 6 * macs;
      printf "%.2f %.1f %.1f %s\n", r, fl / (a * 1e6), fl / (p * 1e6), (r >= f ? "ok" : "BELOW-FLOOR") }')
  [[ $status == ok ]] || floor_missed=1
  printf '%-24s %5s %11.4f %11.4f %11s %7sx %7sx %11s %11s  %s\n' "$m" "${BATCH[$m]}" \
    "${A_MS[$m]}" "${P_MS[$m]}" "${L_MS[$m]}" "$ratio" "$floor" "$adj_gf" "$pt_gf" "$status"
done

if [[ $floor_missed == 1 ]]; then
  echo
  echo "note: at least one model is below the project floor (Adjoint >= 0.5x PyTorch on the MLP, >= 2x on logreg,"
  echo ">= 1.5x on the CNN)"
  [[ $CHECK_FLOOR == 1 ]] && exit 3
fi
exit 0
