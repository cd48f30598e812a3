"""Compares the compiled tnorm model (torch_norm.adj) with PyTorch.

  torch_norm.py gen DIR      write params and batches for torch_norm_driver
  torch_norm.py check DIR LR compare the driver's results with torch

The reference runs in float64 from the same float32 params and inputs:
torch.nn.functional.embedding, layer_norm, batch_norm (training mode on the
valid rows of a batch, with running averages; eval mode for predict) and
dropout with the mask of Adjoint's documented counter-based hash,
reimplemented here (LANGUAGE.md, "dropout"). Every tensor must match within
1e-4 relative (max |ours - torch| / max |torch|). Exits 1 on a mismatch.
"""
import math
import os
import sys

import numpy as np
import torch

F = torch.nn.functional
NUM_BATCHES = 3
TOL = 1e-4
BATCH = 8
SEED, P, MOMENTUM = 7, 0.25, 0.2
PARAMS = [("w", (6, 8)), ("emb", (10, 8)), ("g1", (8,)), ("b1", (8,)),
          ("g2", (8,)), ("b2", (8,)), ("v", (8, 4)), ("c", (4,))]
M32 = 0xFFFFFFFF


def fmix(h):
    """murmur3's 32-bit finalizer on an int or a uint64 array."""
    m, u = (M32, int) if isinstance(h, int) else (np.uint64(M32), np.uint64)
    h ^= h >> u(16)
    h = (h * u(0x85EBCA6B)) & m
    h ^= h >> u(13)
    h = (h * u(0xC2B2AE35)) & m
    h ^= h >> u(16)
    return h


def dropout_mask(shape, seed, stream, step, p):
    """1 where the element is kept (LANGUAGE.md's hash)."""
    key = fmix(fmix(fmix(seed ^ 0x9E3779B9) ^ stream) ^ step)
    i = np.arange(int(np.prod(shape)), dtype=np.uint64)
    h = fmix(np.uint64(key) ^ ((i * np.uint64(0x9E3779B9)) & np.uint64(M32)))
    keep = (h >> np.uint64(8)) >= np.uint64(math.ceil(p * 2 ** 24))
    return keep.reshape(shape).astype(np.float64)


def forward(p, x, ids, rm, rv, training, step, valid):
    w, emb, g1, b1, g2, b2, v, c = p
    e = F.embedding(ids, emb).mean(dim=1)
    h = F.layer_norm(x @ w + e, (8,), g1, b1, eps=1e-5)
    r = torch.relu(h)
    if not training:
        bn = F.batch_norm(r, rm, rv, g2, b2, training=False, eps=1e-5)
        return bn @ v + c
    # Batch statistics of the valid rows; torch updates rm, rv in place.
    bn = F.batch_norm(r[valid], rm, rv, g2, b2, training=True,
                      momentum=MOMENTUM, eps=1e-5)
    mask = torch.tensor(dropout_mask((BATCH, 8), SEED, 0, step, P))[valid]
    d = bn * mask / (1 - P)
    return d @ v + c


def gen(d):
    rng = np.random.default_rng(20241121)
    os.makedirs(d, exist_ok=True)
    blob = [rng.normal(0, 0.6, s).astype("<f4") for _, s in PARAMS]
    blob[2] += 1
    blob[4] += 1
    np.concatenate([a.ravel() for a in blob]).tofile(os.path.join(d, "params.bin"))
    for k in range(NUM_BATCHES):
        x = rng.normal(0, 1, (BATCH, 6)).astype("<f4")
        # Ids in range, repeated (the gradient accumulates), and in the
        # partial batch's padding rows out of range.
        ids = rng.integers(0, 10, (BATCH, 3)).astype("<i4")
        ids[0, :] = 3
        y = rng.integers(0, 4, BATCH).astype("<i4")
        mask = np.ones(BATCH, "<f4")
        if k == 1:
            mask[-3:] = 0
            x[-3:] *= 5
            ids[-3:] = [[-7, 10, 99]]
        x.tofile(os.path.join(d, "x%d.bin" % k))
        ids.tofile(os.path.join(d, "ids%d.bin" % k))
        y.tofile(os.path.join(d, "y%d.bin" % k))
        mask.tofile(os.path.join(d, "mask%d.bin" % k))


