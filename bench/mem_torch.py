"""Peak resident memory of the same model trained by PyTorch (Adam).

usage: /usr/bin/python3 mem_torch.py STEPS
"""
import resource
import sys
import time

import torch

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
torch.set_num_threads(1)
torch.manual_seed(1)
sizes = [784, 4096, 4096, 4096, 4096, 10]
layers = []
for a, b in zip(sizes, sizes[1:]):
    layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
model = torch.nn.Sequential(*layers[:-1])
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
x = torch.randn(64, 784)
y = torch.randint(0, 10, (64,))
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.time()
for _ in range(STEPS):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
dt = time.time() - t0
params = sum(p.numel() for p in model.parameters()) * 4
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("pytorch big: peak RSS %.1f MiB (%.1f MiB before training: the "
      "interpreter, torch and the parameters); parameters %.1f MiB; %d steps, "
      "%.0f ms/step, final loss %.4f" % (peak / 1024.0, rss_before / 1024.0,
                                         params / 1048576.0, STEPS,
                                         1000 * dt / STEPS, loss.item()))
