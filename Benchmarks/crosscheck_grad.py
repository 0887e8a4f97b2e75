#!/usr/bin/env python3
"""Cross-checks `plasticity grad` against PyTorch autograd (float64), for the leaky RNN.

    .build/release/plasticity grad --task flipflop3 --model leaky --hidden 16 --batch 8 --seed 3 --out g.json
    python3 Benchmarks/crosscheck_grad.py g.json

Recomputes the loss from the exported params and batch with the README's equations and prints the
relative error of the loss and of each gradient group; exits 1 if any is above 1e-10.
"""
import json
import sys

import torch

ACT = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "leaky-relu": lambda a: torch.nn.functional.leaky_relu(a, 0.01),
}


def main(path):
    d = json.load(open(path))
    dt = torch.float64
    p = {k: torch.tensor(v, dtype=dt, requires_grad=True) for k, v in d["params"].items()}
    x = torch.tensor(d["batch"]["inputs"], dtype=dt)
    y_star = torch.tensor(d["batch"]["targets"], dtype=dt)
    m = torch.tensor(d["batch"]["mask"], dtype=dt)
    f = ACT[d["activation"]]
    steps, batch, _ = x.shape
    n = p["W"].shape[0]
    alpha = 1 / torch.clamp(p["tau"], min=1)
    h = torch.zeros(batch, n, dtype=dt)
    ys = []
    for t in range(steps):
        a = h @ p["W"].T + x[t] @ p["U"].T + p["b"]
        h = (1 - alpha) * h + alpha * f(a)
        ys.append(h @ p["V"].T + p["c"])
    y = torch.stack(ys)
    if d.get("loss_kind", "mse") == "mse":
        loss = ((y - y_star) ** 2 * m[..., None]).sum() / (m.sum() * y.shape[-1])
    else:
        logp = torch.log_softmax(y, dim=-1)
        loss = -(y_star * logp * m[..., None]).sum() / m.sum()
    loss.backward()
    worst = abs(loss.item() - d["loss"]) / max(abs(loss.item()), 1e-300)
    print(f"loss: plasticity {d['loss']:.15g}  torch {loss.item():.15g}  rel.err {worst:.2e}")
    for k, t in p.items():
        g = torch.tensor(d["grad"][k], dtype=dt)
        ref = t.grad
        if k == "W" and not d.get("self_connections", False):
            ref = ref - torch.diag(torch.diag(ref))  # the diagonal is frozen at 0
        err = (g - ref).norm().item() / max(ref.norm().item(), g.norm().item(), 1e-300)
        worst = max(worst, err)
        print(f"grad {k:4s} rel.err {err:.2e}")
    sys.exit(0 if worst < 1e-10 else 1)


if __name__ == "__main__":
    main(sys.argv[1])
