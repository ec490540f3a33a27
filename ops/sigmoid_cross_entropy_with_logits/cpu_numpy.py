"""The numpy CPU kernels of sigmoid_cross_entropy_with_logits (float32 without the C library,
float64; float16 through float32): blocked, so that a chain of ufuncs stays in cache, and
accurate where the loss and its gradient are small. The formula is in __init__.py.
"""
import math
import warnings

import numpy as np

from . import blocking
from .blocking import for_blocks, scratch, zeros

# Arrays up to blocking.BLOCK elements are computed whole. Larger ones are viewed as 2-D
# (rows, cols), PosWeight as its (1, cols) row tiled to one block (or (rows, 1) when it has
# X's size), and computed a block of rows at a time, so that intermediates stay in cache.

def blocks(kernel, x, z, pw, *more):
    """Run kernel(out, x, z, pw, *more) over blocks of rows; returns out."""
    if x.shape != z.shape:
        raise ValueError(f"X has shape {list(x.shape)} but Label has shape {list(z.shape)}")
    more = tuple(np.broadcast_to(a, x.shape) for a in more)  # dOut: one value, say
    out = np.empty(x.shape, x.dtype)
    if x.size <= blocking.BLOCK:
        if x.size:
            kernel(out, x, z, pw, *more)
        return out
    cols, tiled = 1, None
    tail = x.shape[x.ndim - pw.ndim:] if pw is not None and pw.ndim else ()
    if pw is not None and pw.size != x.size and math.prod(tail) <= blocking.BLOCK:
        # Rows of weights, tiled to a block: a same-shape multiply is ~2.5x faster than
        # one broadcasting a short row.
        # Kept between calls (scratch 2; the kernels use 0 and 1): a fresh one would be
        # page-faulted in on each call, which costs as much as the tiling saves.
        cols = math.prod(tail)
        rows = min(max(1, blocking.BLOCK // cols), x.size // cols)
        tiled = scratch(np.broadcast_to(pw.dtype.type(0), (rows, cols)), 2)
        tiled[...] = np.broadcast_to(pw, tail).reshape(1, -1)
        pw = tiled
    elif pw is not None:  # as large as X, or rows too long to block: one weight per element
        pw = np.ascontiguousarray(np.broadcast_to(pw, x.shape)).reshape(-1, 1)
    o2 = out.reshape(-1, cols)
    x2, z2, *m2 = (_rows(a, cols) for a in (x, z) + more)

    def block(lo, hi):
        pb = None if pw is None else pw[:hi - lo] if pw is tiled else pw[lo:hi]
        kernel(o2[lo:hi], x2[lo:hi], z2[lo:hi], pb, *(a[lo:hi] for a in m2))

    for_blocks(block, x2.shape[0], cols)
    return out


def _rows(a, cols):
    """a as (rows, cols); one value broadcast (the gradient of a sum) stays a stride-0 view."""
    if a.size and not any(a.strides):
        return np.broadcast_to(a[(0,) * a.ndim], (a.size // cols, cols))
    return np.ascontiguousarray(a).reshape(-1, cols)


def ignore_value(dtype, ignore_index):
    """ignore_index as a label value, or None when the dtype cannot hold it exactly (2**24 + 1
    in float32, say): then no label equals it, compared as numbers."""
    value = dtype.type(ignore_index)
    return value if float(value) == ignore_index else None


def count_ignored(z, ign):
    """How many labels equal ign. One min (or max) pass settles the usual case, ign outside
    the labels' range, for half the cost of comparing every label and counting."""
    if ign is None or not z.size or ign < np.minimum.reduce(z, axis=None) or \
            ign > np.maximum.reduce(z, axis=None):
        return 0, None
    mask = np.equal(z, ign)
    return np.count_nonzero(mask), mask


def divisor(z, ign, normalize):
    """(what normalize divides by, ign): the kept count, or None when X is one block
    (_finish counts); ign becomes None when counting found no label equal to it, so that
    the blocks do not look again."""
    if not normalize or z.size <= blocking.BLOCK:
        return (None if normalize else 1), ign
    ignored = count_ignored(z, ign)[0]
    return max(z.size - ignored, 1), (ign if ignored else None)


def _finish(out, z, ign, div, scale=None):
    """Divide by the divisor (None: this block's kept count), times `scale` (a dOut that is
    one value everywhere, or None) in the same pass; then zero ignored elements (last, so
    that an infinite scale leaves them 0)."""
    ignored, mask = count_ignored(z, ign)
    if div is None:
        div = max(z.size - ignored, 1)
    if scale is not None:
        factor = out.dtype.type(float(scale) / div)  # one rounding of scale / div
        if factor != 1:
            np.multiply(out, factor, out=out)
    elif div != 1:
        np.divide(out, div, out=out)
    if ignored:
        np.copyto(out, 0, where=mask)


def _mend_infinite(out, x, z, pm1):
    """Where x is infinite the loss is |x| c, c = (1 - z) if x > 0 else pw z, and 0 if c is 0."""
    inf = np.isinf(x)
    xi, zi = x[inf], z[inf]
    pwi = 1 if pm1 is None else np.broadcast_to(pm1, x.shape)[inf] + 1
    c = np.where(xi > 0, 1 - zi, zi * pwi)
    out[inf] = np.where(c == 0, 0, np.inf * np.where(c == 0, 1, c))


_SIGN_BIT = {np.dtype(np.float32): np.int32(-2**31), np.dtype(np.float64): np.int64(-2**63)}


def _negative_abs(x, out):
    """out = -|x|, in one pass (setting the sign bit) where the dtype is native."""
    bit = _SIGN_BIT.get(x.dtype)
    if bit is None:
        np.negative(np.abs(x, out=out), out=out)
    else:
        np.bitwise_or(x.view(bit.dtype), bit, out=out.view(bit.dtype))


def loss(out, x, z, pm1, ign, div):
    """pm1 is PosWeight - 1 (None without PosWeight)."""
    # numpy flags a NaN, which only an infinite x (inf * 0, inf - inf) or a label outside
    # [0, 1] makes, and an overflow, which only such a label (x z with z = -100, say) or a
    # loss past the dtype's range makes. Only then is the loss computed again, and mended.
    try:
        with np.errstate(invalid="raise", over="raise"):
            _loss_terms(out, x, z, pm1)
        flagged = False
    except FloatingPointError:
        with np.errstate(invalid="ignore", over="ignore"):
            _loss_terms(out, x, z, pm1)
        _mend_infinite(out, x, z, pm1)
        flagged = True
    _finish(out, z, ign, div)
    if flagged:
        _warn_overflow(out, x, pm1)


def _warn_overflow(result, *inputs):
    """Warn where a kept element overflowed: an infinite result from finite inputs (ignored
    elements are 0 by now, so an ignored label's overflow is not reported)."""
    bad = np.isinf(result)
    for a in inputs:
        if a is not None:
            bad &= np.isfinite(a)
    n = np.count_nonzero(bad)
    if n:
        warnings.warn(f"sigmoid_cross_entropy_with_logits: {n} value(s) overflowed to inf "
                      f"from finite inputs (past the range of {result.dtype}, at least "
                      f"before normalize divides)", RuntimeWarning, stacklevel=2)


def _loss_terms(out, x, z, pm1):
    """The loss without PosWeight sums terms of one sign: a small loss (x << 0 with z = 0,
    say) keeps its relative accuracy, which (1 - z) x + lw q would lose (x + |x| + ...: 0
    from x = -17 in float32). PosWeight's term has the same sign when pw >= 1."""
    t = scratch(x)                              # the only work arrays, one block long
    a = scratch(x, 1)
    _negative_abs(x, t)
    np.exp(t, out=t)
    np.log1p(t, out=t)                          # log1p(exp(-|x|)), in [0, log 2]
    np.multiply(x, z, out=out)
    np.maximum(x, zeros(x), out=a)
    np.subtract(a, out, out=out)                # max(x, 0) - x z >= 0 for z in [0, 1]
    np.add(out, t, out=out)                     # the loss without PosWeight
    if pm1 is not None:                         # + (pw - 1) z (log1p(exp(-|x|)) + max(-x, 0))
        np.subtract(a, x, out=a)
        np.add(a, t, out=a)
        np.multiply(a, z, out=a)
        np.multiply(a, pm1, out=a)
        np.add(out, a, out=out)


# sigmoid(x) = 1 / (1 + 2**(-x log2 e)): a small sigmoid keeps its relative accuracy, within
# |x| 2**-24 in float32 (3.9e-6 at x = -87; |x| 2**-53 in float64). The tanh form, (1 +
# tanh(x/2)) / 2, made this kernel 5-12% quicker, but is accurate only to ~3e-8 absolute:
# from x = -13 on, the gradient of a float32 loss with z = 0 was off by more than 1%.
# numpy's exp2 takes about half the time of its exp (which would cost ~50% more).
_MINUS_LOG2E = {np.dtype(t): t(-1 / math.log(2)) for t in (np.float32, np.float64)}


def loss_grad(dx, x, z, pm1, dout, ign, div):
    try:  # an overflow as in loss; only then computed again
        with np.errstate(over="raise"):
            _grad_terms(dx, x, z, pm1, dout, ign, div)
    except FloatingPointError:
        with np.errstate(over="ignore"):
            _grad_terms(dx, x, z, pm1, dout, ign, div)
        _warn_overflow(dx, x, dout, pm1)


def _grad_terms(dx, x, z, pm1, dout, ign, div):
    with np.errstate(over="ignore"):                # inf for x << 0: sigmoid(x) is 0, right
        np.multiply(x, _MINUS_LOG2E[x.dtype], out=dx)
        np.exp2(dx, out=dx)                         # exp(-x)
    np.add(dx, 1, out=dx)
    np.divide(1, dx, out=dx)                        # sigmoid(x), exactly 1/2 at x = 0
    if pm1 is None:
        np.subtract(dx, z, out=dx)                  # sigmoid(x) - z
    else:  # sigmoid(x) lw - pw z (torch's form): each term keeps its relative accuracy, so
        a, b = scratch(x), scratch(x, 1)            # a small gradient does too unless the
        np.multiply(pm1, z, out=a)                  # two cancel ((1 - z) + lw (sigmoid(x) -
        np.add(a, z, out=b)                         # 1) lost it for pw < 1)
        np.add(a, 1, out=a)                         # lw = 1 + (pw - 1) z
        np.multiply(dx, a, out=dx)
        np.subtract(dx, b, out=dx)
    if any(dout.strides):
        np.multiply(dx, dout, out=dx)
        _finish(dx, z, ign, div)
    else:  # one value broadcast (the gradient of a sum or mean): folded into the divisor
        _finish(dx, z, ign, div, dout.flat[0])


def minus_one(pos_weight):
    return None if pos_weight is None else pos_weight - pos_weight.dtype.type(1)

