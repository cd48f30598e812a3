"""`adjoint grad` against PyTorch for the example models (grad-vs-torch.test).

  grad_vs_torch.py MODEL WORKDIR

For MODEL (a key of MODELS below):

  1. writes a random batch (MODEL's inputs, batch size BATCH, other than the
     train section's) to WORKDIR/MODEL-inputs.safetensors;
  2. runs `adjoint grad` from the model's initializers (--seed 3,
     --save-params), then again with those parameters perturbed (every
     element, so zero-initialized biases are not zero) through --params;
  3. computes the loss and its gradients in PyTorch (float64, from the same
     float32 parameters and inputs) with the builder of MODELS;
  4. requires the loss and every gradient of both runs to match within
     1e-4 relative (max |ours - torch| / max |torch| per tensor), the
     gradient file to hold exactly one tensor per parameter plus `loss`, and
     the parameters that --save-params wrote to be the model's.

Prints one line per comparison; exits 1 if anything does not match.

Adding a model: write a builder `def torch_NAME(p, inp)` that returns the
loss from the parameter dict `p` and the input dict `inp` (torch tensors,
float64; labels int64), and add one line to MODELS with the model file and
its inputs.
"""
import os
import subprocess
import sys

import numpy as np
import torch

from safetensors_io import read_safetensors, write_safetensors

F = torch.nn.functional
TOL = 1e-4
SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

# ---------------------------------------------------------------------------
# The models: torch builders and table.


def torch_mlp(p, inp):
    h1 = torch.relu(inp["x"] @ p["w1"] + p["b1"])
    h2 = torch.relu(h1 @ p["w2"] + p["b2"])
    return F.cross_entropy(h2 @ p["w3"] + p["b3"], inp["y"])


def torch_logreg(p, inp):
    return F.cross_entropy(inp["x"] @ p["w"] + p["b"], inp["y"])


def torch_diabetes(p, inp):
    return F.mse_loss(inp["x"] @ p["w"] + p["b"], inp["t"])


def torch_spiral(p, inp):
    h1 = torch.tanh(inp["x"] @ p["w1"] + p["b1"])
    h2 = torch.tanh(h1 @ p["w2"] + p["b2"])
    return F.cross_entropy(h2 @ p["w3"] + p["b3"], inp["y"])


def _ln(x, g, b):
    return F.layer_norm(x, (x.shape[-1],), g, b, eps=1e-5)


def torch_transformer(p, inp):
    # examples/transformer: heads as a batch dimension, per-head weights.
    h0 = inp["x"] @ p["w_in"] + p["b_in"] + p["pos"]
    a = _ln(h0, p["ln1_g"], p["ln1_b"]).unsqueeze(1)  # [B, 1, 28, 64]
    q = a @ p["wq"] + p["bq"]
    k = a @ p["wk"]
    v = a @ p["wv"] + p["bv"]
    att = torch.softmax((q @ k.transpose(-1, -2)) * 0.25, dim=-1)
    h1 = h0 + ((att @ v) @ p["wo"]).sum(1) + p["bo"]
    m = F.gelu(_ln(h1, p["ln2_g"], p["ln2_b"]) @ p["w1"] + p["b1"])
    h2 = h1 + m @ p["w2"] + p["b2"]
    logits = _ln(h2, p["lnf_g"], p["lnf_b"]).mean(1) @ p["w_out"] + p["b_out"]
    return F.cross_entropy(logits, inp["y"])


def torch_bmm(p, inp):
    # Inputs/torch_bmm.adj: the shared, broadcast and transposed forms.
    def t(z):
        return z.transpose(-1, -2)
    h = torch.tanh(inp["x"] @ p["w"] + inp["x"] @ t(p["wt"]))  # [B, 6, 5]
    u = h.unsqueeze(1)  # [B, 1, 6, 5]
    q = u @ p["hq"]  # [B, 3, 6, 4]
    k = u @ p["hk"]
    s = torch.softmax(q @ t(k), dim=-1)  # [B, 3, 6, 6]
    c = t(q) @ k  # [B, 3, 4, 4]
    o = s @ q + q @ t(c)
    z = p["m"] @ o  # [B, 3, 6, 4]
    r = t(h) @ p["m2"]  # [B, 5, 4]
    return F.cross_entropy(z.sum(dim=(1, 2)) + r.mean(1), inp["y"])


def torch_lstm(p, inp):
    # torch.nn.LSTM's kernel (torch._VF.lstm, what its forward calls) with
    # the per-gate weights stacked in its (i, f, g, o) order.
    gates = "ifgo"
    x = inp["x"]
    h = p["ui"].shape[0]
    zeros = torch.zeros(1, x.shape[0], h, dtype=torch.float64)
    weights = [torch.cat([p["w" + g].T for g in gates]),
               torch.cat([p["u" + g].T for g in gates]),
               torch.cat([p["b" + g] for g in gates]),
               torch.zeros(4 * h, dtype=torch.float64)]
    _, h_t, _ = torch._VF.lstm(x, (zeros, zeros), weights, True, 1, 0.0,
                               False, False, True)
    return F.cross_entropy(h_t[0] @ p["wy"] + p["by"], inp["y"])


