"""Compares parameter files written by a trainer's --save-params (every
parameter in declaration order, raw little-endian float32, concatenated).

  compare_params.py --sizes=N1,N2,... [--zero=I,J,...] [--tol=X] INIT A B

INIT holds the initial parameters (--epochs=0), A and B two trainings that
must agree. Checks that every file has exactly sum(N) values, that the
parameters listed in --zero (0-based, e.g. the biases of a zeros
initializer) are all zero in INIT and nonzero in A (which locates each
parameter in the file), that training changed every parameter, and that A and
B agree: max |A - B| / max |B| <= tol (default 1e-5) per parameter. Prints
one line per parameter and exits 1 if a check fails.
"""
import argparse
import sys

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", required=True)
    ap.add_argument("--zero", default="")
    ap.add_argument("--tol", type=float, default=1e-5)
    ap.add_argument("init")
    ap.add_argument("a")
    ap.add_argument("b")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    zero = {int(s) for s in args.zero.split(",") if s}
    files = {}
    for name in ("init", "a", "b"):
        path = getattr(args, name)
        data = np.fromfile(path, "<f4")
        if data.size != sum(sizes):
            print("%s: %d values, expected %d FAILED" % (path, data.size, sum(sizes)))
            return 1
        if not np.all(np.isfinite(data)):
            print("%s: non-finite values FAILED" % path)
            return 1
        files[name] = data
    failures = 0
    offset = 0
    for i, n in enumerate(sizes):
        init, a, b = (files[k][offset:offset + n] for k in ("init", "a", "b"))
        offset += n
        problems = []
        if i in zero and (np.any(init != 0) or np.all(a == 0)):
            problems.append("not where a zero-initialized parameter belongs")
        change = np.max(np.abs(a - init)) / max(np.max(np.abs(a)), 1e-30)
        if change < 1e-3:
            problems.append("training did not change it")
        diff = np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30)
        if diff > args.tol:
            problems.append("differs by more than %.0e" % args.tol)
        failures += bool(problems)
        print("param %d (%d values): changed by %.1e, max rel diff %.1e %s" % (
            i, n, change, diff, "ok" if not problems else "FAILED: " + "; ".join(problems)))
    print("all parameters agree" if failures == 0 else "%d parameters differ" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
