"""layer_norm: each row of X (X flattened to [N, D] at begin_norm_axis) normalised to mean 0
and variance 1, then scaled and shifted per column.

    xhat     = (X - Mean) / sqrt(Variance + epsilon)     (Mean, Variance per row, shape [N])
    Y        = xhat * Scale + Bias                       (Scale, Bias of shape [D], optional)
    X@GRAD   = (g - mean(g) - xhat mean(g xhat)) / sqrt(Variance + epsilon),  g = dY Scale
    Scale@GRAD = sum over rows of dY xhat;  Bias@GRAD = sum over rows of dY
"""
import math

from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import float_input, like

ATTRS = {"epsilon": 1e-5, "begin_norm_axis": 1}
op = register_op("layer_norm", inputs=["X", "Scale?", "Bias?"],
                 outputs=["Y", "Mean?", "Variance?"], attrs=ATTRS, doc=__doc__)


@op.shape_rule
def _(op):
    x, axis = float_input(op), op.attr("begin_norm_axis")
    if not 0 <= axis < len(x.shape):
        raise ValueError(f"begin_norm_axis {axis} must be in [0, {len(x.shape) - 1}] for X "
                         f"('{x.name}') of shape {list(x.shape)}")
    left, right = x.shape[:axis], x.shape[axis:]
    n = -1 if -1 in left else math.prod(left)
    d = -1 if -1 in right else math.prod(right)
    for slot in ("Scale", "Bias"):
        v = op.in_var(slot)
        if v is not None and (len(v.shape) != 1 or v.shape[0] not in (d, -1) and d != -1):
            raise ValueError(f"{slot} ('{v.name}') must have shape [{d}] (the size of X's "
                             f"dimensions from begin_norm_axis {axis}), got {list(v.shape)}")
    return {"Y": like(x), "Mean": ((n,), x.dtype), "Variance": ((n,), x.dtype)}


def _rows(x, axis):
    return x.reshape(math.prod(x.shape[:axis]), math.prod(x.shape[axis:]))  # -1 fails for N=0


@op.kernel("float32", "float64")
def layer_norm(x, scale, bias, *, epsilon, begin_norm_axis):
    rows = _rows(x, begin_norm_axis)
    mean = rows.mean(axis=1)
    var = ((rows - mean[:, None]) ** 2).mean(axis=1)  # two passes: no cancellation
    y = (rows - mean[:, None]) / get_array_module(x).sqrt(var + epsilon)[:, None]
    if scale is not None:
        y = y * scale
    if bias is not None:
        y = y + bias
    return y.reshape(x.shape), mean, var


@op.grad_maker
def _(op):
    ins = {s: op.input(s) for s in ("X", "Scale", "Bias") if op.input(s)}
    ins.update({"Mean": op.output("Mean"), "Variance": op.output("Variance"),
                grad_name("Y"): [grad_name(n) for n in op.output("Y")]})
    if not op.output("Mean") or not op.output("Variance"):
        raise ValueError(f"{op.where()}: layer_norm needs its Mean and Variance outputs to be "
                         f"differentiated")
    outs = {grad_name(s): [grad_name(n) for n in names] for s, names in ins.items()
            if s in ("X", "Scale", "Bias")}
    return [dict(type="layer_norm_grad", inputs=ins, outputs=outs, attrs=dict(op.attrs))]


grad = register_op("layer_norm_grad",
                   inputs=["X", "Scale?", "Bias?", "Mean", "Variance", grad_name("Y")],
                   outputs=[grad_name("X") + "?", grad_name("Scale") + "?",
                            grad_name("Bias") + "?"], attrs=ATTRS, wants_outputs=True)


@grad.kernel("float32", "float64")
def layer_norm_grad(x, scale, bias, mean, var, dy, *, epsilon, begin_norm_axis, wanted):
    xp = get_array_module(x)
    rows, g = _rows(x, begin_norm_axis), _rows(dy, begin_norm_axis)
    inv = 1 / xp.sqrt(var + epsilon)[:, None]
    xhat = (rows - mean[:, None]) * inv
    dscale = (g * xhat).sum(axis=0) if wanted[1] else None
    dbias = g.sum(axis=0) if wanted[2] else None
    dx = None
    if wanted[0]:
        if scale is not None:
            g = g * scale
        dx = (g - g.mean(axis=1, keepdims=True)
              - xhat * (g * xhat).mean(axis=1, keepdims=True)) * inv
        dx = dx.reshape(x.shape)
    return dx, dscale, dbias
