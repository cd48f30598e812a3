"""Trains a small MLP with every optimizer configuration, learning-rate
schedule and gradient clipping in Adjoint and in torch.optim (+ torch.optim.lr_scheduler, stepped
after every optimizer step) from the same initial parameters and data, and
requires the parameters to agree within 1e-5 (relative to the parameter
scale) after 100 steps. Each configuration is built fused and with
--no-fuse; the two must agree within 1e-5 too (they differ only where LLVM
contracts a multiply-add into an FMA in one variant and not the other; Adam
amplifies such last-bit differences of small gradients).

usage: compare.py ADJOINT CC RT_INCLUDE RT_LIB WORKDIR
"""
import os
import subprocess
import sys

import warnings

import numpy as np
import torch

ADJOINT, CC, RT_INCLUDE, RT_LIB, WORK = sys.argv[1:6]
warnings.filterwarnings("ignore", category=UserWarning)
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

S = torch.optim.lr_scheduler


def sequential(opt, warm, main):
    return S.SequentialLR(opt, [warm, main], milestones=[warm.total_iters])


# Learning-rate schedules, stepped once per optimizer step (optimizer text
# including the schedule, torch constructor returning (optimizer, scheduler)).
SCHEDULES = [
    ("sgd(lr = 0.1)  schedule step(step_size = 30, gamma = 0.5)",
     lambda p: (lambda o: (o, S.StepLR(o, 30, 0.5)))(torch.optim.SGD(p, lr=0.1))),
    ("sgd(lr = 0.1)  schedule multistep(milestones = [20, 50, 70], gamma = 0.3)",
     lambda p: (lambda o: (o, S.MultiStepLR(o, [20, 50, 70], 0.3)))(
         torch.optim.SGD(p, lr=0.1))),
    ("sgd(lr = 0.1)  schedule exponential(gamma = 0.98)",
     lambda p: (lambda o: (o, S.ExponentialLR(o, 0.98)))(torch.optim.SGD(p, lr=0.1))),
    ("sgd(lr = 0.1)  schedule cosine(t_max = 60, eta_min = 0.01)",
     lambda p: (lambda o: (o, S.CosineAnnealingLR(o, 60, 0.01)))(
         torch.optim.SGD(p, lr=0.1))),
    ("sgd(lr = 0.1)  schedule cosine_restarts(t_0 = 10, t_mult = 2, eta_min = 0.001)",
     lambda p: (lambda o: (o, S.CosineAnnealingWarmRestarts(o, 10, 2, 0.001)))(
         torch.optim.SGD(p, lr=0.1))),
    ("sgd(lr = 0.1)  schedule cosine_restarts(t_0 = 15)",
     lambda p: (lambda o: (o, S.CosineAnnealingWarmRestarts(o, 15)))(
         torch.optim.SGD(p, lr=0.1))),
    ("sgd(lr = 0.1)  schedule onecycle(max_lr = 0.3, total_steps = 100)",
     lambda p: (lambda o: (o, S.OneCycleLR(o, 0.3, total_steps=100,
                                           cycle_momentum=False)))(
         torch.optim.SGD(p, lr=0.1))),
    ("sgd(lr = 0.1)  warmup linear(total_iters = 10, start_factor = 0.1)",
     lambda p: (lambda o: (o, S.LinearLR(o, 0.1, total_iters=10)))(
         torch.optim.SGD(p, lr=0.1))),
    ("sgd(lr = 0.1)  warmup linear(total_iters = 10, start_factor = 0.1)  schedule cosine(t_max = 90)",
     lambda p: (lambda o: (o, sequential(o, S.LinearLR(o, 0.1, total_iters=10),
                                         S.CosineAnnealingLR(o, 90))))(
         torch.optim.SGD(p, lr=0.1))),
    ("adam(lr = 0.01)  warmup linear(total_iters = 20)  schedule step(step_size = 25, gamma = 0.5)",
     lambda p: (lambda o: (o, sequential(o, S.LinearLR(o, 1 / 3, total_iters=20),
                                         S.StepLR(o, 25, 0.5))))(
         torch.optim.Adam(p, lr=0.01))),
]

# Gradient clipping (torch.nn.utils, between backward and step).
CLIPS = [
    ("sgd(lr = 0.5)  clip value(max = 0.01)",
     lambda p: (torch.optim.SGD(p, lr=0.5), None),
     lambda p: torch.nn.utils.clip_grad_value_(p, 0.01)),
    ("adam(lr = 0.01, weight_decay = 0.01)  clip value(max = 0.005)",
     lambda p: (torch.optim.Adam(p, lr=0.01, weight_decay=0.01), None),
     lambda p: torch.nn.utils.clip_grad_value_(p, 0.005)),
    ("sgd(lr = 0.5, momentum = 0.9)  clip norm(max_norm = 0.05)",
     lambda p: (torch.optim.SGD(p, lr=0.5, momentum=0.9), None),
     lambda p: torch.nn.utils.clip_grad_norm_(p, 0.05)),
    ("adamw(lr = 0.01)  clip norm(max_norm = 0.1)  schedule cosine(t_max = 100)",
     lambda p: (lambda o: (o, S.CosineAnnealingLR(o, 100)))(
         torch.optim.AdamW(p, lr=0.01)),
     lambda p: torch.nn.utils.clip_grad_norm_(p, 0.1)),
]

