#!/usr/bin/env python3
"""PyTorch peer of `plasticity bench`: one BPTT training step (forward, backward, Adam) of the
leaky RNN on flip-flop-shaped data, float64 on CPU, for the same shapes.

    python3 Benchmarks/pytorch_bench.py [--threads 1] [--hidden 32,64,128,256] [--batch 32,64] [--json out.json]

Reports the fastest of the timed steps (min of repeats, as `plasticity bench`: on a loaded machine the
least disturbed step) and their median; --json writes [{hidden, batch, steps, ms, ms_median, version}]
for `plasticity bench --pytorch` (`make bench` does both).

The model matches Plasticity's LeakyRNN: a_t = W h_{t-1} + U x_t + b,
h_t = (1 - 1/tau) h_{t-1} + f(a_t)/tau (tau clamped at 1), y_t = V h_t + c, MSE over all steps.
"""
import argparse
import json
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
    ap.add_argument("--hidden", default="32,64,128,256")
    ap.add_argument("--batch", default="32,64")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--budget", type=float, default=3.0, help="seconds per case after which timing stops (at least 2 steps)")
    ap.add_argument("--min-seconds", type=float, default=1.0, help="keep timing a case until this many seconds are spent (as plasticity bench)")
    ap.add_argument("--passes", type=int, default=2, help="passes over all cases; each case's fastest pass is kept")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", help="write the timings as JSON to this file")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"PyTorch {torch.__version__} BPTT step (forward + backward + Adam), float64, T={args.steps}, "
          f"threads {args.threads}; fastest of at least {args.repeats} steps and {args.min_seconds:g} s of them, "
          f"in the faster of {args.passes} passes")
    print("     N     B   ms/step  median ms   trials/s")
    # Passes over all cases, each case's fastest pass kept (as plasticity bench --passes): a shared
    # machine's slow spells of seconds then cannot set a case's time.
    best = {}
    for _ in range(args.passes):
        for n in (int(s) for s in args.hidden.split(",")):
            for batch in (int(s) for s in args.batch.split(",")):
                step = make_step(n, batch=batch, steps=args.steps)
                step()
                times = []
                started = time.perf_counter()
                while True:
                    start = time.perf_counter()
                    step()
                    times.append((time.perf_counter() - start) * 1000)
                    spent = time.perf_counter() - started
                    if len(times) >= 2 and spent > args.budget:
                        break
                    if len(times) >= args.repeats and spent >= args.min_seconds:
                        break
                if (n, batch) not in best or min(times) < min(best[(n, batch)]):
                    best[(n, batch)] = times
    timings = []
    for (n, batch), times in best.items():
        ms = min(times)
        print(f"{n:6d}  {batch:4d}  {ms:8.3f}  {statistics.median(times):9.3f}  {batch / (ms / 1000):9.0f}")
        timings.append({"hidden": n, "batch": batch, "steps": args.steps, "ms": ms,
                        "ms_median": statistics.median(times), "version": torch.__version__})
    if args.json:
        with open(args.json, "w") as f:
            json.dump(timings, f, indent=1)


if __name__ == "__main__":
    main()
