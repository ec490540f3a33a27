"""The float32 C kernels' wrappers (the C is in cpu.c; it computes the loss as
lw log1p(exp(-|x|)) + |x| c, as the CUDA kernel does).
"""
import ctypes
import math

import numpy as np

from minifluid.kernels import native_library

from .cpu_numpy import count_ignored, loss, loss_grad, minus_one

# cpu.c: one pass each instead of 7 to 12 numpy ufuncs, about
# twice as fast (benchmarks/RESULTS.md); built by setup.py when a C compiler is there. Called
# on the same blocks (its calls release the GIL, so large arrays are split over threads as
# blocking.py does). Elements whose result is not finite are computed again by the numpy code, which
# has the rules for infinite inputs and the overflow warning.
library = native_library(__file__, "_sigmoid_cross_entropy_with_logits_cpu", abi=1,
                         symbols=["sce_loss_f32", "sce_grad_f32"])
if library is not None:
    _P, _N, _F = ctypes.c_void_p, ctypes.c_int64, ctypes.c_float
    library.sce_loss_f32.argtypes = [_N, _P, _P, _P, _P, _F, _F]
    library.sce_grad_f32.argtypes = [_N, _P, _P, _P, _P, _N, _P, _F, _F]


def _flat(x, *more):
    """x and the others contiguous, aligned and shaped like x, as the C code reads them (a
    block is already; a small X whole may come as a view, or PosWeight broadcast)."""
    return [a if a is None or a.flags.c_contiguous and a.flags.aligned and
            a.shape == x.shape else np.require(np.broadcast_to(a, x.shape), None, ["C", "A"])
            for a in (x,) + more]


def _ptr(a):
    return None if a is None else a.ctypes.data


def _c_ign(ign):
    return math.nan if ign is None else ign  # no label equals NaN


def _c_inputs(x, z, pw, ign, div):
    """x, z, pw as the C code reads them, and the divisor (this block's kept count if None)."""
    x, z, pw = _flat(x, z, pw)
    return x, z, pw, max(z.size - count_ignored(z, ign)[0], 1) if div is None else div


def c_loss(out, x, z, pw, ign, div):
    x, z, pw, div = _c_inputs(x, z, pw, ign, div)
    if library.sce_loss_f32(x.size, _ptr(x), _ptr(z), _ptr(pw), _ptr(out), _c_ign(ign),
                            1 / div):
        _redo(out, lambda o, x, z, pw: loss(o, x, z, minus_one(pw), ign, div), x, z, pw)


def c_grad(dx, x, z, pw, dout, ign, div):
    x, z, pw, div = _c_inputs(x, z, pw, ign, div)
    if any(dout.strides):
        (d,), step, scale = _flat(x, dout)[1:], 1, 1 / div
    else:  # one value broadcast: folded into the divisor, as in _finish
        d, step, scale = np.array(float(dout.flat[0]) / div, np.float32), 0, 1.0
    if library.sce_grad_f32(x.size, _ptr(x), _ptr(z), _ptr(pw), _ptr(d), step, _ptr(dx),
                            _c_ign(ign), scale):
        _redo(dx, lambda g, x, z, pw, d: loss_grad(g, x, z, minus_one(pw), d, ign, div),
              x, z, pw, dout)


def _redo(result, compute, *arrays):
    """Compute again, the numpy way, the elements whose C result is not finite (and only
    those, so that an element's result does not depend on its neighbours)."""
    bad = ~np.isfinite(result)
    part = np.empty(np.count_nonzero(bad), result.dtype)
    compute(part, *(None if a is None else a[bad] for a in arrays))
    result[bad] = part