# Per-parameter options (torch parameter groups) and frozen parameters (not
# given to the optimizer). p = [w1, b1, w2, b2].
GROUPS = [
    ("adamw(lr = 0.01)  param b1(weight_decay = 0)  param b2(weight_decay = 0)",
     lambda p: (torch.optim.AdamW([{"params": [p[0], p[2]]},
                                   {"params": [p[1], p[3]], "weight_decay": 0}],
                                  lr=0.01), None), None),
    ("sgd(lr = 0.1, momentum = 0.9)  param w2(lr = 0.02)  schedule step(step_size = 20, gamma = 0.5)",
     lambda p: (lambda o: (o, S.StepLR(o, 20, 0.5)))(torch.optim.SGD(
         [{"params": [p[0], p[1], p[3]]}, {"params": [p[2]], "lr": 0.02}],
         lr=0.1, momentum=0.9)), None),
    ("adam(lr = 0.01)  freeze w1, b1",
     lambda p: (torch.optim.Adam([p[2], p[3]], lr=0.01), None), None),
]

# Gradient accumulation over K micro-batches: torch scales each micro-batch
# loss by 1/K, sums the gradients and steps every K micro-batches.
ACCUMULATE = [
    ("sgd(lr = 0.1, momentum = 0.9)  accumulate 4",
     lambda p: (torch.optim.SGD(p, lr=0.1, momentum=0.9), None), None, 4),
    ("adam(lr = 0.01)  accumulate 5",
     lambda p: (torch.optim.Adam(p, lr=0.01), None), None, 5),
    ("adamw(lr = 0.01)  accumulate 5  schedule step(step_size = 5, gamma = 0.5)  clip value(max = 0.05)",
     lambda p: (lambda o: (o, S.StepLR(o, 5, 0.5)))(torch.optim.AdamW(p, lr=0.01)),
     lambda p: torch.nn.utils.clip_grad_value_(p, 0.05), 5),
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
    configs = ([(t, lambda p, m=m: (m(p), None), None, 1) for t, m in CONFIGS] +
               [(t, m, None, 1) for t, m in SCHEDULES] +
               [c + (1,) for c in CLIPS + GROUPS] +
               ACCUMULATE)
    for i, (text, make, clip, accumulate) in enumerate(configs):
        d = os.path.join(WORK, "c%d" % i)
        os.makedirs(d, exist_ok=True)
        src = os.path.join(d, "net.adj")
        with open(src, "w") as f:
            f.write(MODEL.format(f=FEATURES, h=HIDDEN, c=CLASSES, b=BATCH,
                                 opt=text))
        results = []
        for variant, flags in (("fused", []), ("unfused", ["--no-fuse"])):
            out = os.path.join(d, variant)
            os.makedirs(out, exist_ok=True)
            subprocess.run([ADJOINT, "compile", src, "-o",
                            os.path.join(out, "net")] + flags, check=True)
            exe = os.path.join(out, "steps")
            subprocess.run([CC, "-O2", "-I" + out, "-I" + RT_INCLUDE,
                            '-DADJ_MODEL_HEADER="net.h"',
                            "-DADJ_MODEL_INFO=net_info",
                            os.path.join(HERE, "steps.c"),
                            os.path.join(out, "net.o"), RT_LIB, "-lz", "-lm",
                            "-o", exe], check=True)
            init = os.path.join(out, "init.bin")
            final = os.path.join(out, "final.bin")
            subprocess.run([exe, data, init, final, str(STEPS)], check=True,
                           stdout=subprocess.DEVNULL)
            results.append((split(np.fromfile(init, dtype=np.float32)),
                            split(np.fromfile(final, dtype=np.float32))))
        p0, got = results[0]
        unfused = results[1][1]
        # Fused and unfused train steps must agree (same initial parameters).
        fuse_diff = max(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-3)
                        for a, b in zip(got, unfused))

        params = [torch.tensor(p, requires_grad=True) for p in p0]
        opt, sched = make(params)
        for s in range(STEPS):
            x = torch.from_numpy(xs[s])
            y = torch.from_numpy(ys[s].astype(np.int64))
            h = torch.tanh(x @ params[0] + params[1])
            loss = torch.nn.functional.cross_entropy(h @ params[2] + params[3], y)
            (loss / accumulate).backward()
            if (s + 1) % accumulate:
                continue
            if clip:
                clip(params)
            opt.step()
            opt.zero_grad()
            if sched:
                sched.step()
        worst = 0.0
        for name, a, t in zip(["w1", "b1", "w2", "b2"], got, params):
            t = t.detach().numpy()
            err = np.max(np.abs(a - t)) / max(np.max(np.abs(t)), 1e-3)
            worst = max(worst, err)
        moved = max(np.max(np.abs(g - p)) for g, p in zip(got, p0))
        ok = worst <= 1e-5 and moved > 1e-3 and fuse_diff <= 1e-5
        failures += not ok
        worst_all = max(worst_all, worst)
        print("%-4s %-100s vs torch %.2e, fused vs unfused %.2e (params moved "
              "%.3f)" % ("ok" if ok else "FAIL", text, worst, fuse_diff, moved))
    print("%d of %d optimizer and schedule configurations match torch.optim "
          "(worst %.2e)" % (len(configs) - failures, len(configs), worst_all))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
