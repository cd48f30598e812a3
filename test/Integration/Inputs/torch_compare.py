"""Compares a compiled Adjoint model with PyTorch (torch-grad.test).

  torch_compare.py MODEL gen DIR      write params and batches for the driver
  torch_compare.py MODEL check DIR LR compare the driver's results with torch

MODEL is tmlp (torch_mlp.adj), treg (torch_mse.adj), tlay
(torch_layers.adj), tcnn (torch_cnn.adj; NHWC/HWCF tensors permuted to
torch's NCHW/OIHW) or tshp (torch_shape.adj). The reference is
computed in float64 from the same float32 params and inputs; the compiled
model runs in float32. Every tensor must match within a relative error of
1e-4, measured per tensor as max|ours - torch| / max|torch|. Prints one line
per comparison and exits 1 if any fails.
"""
import os
import sys

import numpy as np
import torch

NUM_BATCHES = 3  # as in torch_driver.c
TOL = 1e-4

MODELS = {
    # name: (batch, params [(name, shape)], x shape, (target kind, shape),
    #        momentum)
    "tmlp": (24, [("w1", (13, 37)), ("b1", (37,)), ("w2", (37, 19)),
                  ("b2", (19,)), ("w3", (19, 5)), ("b3", (5,))],
             (13,), ("labels", 5), 0.9),
    "treg": (10, [("w", (7, 5)), ("b", (5,)), ("v", (5, 3))],
             (7,), ("values", (3,)), 0.0),
    "tlay": (10, [("w", (7, 6)), ("b", (6,)), ("v", (6, 3)), ("c", (3,))],
             (7,), ("values", (3,)), 0.0),
    "tcnn": (12, [("s", (8, 8, 2)), ("k1", (3, 3, 2, 6)), ("c1", (6,)),
                  ("k2", (3, 3, 3, 4)), ("k3", (2, 2, 4, 4)), ("w", (16, 5)),
                  ("v", (4, 5)), ("q", (32, 5)), ("b", (5,))],
             (8, 8, 2), ("labels", 5), 0.9),
    "tshp": (10, [("w", (7, 8)), ("q", (2, 3, 4)), ("linear_0.w", (6, 3)),
                  ("linear_0.b", (3,))],
             (7,), ("values", (3,)), 0.0),
}


def forward_cnn(p, x):
    """torch_cnn.adj: NHWC activations and HWCF filters, permuted."""
    F = torch.nn.functional
    s, k1, c1, k2, k3, w, v, q, b = p
    nchw = lambda t: t.permute(0, 3, 1, 2)
    oihw = lambda t: t.permute(3, 2, 0, 1)
    flat = lambda t: t.permute(0, 2, 3, 1).reshape(t.shape[0], -1)  # NHWC order
    xc = nchw(x)
    u = F.max_pool2d(nchw(x + s), 2)
    h1 = torch.relu(F.conv2d(xc, oihw(k1), padding=1) + c1[None, :, None, None])
    p1 = F.max_pool2d(h1, 2)
    h2 = torch.tanh(F.conv2d(p1, oihw(k2), groups=2, padding=1))
    h3 = F.conv2d(h2, oihw(k3), stride=2)
    p2 = F.avg_pool2d(h2, 3, stride=2, padding=1)
    return flat(p2 + h3) @ w + h2.mean((2, 3)) @ v + flat(u) @ q + b


def forward(name, p, x):
    if name == "tcnn":
        return forward_cnn(p, x)
    if name == "tmlp":
        w1, b1, w2, b2, w3, b3 = p
        h1 = torch.relu(x @ w1 + b1)
        h2 = torch.tanh(h1 @ w2 + b2)
        return h2 @ w3 + b3
    if name == "tlay":
        F = torch.nn.functional
        w, b, v, c = p
        h = x @ w + b
        a = (F.gelu(h) + F.leaky_relu(h, negative_slope=0.1) * F.softplus(h)
             + F.elu(h) * 0.5 + F.silu(h))
        s = (torch.softmax(a, -1) + torch.log_softmax(a, -1) * 0.1
             + torch.clamp(a, min=-1, max=1) + F.gelu(h, approximate="tanh"))
        return s @ v + c
    if name == "tshp":
        w, q, lw, lb = p
        h = torch.tanh(x @ w)
        a, b = torch.split(h, [5, 3], dim=1)
        c = torch.cat([b * 2, a[:, ::2]], dim=1)
        k = q.permute(2, 0, 1)[:, 1, :]
        d = c[:, 1:5] @ k
        return d + (c @ lw + lb) + h[:, -1:]
    w, b, v = p
    return torch.sigmoid(x @ w + b) @ v


def loss_fn(name, p, x, t, mask):
    """Mean over the valid rows only (mask 1), like the compiled model."""
    out = forward(name, p, x)
    valid = mask != 0
    if name in ("tmlp", "tcnn"):
        return torch.nn.functional.cross_entropy(out[valid], t[valid])
    if name == "tlay":
        z = out[valid]
        y = (torch.maximum(z, torch.tensor(-0.5, dtype=z.dtype))
             + torch.where(z > 0, torch.sqrt(z * z + 1), torch.exp(z)) - 1)
        return torch.nn.functional.huber_loss(y, t[valid], delta=0.5)
    return torch.nn.functional.mse_loss(out[valid], t[valid])


