"""sigmoid_cross_entropy_with_logits: the elementwise logistic loss of logits X for labels.

With x = X, z = Label (soft labels in [0, 1] allowed), pw = PosWeight (1 when absent) and
lw = 1 + (pw - 1) z:

    Out    = (1 - z) x + lw (log1p(exp(-|x|)) + max(-x, 0))
           = max(x, 0) - x z + log1p(exp(-|x|))                  (pw = 1)
    X@GRAD = dOut (lw sigmoid(x) - pw z)  = dOut ((1 - z) + lw (sigmoid(x) - 1))
           = dOut (sigmoid(x) - z)                               (pw = 1)

Where Label == ignore_index (compared exactly) Out and X@GRAD are 0. With normalize, both
are divided by max(number of kept elements in the whole tensor, 1). PosWeight broadcasts
against X over trailing dimensions; Label and PosWeight get no gradient.

Numerics: the loss's exp only ever sees -|x|, so no finite input overflows there; the
gradient's sigmoid is 1 / (1 + exp(-x)), whose exp overflows to inf for x << 0, giving the
right 0 (not reported). With PosWeight the CPU kernel adds (pw - 1) z (log1p(exp(-|x|)) +
max(-x, 0)) to the loss without it; neither term exceeds the result, so nothing overflows
where the loss is finite, and for pw >= 1 nothing cancels. For infinite x the loss is
|x| c, c = (1 - z) if x > 0 else pw z, taken as 0 when c is 0.

Which kernel serves which (place, dtype), one file each beside this one:
    cpu float32   cpu_c.py (cpu.c, the C library setup.py builds), where it loaded; else
                  cpu_numpy.py (blocked numpy, threads: blocking.py)
    cpu float64   cpu_numpy.py
    cpu float16   cpu float32, computed in float32 (the registry's float16 policy)
    cuda (all)    cuda.py (cupy, one fused pass)
    any other     reference.py: a short xp version of the formula above, for reading, for
                  tests, and for a numpy-compatible place without kernels of its own
"""
import numpy as np

from minifluid.framework import same_shape
from minifluid.registry import grad_name, register_op

from ..rules import like
from . import cpu_c, reference
from .cpu_c import c_grad, c_loss
from .cpu_numpy import blocks, divisor, ignore_value, loss, loss_grad, minus_one

FLOATS = ("float16", "float32", "float64")

op = register_op("sigmoid_cross_entropy_with_logits", inputs=["X", "Label", "PosWeight?"],
                 outputs=["Out"], attrs={"ignore_index": -100, "normalize": False}, doc=__doc__)


@op.shape_rule
def _(op):
    x, z, pw = op.in_var("X"), op.in_var("Label"), op.in_var("PosWeight")
    if x.dtype.name not in FLOATS:
        raise TypeError(f"X ('{x.name}') must be float16, float32 or float64, got {x.dtype}")
    for name, v in (("Label", z), ("PosWeight", pw)):
        if v is not None and v.dtype != x.dtype:
            raise TypeError(f"{name} ('{v.name}') must have the dtype of X ('{x.name}', "
                            f"{x.dtype}), got {v.dtype}")
    if not same_shape(x.shape, z.shape):
        raise ValueError(f"X ('{x.name}') and Label ('{z.name}') must have the same shape, "
                         f"got {list(x.shape)} and {list(z.shape)}")
    if not x.shape:
        raise ValueError(f"X ('{x.name}') must have rank >= 1, got shape []")
    if pw is not None and (len(pw.shape) > len(x.shape) or any(
            p not in (1, d) and -1 not in (p, d)
            for p, d in zip(pw.shape[::-1], x.shape[::-1]))):
        raise ValueError(f"PosWeight ('{pw.name}') of shape {list(pw.shape)} does not "
                         f"broadcast to X ('{x.name}') of shape {list(x.shape)}")
    ignore_index, normalize = op.attr("ignore_index"), op.attr("normalize")
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
        raise TypeError(f"ignore_index must be an int, got {ignore_index!r}")
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize must be a bool, got {normalize!r}")
    return like(x)


op.default_grad(inputs=("X", "Label", "PosWeight"))
grad_op = register_op("sigmoid_cross_entropy_with_logits_grad",
                      inputs=["X", "Label", "PosWeight?", grad_name("Out")],
                      outputs=[grad_name("X") + "?"],
                      attrs=op.attrs)

# The C library, or None. bench_loss.py --numpy and the tests set it to None to run the numpy
# kernels (native_status then says "switched off").
_native = cpu_c.library


def _use_c(*arrays):
    """The C kernels take float32 only. The op's dtype rule makes all its inputs X's dtype;
    a direct call that mixes them gets the numpy code, which compares labels with
    ignore_index in their own dtype."""
    return _native is not None and all(a is None or a.dtype == np.float32 for a in arrays)


@op.kernel("float32", "float64", place="cpu")
def sigmoid_cross_entropy_with_logits(x, label, pos_weight, *, ignore_index, normalize):
    div, ign = divisor(label, ignore_value(label.dtype, ignore_index), normalize)
    if _use_c(x, label, pos_weight):
        return blocks(lambda o, x, z, pw: c_loss(o, x, z, pw, ign, div),
                      x, label, pos_weight)
    return blocks(lambda o, x, z, pm1: loss(o, x, z, pm1, ign, div),
                   x, label, minus_one(pos_weight))


@grad_op.kernel("float32", "float64", place="cpu")
def sigmoid_cross_entropy_with_logits_grad(x, label, pos_weight, dout, *, ignore_index,
                                           normalize):
    div, ign = divisor(label, ignore_value(label.dtype, ignore_index), normalize)
    if _use_c(x, label, pos_weight, dout):
        return blocks(lambda g, x, z, pw, d: c_grad(g, x, z, pw, d, ign, div),
                      x, label, pos_weight, dout)
    return blocks(lambda g, x, z, pm1, d: loss_grad(g, x, z, pm1, d, ign, div),
                   x, label, minus_one(pos_weight), dout)


# Any other numpy-compatible place (a new backend) starts from the reference kernels.
op.kernel(*FLOATS)(reference.loss)
grad_op.kernel(*FLOATS)(reference.loss_grad)

from . import cuda  # noqa: E402,F401  (registers the cuda kernels; it imports this module)
