#!/usr/bin/env python3
"""PyTorch peer of `plasticity bench`: one BPTT training step (forward, backward, Adam) of the
leaky RNN on flip-flop-shaped data, float64 on CPU, for the same shapes.

    python3 Benchmarks/pytorch_bench.py [--threads 1] [--hidden 64,128,256]

The model matches Plasticity's LeakyRNN: a_t = W h_{t-1} + U x_t + b,
h_t = (1 - 1/tau) h_{t-1} + f(a_t)/tau (tau clamped at 1), y_t = V h_t + c, MSE over all steps.
"""
import argparse
import statistics
import time

import torch


def make_step(n, n_in=3, n_out=3, batch=64, steps=100, gain=1.5, seed=1):
    g = torch.Generator().manual_seed(seed)
    dt = torch.float64
    p = {
        "W": torch.randn(n, n, generator=g, dtype=dt) * gain / n ** 0.5,
        "U": torch.randn(n, n_in, generator=g, dtype=dt) / n_in ** 0.5,
        "b": torch.zeros(n, dtype=dt),
        "V": torch.randn(n_out, n, generator=g, dtype=dt) / n ** 0.5,
        "c": torch.zeros(n_out, dtype=dt),
        "tau": 1 + torch.rand(n, generator=g, dtype=dt),
    }
    for t in p.values():
        t.requires_grad_(True)
    opt = torch.optim.Adam(p.values(), lr=1e-3)
    pulses = (torch.rand(steps, batch, n_in, generator=g) < 0.05).to(dt)
    signs = torch.where(torch.rand(steps, batch, n_in, generator=g) < 0.5, -1.0, 1.0).to(dt)
    x = pulses * signs
    target = torch.zeros_like(x)
    held = torch.zeros(batch, n_in, dtype=dt)
    for t in range(steps):
        held = torch.where(x[t] != 0, x[t], held)
        target[t] = held

    def step():
        opt.zero_grad()
        alpha = 1 / torch.clamp(p["tau"], min=1)
        h = torch.zeros(batch, n, dtype=dt)
        loss = 0.0
        for t in range(steps):
            a = h @ p["W"].T + x[t] @ p["U"].T + p["b"]
            h = h + alpha * (torch.tanh(a) - h)
            y = h @ p["V"].T + p["c"]
            loss = loss + ((y - target[t]) ** 2).sum()
        loss = loss / (steps * batch * n_out)
        loss.backward()
        opt.step()

    return step


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hidden", default="64,128,256")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"PyTorch {torch.__version__} BPTT step (forward + backward + Adam), float64, B={args.batch}, "
          f"T={args.steps}, threads {args.threads}")
    print("     N   ms/step   trials/s")
    for n in (int(s) for s in args.hidden.split(",")):
        step = make_step(n, batch=args.batch, steps=args.steps)
        for _ in range(3):
            step()
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            step()
            times.append((time.perf_counter() - start) * 1000)
        ms = statistics.median(times)
        print(f"{n:6d}  {ms:8.3f}  {args.batch / (ms / 1000):9.0f}")


if __name__ == "__main__":
    main()
