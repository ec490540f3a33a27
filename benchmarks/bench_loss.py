"""Time sigmoid_cross_entropy_with_logits against numpy, torch and paddle, in one process and
on the same data, and print Markdown tables of times and ratios.

    python benchmarks/bench_loss.py                 # kernels at 1e5..1e7, Executor.run
    python benchmarks/bench_loss.py --sizes 1e6     # other sizes
    python benchmarks/bench_loss.py --gpu           # also the cupy kernels at 1e8
    python benchmarks/bench_loss.py --gpu-only      # only those
    python benchmarks/bench_loss.py --numpy         # the numpy CPU kernels, not the C ones

torch (2 threads, as many as this machine's cores) and paddle are used when installed.
Ratios are minifluid's throughput over the other's: above 1 means minifluid is faster.
"""
import argparse
import os
import platform
import statistics
import time
import timeit
import tracemalloc

import numpy as np

import minifluid as fluid
from minifluid.kernels import native_status
from minifluid.ops import sigmoid_cross_entropy_with_logits as cpu_op
from minifluid.registry import get_kernel

OP = "sigmoid_cross_entropy_with_logits"


def which_minifluid() -> str:
    """Where the measured minifluid comes from; a warning when it is not this checkout (a
    plain `pip install .` copy goes stale as soon as the source changes)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    where = os.path.dirname(os.path.dirname(os.path.abspath(fluid.__file__)))
    if os.path.samefile(here, where):
        return "minifluid from this checkout"
    return (f"WARNING: measuring the minifluid installed in {where}, not this checkout "
            f"({here}); run `python -m pip install -e .` to measure your changes")


def race(fns: dict, number=None, rounds=9) -> dict:
    """{name: (best, median) seconds per call}, timing the candidates in turn, round after
    round, so that a noisy neighbour slows all of them alike. Before each batch a pause lets
    torch's OpenMP threads stop spinning (they would slow whoever runs next), and one
    untimed call wakes the candidate's own threads, so each is timed in its steady state."""
    if number is None:
        t = max(timeit.timeit(f, number=1) for f in fns.values())
        number = max(1, int(0.03 / max(t, 1e-9)))
    times = {k: [] for k in fns}
    for _ in range(rounds):
        for k, f in fns.items():
            time.sleep(0.02)
            f()
            times[k].append(timeit.timeit(f, number=number) / number)
    return {k: (min(v), statistics.median(v)) for k, v in times.items()}


def extra_memory(fn, nbytes):
    """Peak bytes numpy allocated during fn, beyond its result, in units of `nbytes`."""
    tracemalloc.start()
    out = fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (peak - out.nbytes) / nbytes


def naive_forward(x, z):
    return np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))


def naive_backward(x, z, dout):
    with np.errstate(over="ignore"):
        return dout * (1 / (1 + np.exp(-x)) - z)


def torch_backward(F, tx, tz, td, **kw):
    """torch's backward alone: autograd's backward call on a forward computed once, before
    timing (its graph kept for the next call), so that no time is derived by subtraction."""
    import torch
    txg = tx.clone().requires_grad_()
    out = F(txg, tz, reduction="none", **kw)
    return lambda: torch.autograd.grad(out, txg, td, retain_graph=True)


def kernels(sizes, dtype="float32"):
    fwd = get_kernel(OP, "cpu", dtype)
    bwd = get_kernel(OP + "_grad", "cpu", dtype)
    attrs = dict(ignore_index=-100, normalize=False)
    try:
        import torch
        torch.set_num_threads(min(2, os.cpu_count() or 1))
    except ImportError:
        torch = None
    rows = []
    for n in sizes:
        rng = np.random.default_rng(0)
        x = rng.normal(0, 4, n).astype(dtype)
        z = rng.integers(0, 2, n).astype(dtype)
        dout = rng.uniform(size=n).astype(dtype)
        fns = {"mf fwd": lambda: fwd(x, z, None, **attrs),
               "mf bwd": lambda: bwd(x, z, None, dout, **attrs),
               "np fwd": lambda: naive_forward(x, z),
               "np bwd": lambda: naive_backward(x, z, dout)}
        if torch is not None:
            tx, tz, td = (torch.from_numpy(a) for a in (x, z, dout))
            F = torch.nn.functional.binary_cross_entropy_with_logits
            fns["torch fwd"] = lambda: F(tx, tz, reduction="none")
            fns["torch bwd"] = torch_backward(F, tx, tz, td)
            ref = F(tx.double(), tz.double(), reduction="none").numpy()
            assert np.allclose(fwd(x, z, None, **attrs), ref, atol=1e-5)
        r = race(fns)
        r["N"] = f"{n:.0e}"
        r["mf mem"] = extra_memory(lambda: fwd(x, z, None, **attrs), x.nbytes)
        r["np mem"] = extra_memory(lambda: naive_forward(x, z), x.nbytes)
        rows.append(r)
    return rows


