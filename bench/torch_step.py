#!/usr/bin/python3
"""PyTorch reference for bench/step_bench.c: the same models, same batch, same
SGD learning rate, single-threaded, timed the same way.

Run with Debian's interpreter (python3-torch):  /usr/bin/python3 torch_step.py MODEL

Models: mlp_784_512_512_10 (batch 128) and logreg_784_10 (batch 32), their
Adam variants, and cnn_adam (the LeNet-style CNN of examples/cnn, batch 64).
nn.Linear stores its weight as [out, in] and computes x @ W^T (Adjoint stores
w as [in, out] and computes x @ w); the matmul shapes and FLOPs are identical.
The CNN uses nn.Conv2d on NCHW images (the layout PyTorch prefers; Adjoint
uses NHWC with HWCF filters): the convolution shapes and FLOPs are the same.

Each step is: opt.zero_grad(), forward, F.cross_entropy, backward, opt.step().
One fixed random batch (features N(0, 1), labels uniform in [0, classes)).
W warm-up steps, then R repetitions of N steps; prints

  pytorch <model> ms/step median <x> min <y>
  # pytorch <model> batch <B> steps <N> reps <R> loss <first> -> <last> threads 1

and exits 1 if the loss is not finite.
"""
import argparse
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

MODELS = {
    # name: (layer widths, batch, lr); names ending in _adam use Adam
    "mlp_784_512_512_10": ([784, 512, 512, 10], 128, 0.01),
    "logreg_784_10": ([784, 10], 32, 0.01),
    "mlp_784_512_512_10_adam": ([784, 512, 512, 10], 128, 0.001),
    "mlp_784_128_10_adam": ([784, 128, 10], 32, 0.001),
    "logreg_784_10_adam": ([784, 10], 32, 0.001),
    # the CNN: (None, batch, lr); built by build_cnn
    "cnn_adam": (None, 64, 0.001),
}


def build_cnn():
    """bench/models/cnn_adam.adj: conv 3x3 32 -> relu -> max-pool 2 ->
    conv 3x3 64 -> relu -> max-pool 2 -> flatten -> dense 128 -> relu ->
    dense 10, on [B, 1, 28, 28] images."""
    conv1, conv2 = nn.Conv2d(1, 32, 3), nn.Conv2d(32, 64, 3)
    fc1, fc2 = nn.Linear(1600, 128), nn.Linear(128, 10)
    for m in (conv1, conv2, fc1):
        nn.init.kaiming_normal_(m.weight, nonlinearity="relu")  # he_normal
        nn.init.zeros_(m.bias)
    nn.init.xavier_uniform_(fc2.weight)  # glorot_uniform
    nn.init.zeros_(fc2.bias)
    return nn.Sequential(conv1, nn.ReLU(), nn.MaxPool2d(2),
                         conv2, nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), fc1, nn.ReLU(), fc2)


def build(widths):
    layers = []
    for i in range(len(widths) - 1):
        lin = nn.Linear(widths[i], widths[i + 1])
        nn.init.zeros_(lin.bias)
        if i + 1 < len(widths) - 1:
            nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")  # he_normal
            layers += [lin, nn.ReLU()]
        elif len(widths) > 2:
            nn.init.xavier_uniform_(lin.weight)  # glorot_uniform
            layers.append(lin)
        else:
            nn.init.zeros_(lin.weight)  # logreg: zeros, as in the .adj
            layers.append(lin)
    return nn.Sequential(*layers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=sorted(MODELS))
    ap.add_argument("--steps", type=int, default=0,
                    help="steps per repetition (0 = calibrate to --min-rep-ms)")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--min-rep-ms", type=float, default=200.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.manual_seed(args.seed)

    widths, batch, lr = MODELS[args.model]
    if widths is None:
        model = build_cnn()
        x = torch.randn(batch, 1, 28, 28, dtype=torch.float32)
        classes = 10
    else:
        model = build(widths)
        x = torch.randn(batch, widths[0], dtype=torch.float32)
        classes = widths[-1]
    model.train()
    if args.model.endswith("_adam"):
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=lr)
    y = torch.randint(0, classes, (batch,), dtype=torch.int64)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    first = step().item()
    if not math.isfinite(first):
        print(f"torch_step: non-finite loss {first} after the first step",
              file=sys.stderr)
        return 1
    for _ in range(args.warmup):
        loss = step()

    steps = args.steps
    if steps <= 0:
        steps = 1
        while True:
            t0 = time.perf_counter()
            for _ in range(steps):
                loss = step()
            ms = (time.perf_counter() - t0) * 1e3
            if ms >= args.min_rep_ms:
                break
            nxt = int(steps * 1.2 * args.min_rep_ms / ms) + 1 if ms > 0 else steps * 10
            steps = max(steps + 1, min(nxt, steps * 10))

    per_step = []
    for r in range(max(1, args.reps)):
        t0 = time.perf_counter()
        for _ in range(steps):
            loss = step()
        per_step.append((time.perf_counter() - t0) * 1e3 / steps)
        value = loss.item()
        if not math.isfinite(value):
            print(f"torch_step: non-finite loss {value} in repetition {r + 1}",
                  file=sys.stderr)
            return 1

    print(f"pytorch {args.model} ms/step median {statistics.median(per_step):.4f} "
          f"min {min(per_step):.4f}")
    print(f"# pytorch {args.model} batch {batch} steps {steps} reps {len(per_step)} "
          f"loss {first:.5f} -> {loss.item():.5f} threads {torch.get_num_threads()} "
          f"torch {torch.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