def check(d, lr):
    sizes = [int(np.prod(s)) for _, s in PARAMS]
    flat = np.fromfile(os.path.join(d, "params.bin"), "<f4")

    def split(a, shapes):
        out, off = [], 0
        for s in shapes:
            n = int(np.prod(s))
            out.append(a[off:off + n].reshape(s))
            off += n
        assert off == a.size, "unexpected size %d != %d" % (a.size, off)
        return out

    def t64(a):
        return torch.tensor(np.asarray(a, dtype=np.float64))

    init = split(flat, [s for _, s in PARAMS])
    batches = []
    for k in range(NUM_BATCHES):
        x = t64(np.fromfile(os.path.join(d, "x%d.bin" % k), "<f4").reshape(BATCH, 6))
        ids = np.fromfile(os.path.join(d, "ids%d.bin" % k), "<i4").reshape(BATCH, 3)
        y = torch.tensor(np.fromfile(os.path.join(d, "y%d.bin" % k), "<i4").astype(np.int64))
        mask = np.fromfile(os.path.join(d, "mask%d.bin" % k), "<f4")
        valid = torch.tensor(mask != 0)
        # Padding rows never reach torch (their ids are out of range).
        safe = torch.tensor(np.where(mask[:, None] != 0, ids, 0).astype(np.int64))
        batches.append((x, safe, y, valid))

    failures = 0

    def compare(what, ours, ref):
        nonlocal failures
        ours = np.asarray(ours, dtype=np.float64)
        ref = np.asarray(ref, dtype=np.float64)
        if ours.shape != ref.shape:
            print("%s: shape %s != %s FAILED" % (what, ours.shape, ref.shape))
            failures += 1
            return
        scale = max(np.max(np.abs(ref)), 1e-30)
        err = np.max(np.abs(ours - ref)) / scale if np.all(np.isfinite(ours)) else np.inf
        ok = err <= TOL
        failures += not ok
        print("%s: max rel diff %.1e %s" % (what, err, "ok" if ok else "FAILED"))

    def loss_of(p, batch, step, rm, rv):
        x, ids, y, valid = batch
        out = forward(p, x, ids, rm, rv, True, step, valid)
        return F.cross_entropy(out, y[valid])

    shapes = [s for _, s in PARAMS] + [(8,), (8,)]
    names = [n for n, _ in PARAMS] + ["bn.running_mean", "bn.running_var"]
    for k, batch in enumerate(batches):
        got = np.fromfile(os.path.join(d, "grad%d.bin" % k), "<f4")
        p = [t64(a).requires_grad_() for a in init]
        loss = loss_of(p, batch, 0, torch.zeros(8, dtype=torch.float64),
                       torch.ones(8, dtype=torch.float64))
        loss.backward()
        compare("batch %d loss" % k, got[:1], [loss.item()])
        grads = split(got[1:], shapes)
        for name, ours, ref in zip(names, grads, p):
            compare("batch %d grad %s" % (k, name), ours, ref.grad.numpy())
        for name, ours in zip(names[len(PARAMS):], grads[len(PARAMS):]):
            ok = np.all(ours == 0)
            failures += not ok
            print("batch %d grad %s: %s" % (k, name, "zero ok" if ok else "FAILED"))
    got = np.fromfile(os.path.join(d, "loss.bin"), "<f4")
    p = [t64(a) for a in init]
    compare("loss function", got, [loss_of(p, batches[0], 0, torch.zeros(8, dtype=torch.float64),
                                          torch.ones(8, dtype=torch.float64)).item()])

    # Train steps (step k keys the dropout mask of batch k) with SGD.
    p = [t64(a).requires_grad_() for a in init]
    rm = torch.zeros(8, dtype=torch.float64)
    rv = torch.ones(8, dtype=torch.float64)
    opt = torch.optim.SGD(p, lr=lr)
    losses = []
    for k, batch in enumerate(batches):
        opt.zero_grad()
        loss = loss_of(p, batch, k, rm, rv)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    got = np.fromfile(os.path.join(d, "steps.bin"), "<f4")
    compare("train step losses", got[:NUM_BATCHES], losses)
    final = split(got[NUM_BATCHES:], shapes)
    for name, ours, ref in zip(names, final, p + [rm, rv]):
        compare("step %s" % name, ours, ref.detach().numpy())
    got = np.fromfile(os.path.join(d, "predict.bin"), "<f4")
    x, ids, _, valid = batches[0]
    with torch.no_grad():
        ref = forward(p, x, ids, rm, rv, False, 0, valid).numpy()
    compare("predict (eval mode)", got.reshape(ref.shape), ref)
    print("tnorm: %s" % ("all match" if failures == 0 else "%d mismatches" % failures))
    return 1 if failures else 0


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("gen", "check"):
        sys.exit(__doc__)
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
        return 0
    return check(sys.argv[2], float(sys.argv[3]))


if __name__ == "__main__":
    sys.exit(main())
