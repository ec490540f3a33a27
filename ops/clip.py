"""clip and clip_by_norm (fluid 1.8's), each Out of X's shape, dtype and LoD:

    clip          Out = min if X < min, max if X > max, else X   (a nan stays nan)
                  X@GRAD = Out@GRAD where min < X < max, else 0
    clip_by_norm  Out = X                          where ||X||_2 <= max_norm
                        X * max_norm / ||X||_2     otherwise        (no gradient in fluid)

clip's bounds are its `min` and `max` attrs, or its Min and Max inputs (one-element tensors,
read when it runs) where given; min < max, as fluid enforces. clip_by_norm's norm is taken of
X scaled by its largest |element|, so that it neither overflows (float32 X near 1e20) nor
underflows; max_norm > 0. A SelectedRows X (sparse gradient rows) has its rows merged (a row
given twice is summed), then clipped by the norm of what is left: Out is a SelectedRows.
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op
from minifluid.selected_rows import SelectedRows

from .rules import float_input, like, same_as_x

FLOATS = ("float32", "float64")

clip = register_op("clip", inputs=["X", "Min?", "Max?"], outputs=["Out"],
                   attrs={"min": 0.0, "max": 0.0}, doc=__doc__)


@clip.shape_rule
def _clip_rule(op):
    x = float_input(op)
    for slot in ("Min", "Max"):
        v = op.in_var(slot)
        if v is not None and (v.dtype != x.dtype or np.prod(v.shape) not in (1, -1)):
            raise TypeError(f"{slot} ('{v.name}') must be a one-element tensor of X's dtype "
                            f"{x.dtype}, got {v.dtype}{list(v.shape)}")
    if op.in_var("Min") is None and op.in_var("Max") is None and \
            not op.attr("min") < op.attr("max"):
        raise ValueError(f"min must be less than max, got min={op.attr('min')}, "
                         f"max={op.attr('max')}")
    return like(x)


def _bounds(x, min_t, max_t, lo, hi):
    """The bounds as X's dtype: from the tensors where given (a read of the device on GPU)."""
    lo = float(min_t.reshape(-1)[0]) if min_t is not None else lo
    hi = float(max_t.reshape(-1)[0]) if max_t is not None else hi
    if not lo < hi:
        raise ValueError(f"clip: min must be less than max, got min={lo}, max={hi}")
    return x.dtype.type(lo), x.dtype.type(hi)


@clip.kernel(*FLOATS)
def _clip(x, min_t, max_t, *, min, max):
    xp = get_array_module(x)
    lo, hi = _bounds(x, min_t, max_t, min, max)
    return xp.where(x < lo, lo, xp.where(x > hi, hi, x)).astype(x.dtype, copy=False)


clip.default_grad(inputs=("X", "Min", "Max"), grads=("X",))
clip_grad = register_op("clip_grad", inputs=["X", "Min?", "Max?", grad_name("Out")],
                        outputs=[grad_name("X")], attrs={"min": 0.0, "max": 0.0})


@clip_grad.kernel(*FLOATS)
def _clip_grad(x, min_t, max_t, dout, *, min, max):
    lo, hi = _bounds(x, min_t, max_t, min, max)
    return dout * ((x > lo) & (x < hi))


clip_by_norm = register_op("clip_by_norm", inputs=["X"], outputs=["Out"],
                           attrs={"max_norm": 1.0}, doc=__doc__,
                           no_grad="fluid 1.8 registers it without a gradient", sparse=("X",))


@clip_by_norm.shape_rule
def _clip_by_norm_rule(op):
    if not op.attr("max_norm") > 0:
        raise ValueError(f"max_norm must be > 0, got {op.attr('max_norm')}")
    return same_as_x(op)


@clip_by_norm.kernel(*FLOATS)
def _clip_by_norm(x, *, max_norm):
    if x.__class__ is SelectedRows:  # its rows merged first (a row given twice is summed)
        rows = x.merged()
        return rows.with_value(_clip_by_norm(rows.value, max_norm=max_norm))
    xp = get_array_module(x)
    if x.size == 0:
        return x.copy()
    big = xp.abs(x).max()
    with np.errstate(invalid="ignore"):  # an inf in X gives nan, as inf / inf does
        norm = big * xp.sqrt(xp.square(x / big).sum()) if big > 0 else big
    # one host read of the norm on GPU; the output is X itself or X scaled
    return x.copy() if norm <= max_norm else (x * (max_norm / norm)).astype(x.dtype)
