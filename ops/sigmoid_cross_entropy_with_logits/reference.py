"""The loss and its gradient in a few lines of xp (numpy or cupy, from the inputs): the formula
of __init__.py written once, whole arrays, no blocks, threads or fast paths, computed in the
inputs' dtype (float16 in float32, as the kernels do).

It is the op's generic kernel: it serves a numpy-compatible place that has no kernels of its
own (a new backend). The CPU and CUDA places have theirs (__init__.py says which), which
round differently from it in the last bit; the tests hold every kernel to it.
"""
import numpy as np

from minifluid.place import get_array_module

from .cpu_numpy import ignore_value


def _prepare(x, label, pos_weight, ignore_index, normalize):
    """x, z, pw in the computing dtype; kept (labels not ignored); the divisor."""
    xp = get_array_module(x)
    dtype = xp.float32 if x.dtype == xp.float16 else x.dtype
    x, z = x.astype(dtype), label.astype(dtype)
    pw = xp.ones((), dtype) if pos_weight is None else pos_weight.astype(dtype)
    ign = ignore_value(label.dtype, ignore_index)
    kept = xp.ones(z.shape, bool) if ign is None else label != ign
    div = max(int(xp.count_nonzero(kept)), 1) if normalize else 1
    return xp, x, z, pw, kept, div


def loss(x, label, pos_weight=None, *, ignore_index=-100, normalize=False):
    xp, x, z, pw, kept, div = _prepare(x, label, pos_weight, ignore_index, normalize)
    ax = xp.abs(x)
    c = xp.where(x >= 0, 1 - z, pw * z)  # the weight of |x|: 0 makes |x| c 0, even for inf
    with np.errstate(invalid="ignore"):  # numpy's (cupy has no errstate and does not warn)
        out = (1 + (pw - 1) * z) * xp.log1p(xp.exp(-ax)) + xp.where(c == 0, 0, ax * c)
    return xp.where(kept, out / div, 0).astype(label.dtype)


def loss_grad(x, label, pos_weight, dout, *, ignore_index=-100, normalize=False):
    xp, x, z, pw, kept, div = _prepare(x, label, pos_weight, ignore_index, normalize)
    with np.errstate(over="ignore"):
        s = 1 / (1 + xp.exp(-x))  # x << 0: 1 / inf, the right 0
    dx = (s * (1 + (pw - 1) * z) - pw * z) * dout.astype(x.dtype)
    return xp.where(kept, dx / div, 0).astype(label.dtype)