def gen(name, d):
    batch, params, xshape, (kind, tshape), _ = MODELS[name]
    rng = np.random.default_rng(20240607)
    os.makedirs(d, exist_ok=True)
    blob = [rng.normal(0, 0.6, shape).astype("<f4") for _, shape in params]
    if name == "tcnn":
        blob[0][...] = 0  # s: x + s ties within the 2x2 pooling blocks
    np.concatenate([a.ravel() for a in blob]).tofile(os.path.join(d, "params.bin"))
    for k in range(NUM_BATCHES):
        x = rng.normal(0, 1, (batch,) + xshape).astype("<f4")
        if name == "tcnn":
            # Images of 2x2 blocks of equal pixels: every max-pool window of
            # x + s ties (at s = 0), and torch routes the gradient to the
            # first element of the window.
            x = np.repeat(np.repeat(x[:, ::2, ::2], 2, 1), 2, 2).copy()
        if kind == "labels":
            t = rng.integers(0, tshape, batch).astype("<i4")
        else:
            t = rng.normal(0, 1, (batch,) + tshape).astype("<f4")
        mask = np.ones(batch, "<f4")
        if k == 1:
            # A partial batch: the last 5 rows are padding, filled with
            # values that would change the loss if they counted.
            mask[-5:] = 0
            x[-5:] *= 3
        x.tofile(os.path.join(d, "x%d.bin" % k))
        t.tofile(os.path.join(d, "t%d.bin" % k))
        mask.tofile(os.path.join(d, "mask%d.bin" % k))


def check(name, d, lr):
    batch, params, xshape, (kind, tshape), momentum = MODELS[name]
    sizes = [int(np.prod(s)) for _, s in params]
    flat = np.fromfile(os.path.join(d, "params.bin"), "<f4")
    assert flat.size == sum(sizes), "params.bin has the wrong size"

    def split(a):
        out, off = [], 0
        for (_, shape), n in zip(params, sizes):
            out.append(a[off:off + n].reshape(shape))
            off += n
        assert off == a.size, "unexpected size %d != %d" % (a.size, off)
        return out

    def tensor(a):
        return torch.tensor(np.asarray(a, dtype=np.float64))

    batches = []
    for k in range(NUM_BATCHES):
        x = np.fromfile(os.path.join(d, "x%d.bin" % k), "<f4").reshape((batch,) + xshape)
        if kind == "labels":
            t = torch.tensor(np.fromfile(os.path.join(d, "t%d.bin" % k), "<i4").astype(np.int64))
        else:
            t = tensor(np.fromfile(os.path.join(d, "t%d.bin" % k), "<f4").reshape((batch,) + tshape))
        mask = torch.tensor(np.fromfile(os.path.join(d, "mask%d.bin" % k), "<f4"))
        batches.append((tensor(x), t, mask))

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
        print("%s: max rel diff %.1e %s" % (what, err, "ok" if ok else "FAILED (tolerance %.0e)" % TOL))

    init = split(flat)
    # Gradients of every batch (batch 1 is partial) at the initial params.
    for k, (x, t, mask) in enumerate(batches):
        got = np.fromfile(os.path.join(d, "grad%d.bin" % k), "<f4")
        p = [tensor(a).requires_grad_() for a in init]
        loss = loss_fn(name, p, x, t, mask)
        loss.backward()
        compare("batch %d loss" % k, got[:1], [loss.item()])
        for (pname, _), ours, ref in zip(params, split(got[1:]), p):
            compare("batch %d grad %s" % (k, pname), ours, ref.grad.numpy())
    got = np.fromfile(os.path.join(d, "loss.bin"), "<f4")
    p = [tensor(a) for a in init]
    compare("loss function", got, [loss_fn(name, p, *batches[0]).item()])
    got = np.fromfile(os.path.join(d, "predict.bin"), "<f4")
    ref = forward(name, p, batches[0][0]).numpy()
    compare("predict", got.reshape(ref.shape) if got.size == ref.size else got, ref)

    # NUM_BATCHES train steps with torch.optim.SGD.
    p = [tensor(a).requires_grad_() for a in init]
    opt = torch.optim.SGD(p, lr=lr, momentum=momentum)
    step_losses = []
    for x, t, mask in batches:
        opt.zero_grad()
        loss = loss_fn(name, p, x, t, mask)
        loss.backward()
        opt.step()
        step_losses.append(loss.item())
    got = np.fromfile(os.path.join(d, "steps.bin"), "<f4")
    nstate = len(params) if momentum else 0
    assert got.size == NUM_BATCHES + sum(sizes) * (1 + (nstate > 0)), "steps.bin has the wrong size"
    compare("train step losses", got[:NUM_BATCHES], step_losses)
    final = split(got[NUM_BATCHES:NUM_BATCHES + sum(sizes)])
    for (pname, _), ours, ref, start in zip(params, final, p, init):
        compare("step param %s" % pname, ours, ref.detach().numpy())
        # The update alone, so an error in it is not hidden by the params.
        compare("step update %s" % pname, ours - start, ref.detach().numpy() - start)
    if nstate:
        state = split(got[NUM_BATCHES + sum(sizes):])
        for (pname, _), ours, ref in zip(params, state, p):
            compare("step momentum %s" % pname, ours, opt.state[ref]["momentum_buffer"].numpy())
    print("%s: %s" % (name, "all match" if failures == 0 else "%d mismatches" % failures))
    return 1 if failures else 0


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in MODELS or sys.argv[2] not in ("gen", "check"):
        sys.exit(__doc__)
    torch.manual_seed(0)
    if sys.argv[2] == "gen":
        gen(sys.argv[1], sys.argv[3])
        return 0
    return check(sys.argv[1], sys.argv[3], float(sys.argv[4]))


if __name__ == "__main__":
    sys.exit(main())
