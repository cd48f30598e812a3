"""Trains a small MLP with every optimizer configuration in Adjoint and in
torch.optim from the same initial parameters and data, and requires the
parameters to agree within 1e-5 (relative to the parameter scale) after
100 steps.

usage: compare.py ADJOINT CC RT_INCLUDE RT_LIB WORKDIR
"""
import os
import subprocess
import sys

import numpy as np
import torch

ADJOINT, CC, RT_INCLUDE, RT_LIB, WORK = sys.argv[1:6]
HERE = os.path.dirname(os.path.abspath(__file__))
STEPS, BATCH, FEATURES, HIDDEN, CLASSES = 100, 16, 8, 16, 4

MODEL = """
model net(x: f32[B, {f}], y: i32[B]) {{
  param w1: f32[{f}, {h}] = glorot_uniform
  param b1: f32[{h}] = uniform(-0.1, 0.1)
  param w2: f32[{h}, {c}] = glorot_uniform
  param b2: f32[{c}] = zeros
  let h = tanh(x @ w1 + b1)
  loss softmax_cross_entropy(h @ w2 + b2, y)
}}
train net {{ optimizer {opt}  batch {b}  epochs 1  seed 5 }}
"""

# (adjoint optimizer text, torch constructor)
CONFIGS = [
    ("sgd(lr = 0.1)", lambda p: torch.optim.SGD(p, lr=0.1)),
    ("sgd(lr = 0.1, weight_decay = 0.01)",
     lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.01)),
    ("sgd(lr = 0.05, momentum = 0.9)",
     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    ("sgd(lr = 0.05, momentum = 0.9, dampening = 0.3, weight_decay = 0.001)",
     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.3,
                               weight_decay=0.001)),
    ("sgd(lr = 0.05, momentum = 0.9, nesterov = 1)",
     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True)),
    ("adam(lr = 0.01)", lambda p: torch.optim.Adam(p, lr=0.01)),
    ("adam(lr = 0.01, beta1 = 0.8, beta2 = 0.99, eps = 1e-6, weight_decay = 0.01)",
     lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-6,
                                weight_decay=0.01)),
    ("adam(lr = 0.01, amsgrad = 1)",
     lambda p: torch.optim.Adam(p, lr=0.01, amsgrad=True)),
    ("adamw(lr = 0.01)", lambda p: torch.optim.AdamW(p, lr=0.01)),
    ("adamw(lr = 0.01, weight_decay = 0.1, amsgrad = 1)",
     lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("adagrad(lr = 0.05)", lambda p: torch.optim.Adagrad(p, lr=0.05)),
    ("adagrad(lr = 0.05, lr_decay = 0.01, weight_decay = 0.01, initial_accumulator_value = 0.1)",
     lambda p: torch.optim.Adagrad(p, lr=0.05, lr_decay=0.01, weight_decay=0.01,
                                   initial_accumulator_value=0.1)),
    ("rmsprop(lr = 0.01)", lambda p: torch.optim.RMSprop(p, lr=0.01)),
    ("rmsprop(lr = 0.01, centered = 1, weight_decay = 0.01)",
     lambda p: torch.optim.RMSprop(p, lr=0.01, centered=True, weight_decay=0.01)),
    ("rmsprop(lr = 0.005, momentum = 0.9, alpha = 0.9)",
     lambda p: torch.optim.RMSprop(p, lr=0.005, momentum=0.9, alpha=0.9)),
    ("rmsprop(lr = 0.005, momentum = 0.5, centered = 1)",
     lambda p: torch.optim.RMSprop(p, lr=0.005, momentum=0.5, centered=True)),
]

SHAPES = [(FEATURES, HIDDEN), (HIDDEN,), (HIDDEN, CLASSES), (CLASSES,)]


def split(flat):
    out, at = [], 0
    for s in SHAPES:
        n = int(np.prod(s))
        out.append(flat[at:at + n].reshape(s))
        at += n
    return out


def main():
    rng = np.random.default_rng(1234)
    xs = rng.standard_normal((STEPS, BATCH, FEATURES)).astype(np.float32)
    ys = rng.integers(0, CLASSES, (STEPS, BATCH)).astype(np.int32)
    data = os.path.join(WORK, "data.bin")
    with open(data, "wb") as f:
        for s in range(STEPS):
            f.write(xs[s].tobytes())
            f.write(ys[s].tobytes())
    worst_all = 0.0
    failures = 0
    for i, (text, make) in enumerate(CONFIGS):
        d = os.path.join(WORK, "c%d" % i)
        os.makedirs(d, exist_ok=True)
        src = os.path.join(d, "net.adj")
        with open(src, "w") as f:
            f.write(MODEL.format(f=FEATURES, h=HIDDEN, c=CLASSES, b=BATCH,
                                 opt=text))
        subprocess.run([ADJOINT, "compile", src, "-o", os.path.join(d, "net")],
                       check=True)
        exe = os.path.join(d, "steps")
        subprocess.run([CC, "-O2", "-I" + d, "-I" + RT_INCLUDE,
                        '-DADJ_MODEL_HEADER="net.h"', "-DADJ_MODEL_INFO=net_info",
                        os.path.join(HERE, "steps.c"), os.path.join(d, "net.o"),
                        RT_LIB, "-lz", "-lm", "-o", exe], check=True)
        init, final = os.path.join(d, "init.bin"), os.path.join(d, "final.bin")
        subprocess.run([exe, data, init, final, str(STEPS)], check=True,
                       stdout=subprocess.DEVNULL)
        p0 = split(np.fromfile(init, dtype=np.float32))
        got = split(np.fromfile(final, dtype=np.float32))

        params = [torch.tensor(p, requires_grad=True) for p in p0]
        opt = make(params)
        for s in range(STEPS):
            x = torch.from_numpy(xs[s])
            y = torch.from_numpy(ys[s].astype(np.int64))
            h = torch.tanh(x @ params[0] + params[1])
            loss = torch.nn.functional.cross_entropy(h @ params[2] + params[3], y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        worst = 0.0
        for name, a, t in zip(["w1", "b1", "w2", "b2"], got, params):
            t = t.detach().numpy()
            err = np.max(np.abs(a - t)) / max(np.max(np.abs(t)), 1e-3)
            worst = max(worst, err)
        moved = max(np.max(np.abs(g - p)) for g, p in zip(got, p0))
        ok = worst <= 1e-5 and moved > 1e-3
        failures += not ok
        worst_all = max(worst_all, worst)
        print("%-4s %-90s max rel diff %.2e (params moved %.3f)" %
              ("ok" if ok else "FAIL", text, worst, moved))
    print("%d of %d optimizer configurations match torch.optim (worst %.2e)" %
          (len(CONFIGS) - failures, len(CONFIGS), worst_all))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
