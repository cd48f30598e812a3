#!/usr/bin/python3
"""bench/kernels.py - per-kernel speed of generated train steps.

    /usr/bin/python3 bench/kernels.py [--reps=R] [--runs=K] [MODEL...]

For each model in bench/models (default: mlp_784_512_512_10_adam and
mlp_784_512_512_10), compiles the train step twice with `adjoint compile
--profile` (fused, and --no-fuse), times it with bench/step_bench.c, and
prints one line per matmul-class kernel of the step:

  ms/call, GFLOP/s, % of this machine's single-thread FMA peak (bench/peak.c),
  OpenBLAS sgemm GFLOP/s at the same shape and layout (bench/gemm_shapes.c),
  and for weight gradients fused with their optimizer update, the time the
  fused epilogue adds to the bare matmul (fused region / unfused matmul - 1).

Then the share of the step spent outside matmul-class kernels. Everything
is single-threaded and pinned to one CPU (taskset -c $BENCH_CPU, default 0).
Each figure is the median over K runs (default 3) of step_bench's own
median. The profile calls add ~50 ns per kernel; compare whole-step times
with bench/run.sh, not here.

Environment: ADJOINT, ADJOINT_BUILD, CC, BENCH_CPU as in bench/run.sh.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
ADJOINT = os.environ.get("ADJOINT", "/work/main/build/compiler/tools/adjoint")
BUILD = os.environ.get("ADJOINT_BUILD", "/work/main/build")
CC = os.environ.get("CC", "cc")
CPU = os.environ.get("BENCH_CPU", "0")
DEFAULT_MODELS = ["mlp_784_512_512_10_adam", "mlp_784_512_512_10"]

# A report line: ms/call, share, [GFLOP/s, [%peak]], then the region name
# "function | kernels | source".
LINE = re.compile(r"^\s*([0-9.]+)\s+([0-9.]+)%\s+(?:([0-9.]+)\s+(?:([0-9]+)%\s+)?)?"
                  r"(\S+_train_step) \| (.*) \| (\S+)$")
KERNEL = re.compile(r"(matmul(?:_tn)?|contraction|conv\S*) (\d+)x(\d+)x(\d+)")


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"kernels.py: {' '.join(cmd)} failed ({r.returncode}):\n"
                 f"{r.stdout}{r.stderr}")
    return r.stdout


def pin():
    return ["taskset", "-c", CPU] if shutil.which("taskset") else []


def build_step(tmp, model, extra, tag):
    src = os.path.join(BENCH, "models", model + ".adj")
    out = os.path.join(tmp, f"{model}{tag}")
    run([ADJOINT, "compile", src, "--profile", "-o", out] + extra, cwd=tmp)
    exe = out + ".step"
    run([CC, "-O2", "-std=c11", f"-I{REPO}/runtime/include", f"-I{tmp}",
         f'-DADJ_MODEL_HEADER="{model}{tag}.h"', f"-DADJ_MODEL_INFO={model}_info",
         os.path.join(BENCH, "step_bench.c"), out + ".o",
         os.path.join(BUILD, "runtime", "libadjoint_rt.a"), "-lz", "-lm",
         "-o", exe])
    return exe


def profile(exe, reps, runs, peak):
    """{(kernels, source): [ms per run]} and {(kernels, source): flops/call}."""
    ms, gflops = {}, {}
    for _ in range(runs):
        out = run(pin() + [exe, f"--reps={reps}", "--min-rep-ms=100",
                           f"--peak-mflops={int(peak * 1000)}"])
        for line in out.splitlines():
            m = LINE.match(line)
            if not m:
                continue
            key = (m.group(6), m.group(7))
            ms.setdefault(key, []).append(float(m.group(1)))
            if m.group(3):
                gflops[key] = float(m.group(3))
    return {k: statistics.median(v) for k, v in ms.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("models", nargs="*", default=DEFAULT_MODELS)
    args = ap.parse_args()
    for m in args.models:
        if not os.path.exists(os.path.join(BENCH, "models", m + ".adj")):
            sys.exit(f"kernels.py: unknown model {m}")
    os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")

    with tempfile.TemporaryDirectory(prefix="adjoint-kernels.") as tmp:
        peak_exe = os.path.join(tmp, "peak")
        run([CC, "-O2", "-march=native", "-ffp-contract=fast",
             os.path.join(BENCH, "peak.c"), "-o", peak_exe])
        peaks = []
        for _ in range(3):
            out = run(pin() + [peak_exe])
            peaks.append(float(out.split()[2]))
        peak = max(peaks)  # other load only ever lowers it
        gemm_exe = os.path.join(tmp, "gemm_shapes")
        run([CC, "-O2", os.path.join(BENCH, "gemm_shapes.c"), "-lopenblas",
             "-lm", "-o", gemm_exe])
        print(f"single-thread FMA peak (bench/peak.c, best of 3): {peak:.1f} GFLOP/s")

        blas_cache = {}

        def blas(mm, n, k, layout):
            key = (mm, n, k, layout)
            if key not in blas_cache:
                out = run(pin() + [gemm_exe, "--reps=5", f"{mm},{n},{k},{layout}"])
                blas_cache[key] = float(out.split()[-1])
            return blas_cache[key]

        for model in args.models:
            fused = profile(build_step(tmp, model, [], ""), args.reps, args.runs, peak)
            unfused = profile(build_step(tmp, model, ["--no-fuse"], ".nofuse"),
                              args.reps, args.runs, peak)
            total = sum(fused.values())
            print(f"\n{model}: train step {total:.3f} ms with profiling "
                  f"(median of {args.runs} runs)")
            print(f"{'kernel':44} {'ms':>8} {'GFLOP/s':>8} {'%peak':>6} "
                  f"{'OpenBLAS':>8} {'vs BLAS':>7} {'epilogue':>8}  source")
            in_kernels = 0.0
            for (what, src), t in fused.items():
                k = KERNEL.search(what)
                if not k:
                    continue
                kind, mm, n, kk = k.group(1), int(k.group(2)), int(k.group(3)), int(k.group(4))
                in_kernels += t
                gf = 2.0 * mm * n * kk / (t * 1e6)
                layout = "TN" if kind == "matmul_tn" else "NN"
                ob = blas(mm, n, kk, layout)
                epi = ""
                if what.startswith("update"):
                    bare = [u for (w, _), u in unfused.items() if w == k.group(0)]
                    if bare:
                        epi = f"{100.0 * (t / bare[0] - 1.0):+.1f}%"
                print(f"{what[:44]:44} {t:8.4f} {gf:8.1f} {100 * gf / peak:5.0f}% "
                      f"{ob:8.1f} {gf / ob:6.2f}x {epi:>8}  {src}")
            print(f"matmul-class kernels: {in_kernels:.3f} ms "
                  f"({100 * in_kernels / total:.0f}% of the step); "
                  f"everything else: {total - in_kernels:.3f} ms")
            others = sorted(((t, w) for (w, _), t in fused.items()
                             if not KERNEL.search(w)), reverse=True)[:5]
            print("largest other kernels: " +
                  "; ".join(f"{w} {t:.3f} ms" for t, w in others))
    return 0


if __name__ == "__main__":
    sys.exit(main())
