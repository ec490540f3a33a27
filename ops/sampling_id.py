"""sampling_id: one class id drawn per row of X from the row's weights.

    X: [N, K] float32/float64 (probabilities, each row summing to about 1)
    r_i ~ U[min, max); Out[i] = the first j with r_i - X[i, 0] - ... - X[i, j] < 0
          (subtracted one at a time in X's dtype, as fluid 1.8 does), else K - 1
    Out: [N] int64

The draws are fluid 1.8's: std::minstd_rand seeded with `seed` (0: fresh entropy on every
run) through libstdc++'s uniform_real_distribution of X's dtype (ops/random.py, canonical),
drawn on the host for either place. No gradient: the output is a sample of ids.
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import register_op

from .random import canonical

op = register_op("sampling_id", inputs=["X"], outputs=["Out"],
                 attrs={"min": 0.0, "max": 1.0, "seed": 0}, doc=__doc__,
                 no_grad="a sample of class ids; fluid 1.8 has no gradient")


@op.shape_rule
def _(op):
    x, lo, hi, seed = op.in_var("X"), op.attr("min"), op.attr("max"), op.attr("seed")
    if x.dtype.name not in ("float32", "float64") or len(x.shape) != 2:
        raise TypeError(f"X ('{x.name}') must be a 2-D float32/float64 tensor [N, K], got "
                        f"{x.dtype}{list(x.shape)}")
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"min ({lo}) must be less than max ({hi}), both finite")
    if not 0 <= seed < 2 ** 31:
        raise ValueError(f"seed must be in [0, 2^31) (0: fresh entropy), got {seed}")
    return (x.shape[0],), np.dtype("int64"), x.lod_level


@op.kernel("float32", "float64")
def sampling_id(x, *, min, max, seed):  # noqa: A002 -- fluid's attr names
    xp = get_array_module(x)
    host = x if isinstance(x, np.ndarray) else x.get()  # cupy: drawn on the host
    t = host.dtype.type
    seed = seed or int(np.random.SeedSequence().generate_state(1)[0])
    lo, hi = t(np.float32(min)), t(np.float32(max))  # a C++ float attr, then X's dtype
    r = canonical(seed, host.shape[0], host.dtype) * (hi - lo) + lo
    ids = np.full(host.shape[0], host.shape[1] - 1, np.int64)
    open_ = np.ones(host.shape[0], bool)  # rows whose id is not found yet
    for j in range(host.shape[1]):
        r = r - host[:, j]
        hit = open_ & (r < 0)
        ids[hit], open_ = j, open_ & ~hit
    return xp.asarray(ids)