def executor_run(n_rows=10):
    """One Executor.run of the README program at 100 elements: two feeds, one fetch."""
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup):
        x = fluid.layers.data(name="x", shape=[10], dtype="float32")
        label = fluid.layers.data(name="label", shape=[10], dtype="float32")
        x.stop_gradient = False
        loss = fluid.layers.sigmoid_cross_entropy_with_logits(x=x, label=label, ignore_index=-1,
                                                              normalize=True)
        total = fluid.layers.reduce_sum(loss)
        fluid.gradients([total], [x])
    rng = np.random.default_rng(0)
    feed = {"x": rng.normal(size=(n_rows, 10)).astype("float32"),
            "label": rng.integers(0, 2, (n_rows, 10)).astype("float32")}
    exe = fluid.Executor(fluid.CPUPlace())
    exe.run(startup)
    fns = {"minifluid": lambda: exe.run(main, feed=feed, fetch_list=[total]),
           "numpy, no framework": lambda: np.sum(naive_forward(feed["x"], feed["label"]))}
    try:
        import paddle
    except ImportError:
        return race(fns, 2000)
    paddle.enable_static()
    pmain, pstartup = paddle.static.Program(), paddle.static.Program()
    with paddle.static.program_guard(pmain, pstartup):
        px = paddle.static.data("x", [-1, 10], "float32")
        py = paddle.static.data("label", [-1, 10], "float32")
        ptotal = paddle.sum(paddle._C_ops.sigmoid_cross_entropy_with_logits(px, py, None, True,
                                                                            -1))
    pexe = paddle.static.Executor(paddle.CPUPlace())
    pexe.run(pstartup)
    got = pexe.run(pmain, feed=feed, fetch_list=[ptotal])[0]
    ours = exe.run(main, feed=feed, fetch_list=[total])[0]
    assert np.allclose(got, ours, rtol=1e-5), (got, ours)
    fns["paddle static"] = lambda: pexe.run(pmain, feed=feed, fetch_list=[ptotal])
    res = race(fns, 500)
    paddle.disable_static()
    return res


