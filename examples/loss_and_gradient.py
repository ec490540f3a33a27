"""A fluid 1.x program, unchanged but for its import: the sigmoid cross-entropy loss of a
batch of logits, summed, and its gradient with respect to the logits.

    python examples/loss_and_gradient.py            # on the CPU
    python examples/loss_and_gradient.py --cuda     # on GPU 0 (needs minifluid[cuda])
"""
import argparse

import numpy as np

import minifluid as fluid

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--cuda", action="store_true", help="run on CUDAPlace(0)")
parser.add_argument("--batch", type=int, default=8)
args = parser.parse_args()

x = fluid.layers.data(name="x", shape=[10], dtype="float32")
label = fluid.layers.data(name="label", shape=[10], dtype="float32")
x.stop_gradient = False
loss = fluid.layers.sigmoid_cross_entropy_with_logits(x=x, label=label, ignore_index=-1,
                                                      normalize=True)
total = fluid.layers.reduce_sum(loss)
dx, = fluid.gradients([total], [x])

place = fluid.CUDAPlace(0) if args.cuda else fluid.CPUPlace()
exe = fluid.Executor(place)
exe.run(fluid.default_startup_program())

rng = np.random.default_rng(0)
xs = rng.normal(0, 3, (args.batch, 10)).astype("float32")
ys = rng.integers(0, 2, (args.batch, 10)).astype("float32")
ys[0, :5] = -1  # ignored labels
out, g = exe.run(fluid.default_main_program(), feed={"x": xs, "label": ys},
                 fetch_list=[total, dx])

print(fluid.default_main_program())
print(f"place: {place}")
print(f"total loss: {out[0]:.6f}")
print(f"d(total)/dx, first row: {np.array2string(g[0], precision=4)}")

# The same numbers from the textbook formula, in float64.
x64, y64 = xs.astype(np.float64), ys.astype(np.float64)
kept = y64 != -1
per = np.where(kept, y64 * np.logaddexp(0, -x64) + (1 - y64) * np.logaddexp(0, x64), 0)
want_total = per.sum() / kept.sum()
want_g = np.where(kept, 1 / (1 + np.exp(-x64)) - y64, 0) / kept.sum()
ok = np.isclose(out[0], want_total, rtol=1e-5) and np.allclose(g, want_g, atol=1e-6)
print(f"matches the float64 reference: {ok}")
raise SystemExit(0 if ok else 1)