def normal(*row):
    """A float input of shape [batch, *row], N(0, 1)."""
    return ("normal", row)


def labels(classes):
    """An i32 input of shape [batch]: class indices in [0, classes)."""
    return ("labels", classes)


BATCH = 24  # no example trains with it: the driver must take it from the file
MODELS = {
    # name: (model file under the source root, {input: kind}, builder)
    "mlp": ("examples/mlp/mlp.adj",
            {"x": normal(784), "y": labels(10)}, torch_mlp),
    "logreg": ("examples/logistic_regression/logreg.adj",
               {"x": normal(784), "y": labels(10)}, torch_logreg),
    "diabetes": ("examples/regression/diabetes.adj",
                 {"x": normal(10), "t": normal(1)}, torch_diabetes),
    "spiral": ("examples/embed/spiral.adj",
               {"x": normal(2), "y": labels(2)}, torch_spiral),
    "transformer": ("examples/transformer/transformer.adj",
                    {"x": normal(28, 28), "y": labels(10)}, torch_transformer),
    "bmm": ("test/Integration/Inputs/torch_bmm.adj",
            {"x": normal(6, 5), "y": labels(4)}, torch_bmm),
    "lstm": ("examples/rnn/lstm.adj",
             {"x": normal(28, 28), "y": labels(10)}, torch_lstm),
}

# ---------------------------------------------------------------------------


def make_inputs(spec, rng):
    out = {}
    for name, (kind, arg) in spec.items():
        if kind == "normal":
            out[name] = rng.standard_normal((BATCH,) + arg).astype(np.float32)
        else:
            out[name] = rng.integers(0, arg, size=BATCH).astype(np.int32)
    return out


def torch_grads(builder, params, inputs):
    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
         for k, v in params.items()}
    inp = {k: torch.tensor(v, dtype=torch.int64 if v.dtype == np.int32
                           else torch.float64) for k, v in inputs.items()}
    loss = builder(p, inp)
    loss.backward()
    grads = {k: t.grad.numpy() for k, t in p.items()}
    grads["loss"] = loss.detach().numpy()
    return grads


def rel(ours, ref):
    ours = np.asarray(ours, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if ours.shape != ref.shape:
        return float("inf")
    scale = np.max(np.abs(ref)) if ref.size else 0.0
    diff = np.max(np.abs(ours - ref)) if ref.size else 0.0
    return diff / scale if scale > 0 else diff


def adjoint_grad(model_file, args):
    cmd = ["adjoint", "grad", model_file] + args
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stdout.write(r.stdout + r.stderr)
        print("FAILED: " + " ".join(cmd))
        sys.exit(1)


def compare(label, model, grads, ref, param_names):
    ok = True
    if sorted(grads) != sorted(param_names + ["loss"]):
        print(f"{model} {label}: FAILED: gradient file holds {sorted(grads)}, "
              f"expected {sorted(param_names + ['loss'])}")
        return False
    if grads["loss"].shape != ():
        print(f"{model} {label}: FAILED: loss has shape {grads['loss'].shape}")
        ok = False
    for name in ["loss"] + param_names:
        e = rel(grads[name], ref[name])
        good = e <= TOL
        ok &= good
        what = "loss" if name == "loss" else "grad " + name
        print(f"{model} {label} {what}: max rel diff {e:.2e} "
              f"{'ok' if good else 'FAILED'}")
    return ok


def main():
    model, work = sys.argv[1], sys.argv[2]
    path, spec, builder = MODELS[model]
    model_file = os.path.join(SRC, path)
    rng = np.random.default_rng(20240611)
    base = os.path.join(work, model)
    inputs = make_inputs(spec, rng)
    write_safetensors(base + "-inputs.safetensors", inputs)

    # 1. The model's initializers; the parameters it used, written out.
    adjoint_grad(model_file, ["--inputs", base + "-inputs.safetensors",
                              "--seed", "3",
                              "--save-params", base + "-init.safetensors",
                              "-o", base + "-grad-init.safetensors"])
    init = read_safetensors(base + "-init.safetensors")
    names = list(init)
    ok = all(v.dtype == np.float32 for v in init.values())
    if not ok:
        print(f"{model}: FAILED: saved parameters are not all f32")
    ok &= compare("init", model, read_safetensors(
        base + "-grad-init.safetensors"), torch_grads(builder, init, inputs),
        names)

    # 2. Given parameters: every element moved, so no gradient is trivially 0.
    params = {k: (v + 0.1 * rng.standard_normal(v.shape)).astype(np.float32)
              for k, v in init.items()}
    write_safetensors(base + "-params.safetensors", params)
    adjoint_grad(model_file, ["--inputs", base + "-inputs.safetensors",
                              "--params", base + "-params.safetensors",
                              "-o", base + "-grad.safetensors"])
    ok &= compare("given", model, read_safetensors(base + "-grad.safetensors"),
                  torch_grads(builder, params, inputs), names)
    print(f"{model}: {'all match' if ok else 'FAILED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