def weighted(n=10**6):
    """The reduced loss with weight and pos_weight, forward and backward, as one
    Executor.run (loss and d loss / d logit) against torch autograd."""
    shape = (n // 100, 100)
    rng = np.random.default_rng(0)
    data = {"logit": rng.normal(0, 4, shape).astype("float32"),
            "label": rng.uniform(size=shape).astype("float32"),
            "weight": rng.uniform(0.5, 2, shape).astype("float32"),
            "pw": rng.uniform(0.5, 4, (100,)).astype("float32")}
    main = fluid.Program()
    with fluid.program_guard(main, fluid.Program()):
        v = {k: fluid.data(k, list(a.shape), "float32") for k, a in data.items()}
        v["logit"].stop_gradient = False
        loss = fluid.nn.functional.binary_cross_entropy_with_logits(
            v["logit"], v["label"], v["weight"], "mean", v["pw"])
        grad, = fluid.gradients([loss], [v["logit"]])
    exe = fluid.Executor()
    fns = {"minifluid": lambda: exe.run(main, data, [loss, grad])}
    try:
        import torch
    except ImportError:
        return race(fns)
    t = {k: torch.from_numpy(a) for k, a in data.items()}
    tl = t["logit"].clone().requires_grad_()
    F = torch.nn.functional.binary_cross_entropy_with_logits

    def torch_run():
        out = F(tl, t["label"], t["weight"], reduction="mean", pos_weight=t["pw"])
        return out, torch.autograd.grad(out, tl)[0]
    ours, theirs = fns["minifluid"](), torch_run()
    assert np.allclose(ours[0], theirs[0].item(), rtol=1e-4)
    assert np.allclose(ours[1], theirs[1].numpy(), atol=1e-9)
    fns["torch"] = torch_run
    return race(fns)


def gpu_time(fn, reps=30, calls=5):
    """Median seconds per call of fn on the GPU, from CUDA events around `calls` calls in a
    row (as in a training loop, Python queues the next launch while the GPU runs this one),
    after one warm-up call."""
    import cupy
    fn()
    times = []
    for _ in range(reps):
        start, stop = cupy.cuda.Event(), cupy.cuda.Event()
        start.record()
        for _ in range(calls):
            fn()
        stop.record()
        stop.synchronize()
        times.append(cupy.cuda.get_elapsed_time(start, stop) / 1e3 / calls)
    return statistics.median(times)


def gpu(n=10**8):
    """The cupy kernels at N = n against the memory bandwidth (the device's theoretical peak
    and a measured device-to-device copy) and torch's CUDA kernels on the same data."""
    import cupy
    print(f"cupy {cupy.__version__}, CUDA runtime {cupy.cuda.runtime.runtimeGetVersion()}, "
          f"driver {cupy.cuda.runtime.driverGetVersion()}")
    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    peak = 2 * props["memoryClockRate"] * 1e3 * props["memoryBusWidth"] / 8
    rng = cupy.random.default_rng(0)
    x = rng.standard_normal(n, dtype=cupy.float32) * 4
    z = (rng.random(n, dtype=cupy.float32) > 0.5).astype(cupy.float32)
    z[::7] = -1  # some ignored labels, for normalize
    d = rng.random(n, dtype=cupy.float32)
    pw_row = rng.random(1000, dtype=cupy.float32) + 0.5  # n must be a multiple of 1000
    copy = cupy.empty_like(x)
    t_copy = gpu_time(lambda: cupy.cuda.runtime.memcpyAsync(
        copy.data.ptr, x.data.ptr, x.nbytes, cupy.cuda.runtime.memcpyDeviceToDevice,
        cupy.cuda.get_current_stream().ptr))
    copy_bw = 2 * x.nbytes / t_copy
    try:
        import torch
        F = torch.nn.functional.binary_cross_entropy_with_logits
    except ImportError:
        torch = None

    def as_torch(a):
        return torch.as_tensor(a, device="cuda")

    def torch_calls(tx, tz, td, tpw):
        """torch's forward, and its backward alone (on a forward computed before timing)."""
        if torch is None:
            return None, None
        return (lambda: F(tx, tz, pos_weight=tpw, reduction="none"),
                torch_backward(F, tx, tz, td, pos_weight=tpw))

    plain = dict(ignore_index=-100, normalize=False)

    def dtype_cases(dt, bpe):
        """(what, dtype, bytes per element, our call, torch's call or None)"""
        xs, zs, ds = (a.astype(dt).reshape(-1, 1000) for a in (x, cupy.maximum(z, 0), d))
        zi, pw = z.astype(dt).reshape(xs.shape), pw_row.astype(dt)
        fwd = get_kernel(OP, "cuda", dt)
        bwd = get_kernel(OP + "_grad", "cuda", dt)
        one = cupy.broadcast_to(cupy.ones((), dt), xs.shape)
        tx, tz, td, tpw = (as_torch(a) for a in (xs, zs, ds, pw)) if torch else (None,) * 4
        t_fwd, t_bwd = torch_calls(tx, tz, td, None)
        cases = [("forward", dt, 3 * bpe, lambda: fwd(xs, zs, None, **plain), t_fwd),
                 ("backward", dt, 4 * bpe, lambda: bwd(xs, zs, None, ds, **plain), t_bwd)]
        if dt == "float32":
            t_fwd, t_bwd = torch_calls(tx, tz, td, tpw)
            cases += [
                ("forward, normalize (+ count)", dt, 4 * bpe,
                 lambda: fwd(xs, zi, None, ignore_index=-1, normalize=True), None),
                ("backward of a sum (dOut one value)", dt, 3 * bpe,
                 lambda: bwd(xs, zs, None, one, **plain), None),
                ("forward, PosWeight row [1000]", dt, 3 * bpe, lambda: fwd(xs, zs, pw, **plain),
                 t_fwd),
                ("backward, PosWeight row [1000]", dt, 4 * bpe,
                 lambda: bwd(xs, zs, pw, ds, **plain), t_bwd)]
        return cases

    cases = [c for dt, bpe in (("float32", 4), ("float64", 8), ("float16", 2))
             for c in dtype_cases(dt, bpe)]
    print(f"\nGPU {props['name'].decode()}, N = {n:.0e}; theoretical peak {peak / 1e9:.0f} GB/s, "
          f"a device-to-device copy {copy_bw / 1e9:.0f} GB/s (bytes read + written). Median "
          "of 30 runs of 5 calls in a row, by CUDA events; bytes = each input read once and "
          "the output written once (a PosWeight row is cached). torch: "
          "F.binary_cross_entropy_with_logits, its backward timed alone (autograd's backward "
          "on a forward computed before timing); ratio = torch's time / ours.")
    print("| kernel | dtype | ms | GB/s | of peak | of copy | torch ms | ratio |\n"
          "|---|---|---|---|---|---|---|---|")
    for what, dt, bpe, ours, theirs in cases:
        t = gpu_time(ours)
        bw = bpe * n / t
        line = f"| {what} | {dt} | {t * 1e3:.3f} | {bw / 1e9:.0f} | {bw / peak:.0%} | " \
               f"{bw / copy_bw:.0%} |"
        if theirs:
            tt = gpu_time(theirs)
            line += f" {tt * 1e3:.3f} | {tt / t:.2f} |"
        print(line + (" | |" if not theirs else ""))


def print_times(title, res, unit, fmt):
    """A Markdown table of race() results, in seconds times `unit`."""
    print(f"\n{title}, best (median):\n| what | best | median |\n|---|---|---|")
    for k, (b, m) in res.items():
        print(f"| {k} | {b * unit:{fmt}} | {m * unit:{fmt}} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="*", type=float, default=[1e5, 1e6, 1e7])
    ap.add_argument("--gpu", action="store_true")
    ap.add_argument("--gpu-only", action="store_true")
    ap.add_argument("--numpy", action="store_true",
                    help="time the numpy CPU kernels even where the C one is built")
    args = ap.parse_args()
    if args.numpy:
        cpu_op._native = None
    versions = [f"python {platform.python_version()}", f"numpy {np.__version__}"]
    for mod in ("torch", "paddle"):
        try:
            versions.append(f"{mod} {__import__(mod).__version__}")
        except ImportError:
            pass
    kernel, why = ("numpy", "--numpy") if args.numpy else native_status()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          + ", ".join(versions) + f"; {which_minifluid()}; float32 CPU loss kernels: "
          + f"{kernel} ({why})")
    if args.gpu_only:
        return gpu()

    rows = kernels([int(s) for s in args.sizes])
    print("\nLoss kernels, float32, elementwise (reduction='none'); best of 9 interleaved "
          "rounds, ms (median in brackets). Ratio = other's time / minifluid's time.")
    has_torch = "torch fwd" in rows[0]
    head = "| N | pass | minifluid | numpy | ratio vs numpy |" + (
        " torch | ratio vs torch |" if has_torch else "")
    print(head + "\n|" + "---|" * (head.count("|") - 1))
    for r in rows:
        for p in ("fwd", "bwd"):
            mf, npy = r[f"mf {p}"], r[f"np {p}"]
            line = (f"| {r['N']} | {p} | {mf[0] * 1e3:.3f} ({mf[1] * 1e3:.3f}) | "
                    f"{npy[0] * 1e3:.3f} | {npy[0] / mf[0]:.2f} |")
            if has_torch:
                t = r[f"torch {p}"]
                line += f" {t[0] * 1e3:.3f} ({t[1] * 1e3:.3f}) | {t[0] / mf[0]:.2f} |"
            print(line)
    print("\nExtra memory of the forward kernel beyond its output, in arrays the size of X: "
          + ", ".join(f"N={r['N']}: minifluid {r['mf mem']:.2f}, numpy {r['np mem']:.2f}"
                      for r in rows))

    print_times("Reduced loss with weight and pos_weight, forward and backward (loss and its "
                "gradient), float32, N = 1e6, ms", weighted(), 1e3, ".2f")
    print_times("One run of the README program at N = 100 (two feeds, fetch the total), us",
                executor_run(), 1e6, ".1f")
    if args.gpu:
        gpu()


if __name__ == "__main__":
    main()
