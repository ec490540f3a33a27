"""Time one training step of an MLP, minifluid against torch, and the executor's overhead
per op, in one process on the same data.

    python benchmarks/bench_training.py

The MLP is 784-512-512-100 with relu, batch 256, float32, Adam, mean sigmoid cross entropy
against 100 independent labels. torch runs eagerly on 2 threads (this machine's cores).
The overhead is measured on a program of many tiny ops (scale on 1 element).
"""
import os
import platform

import numpy as np
from bench_loss import race, which_minifluid

import minifluid as fluid

SIZES, BATCH = [784, 512, 512, 100], 256


def minifluid_step(xv, yv, weights):
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup):
        x = fluid.layers.data("x", [SIZES[0]])
        y = fluid.layers.data("y", [SIZES[-1]])
        h = x
        for i, n in enumerate(SIZES[1:]):
            h = fluid.layers.fc(h, n, act="relu" if i < len(SIZES) - 2 else None,
                                param_attr=f"w{i}", bias_attr=f"b{i}")
        loss = fluid.layers.mean(fluid.layers.sigmoid_cross_entropy_with_logits(h, y))
        fluid.optimizer.Adam(1e-3).minimize(loss)
    exe, scope = fluid.Executor(), fluid.Scope()
    exe.run(startup, scope=scope)
    for i, (w, b) in enumerate(weights):  # the same starting point as torch
        scope.var(f"w{i}").get_tensor().set(w)
        scope.var(f"b{i}").get_tensor().set(b)
    feed = {"x": xv, "y": yv}
    return lambda: exe.run(main, feed=feed, fetch_list=[loss], scope=scope)


def torch_step(xv, yv, weights):
    import torch
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    layers = []
    for w, b in weights:
        lin = torch.nn.Linear(*w.shape)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w.T))
            lin.bias.copy_(torch.from_numpy(b))
        layers += [lin, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    tx, ty = torch.from_numpy(xv), torch.from_numpy(yv)
    F = torch.nn.functional.binary_cross_entropy_with_logits

    def step():
        opt.zero_grad()
        loss = F(model(tx), ty)
        loss.backward()
        opt.step()
        return loss
    return step


def overhead(n_ops=200):
    main = fluid.Program()
    with fluid.program_guard(main, fluid.Program()):
        h = x = fluid.data("x", [1])
        for _ in range(n_ops):
            h = fluid.layers.scale(h, 1.0)
    exe, feed = fluid.Executor(), {"x": np.ones(1, np.float32)}
    per_run = race({"run": lambda: exe.run(main, feed=feed, fetch_list=[h])}, 200)["run"]
    kernel = fluid.registry.get_kernel("scale", "cpu", "float32")
    one = np.ones(1, np.float32)
    bare = race({"k": lambda: kernel(one, None, scale=1.0, bias=0.0, bias_after_scale=True)},
                20000)["k"]
    return per_run[0] / n_ops, bare[0], x


def main():
    rng = np.random.default_rng(0)
    xv = rng.normal(size=(BATCH, SIZES[0])).astype("float32")
    yv = (rng.uniform(size=(BATCH, SIZES[-1])) > 0.5).astype("float32")
    weights = [((rng.uniform(-1, 1, (a, b)) * np.sqrt(6 / (a + b))).astype("float32"),
                np.zeros(b, np.float32)) for a, b in zip(SIZES, SIZES[1:])]
    versions = [f"python {platform.python_version()}", f"numpy {np.__version__}"]
    fns = {"minifluid": minifluid_step(xv, yv, weights)}
    try:
        import torch
        versions.append(f"torch {torch.__version__}")
        fns["torch"] = torch_step(xv, yv, weights)
        first = [float(fns["minifluid"]()[0][0]), fns["torch"]().item()]
        assert abs(first[0] - first[1]) < 1e-4, first  # the same model, the same loss
    except ImportError:
        pass
    print(f"{platform.machine()}, {os.cpu_count()} cores; " + ", ".join(versions)
          + f"; {which_minifluid()}")
    res = race(fns, 10)
    print("\nOne training step, MLP 784-512-512-100, batch 256, Adam; ms, best (median):")
    print("| what | best | median | ratio to torch |\n|---|---|---|---|")
    for k, (b, m) in res.items():
        ratio = f"{b / res['torch'][0]:.2f}" if "torch" in res else "-"
        print(f"| {k} | {b * 1e3:.2f} | {m * 1e3:.2f} | {ratio} |")
    per_op, bare, _ = overhead()
    print(f"\nExecutor overhead: {per_op * 1e6:.2f} us per op in a 200-op plan (scale on one "
          f"element), of which the kernel alone takes {bare * 1e6:.2f} us: "
          f"{(per_op - bare) * 1e6:.2f} us of overhead per op.")


if __name__ == "__main__":
    main()
