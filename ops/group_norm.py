"""group_norm and instance_norm: X normalised over each group of channels of each sample
(instance_norm: each channel of each sample), then scaled and shifted per channel.

    group_norm(X, groups): the C channels (axis 1 for NCHW, the last for NHWC) fall into
        groups of ceil(C / groups) in order (the last may be smaller, as in fluid);
        Mean, Variance = the mean and biased variance of each (sample, group)      [N, groups]
    instance_norm(X): groups = C, NCHW;  SavedMean = the mean,
        SavedVariance = 1 / sqrt(variance + epsilon)                               [N * C]
    xhat = (X - mean) / sqrt(variance + epsilon);   Y = xhat Scale + Bias
    X@GRAD = (g - mean(g) - xhat mean(g xhat)) / sqrt(variance + epsilon),  g = dY Scale
             (means over the group);  Scale@GRAD = sum(dY xhat);  Bias@GRAD = sum(dY)
             (sums over all axes but C)
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import float_input, like

GROUP_ATTRS = {"epsilon": 1e-5, "groups": 1, "data_layout": "NCHW"}
INSTANCE_ATTRS = {"epsilon": 1e-5}
group = register_op("group_norm", inputs=["X", "Scale?", "Bias?"],
                    outputs=["Y", "Mean?", "Variance?"], attrs=GROUP_ATTRS, doc=__doc__)
instance = register_op("instance_norm", inputs=["X", "Scale?", "Bias?"],
                       outputs=["Y", "SavedMean?", "SavedVariance?"], attrs=INSTANCE_ATTRS,
                       doc=__doc__)


def _channels(op, layout):
    x = float_input(op)
    if layout not in ("NCHW", "NHWC"):
        raise ValueError(f"data_layout must be 'NCHW' or 'NHWC', got {layout!r}")
    if not 2 <= len(x.shape) <= 5:
        raise ValueError(f"X ('{x.name}') must have 2 to 5 dimensions, got shape "
                         f"{list(x.shape)}")
    c = x.shape[1 if layout == "NCHW" else -1]
    for slot in ("Scale", "Bias"):
        v = op.in_var(slot)
        if v is not None and (len(v.shape) != 1 or -1 not in (c, v.shape[0]) and v.shape[0] != c):
            raise ValueError(f"{slot} ('{v.name}') must have shape [{c}] (X's channels, "
                             f"data_layout {layout}), got {list(v.shape)}")
    eps, top = op.attr("epsilon"), (1.0 if op.type == "group_norm" else 1e-3)  # fluid's ranges
    if not 0 <= eps <= top:
        raise ValueError(f"epsilon must be in [0, {top}], got {eps}")
    return x, c


@group.shape_rule
def _(op):
    x, c = _channels(op, op.attr("data_layout"))
    groups = op.attr("groups")
    if groups < 1 or (c != -1 and groups > c):
        raise ValueError(f"groups must be in [1, {c}] (the channels of X ('{x.name}') of "
                         f"shape {list(x.shape)}, data_layout {op.attr('data_layout')}), got "
                         f"{groups}")
    stat = ((x.shape[0], groups), x.dtype)
    return {"Y": like(x), "Mean": stat, "Variance": stat}


@instance.shape_rule
def _(op):
    x, c = _channels(op, "NCHW")
    stat = ((-1 if -1 in (x.shape[0], c) else x.shape[0] * c,), x.dtype)
    return {"Y": like(x), "SavedMean": stat, "SavedVariance": stat}


def _rows(x, layout):
    """X as [N, C, M] (channels second, the rest flattened)."""
    if layout == "NHWC":
        x = get_array_module(x).moveaxis(x, -1, 1)
    return x.reshape(x.shape[0], x.shape[1], -1) if x.size else x.reshape(*x.shape[:2], 0)


def _unrows(r, shape, layout):
    if layout == "NHWC":
        moved = (shape[0], shape[-1]) + tuple(shape[1:-1])
        return get_array_module(r).moveaxis(r.reshape(moved), 1, -1)
    return r.reshape(shape)


class _Groups:
    """The channel -> group membership as a [C, G] 0/1 matrix: a group's mean is a matmul,
    on numpy and cupy alike, for groups of any (also unequal) size."""

    def __init__(self, r, groups):
        xp = get_array_module(r)
        size = (r.shape[1] - 1) // groups + 1
        self.of = (xp.arange(r.shape[1])[:, None] // size == xp.arange(groups)[None, :]) \
            .astype(r.dtype)
        self.count = xp.maximum(self.of.sum(axis=0) * r.shape[2], 1)  # an empty group: 0 / 1

    def mean(self, a):  # [N, C, M] -> [N, G]
        return a.sum(axis=2) @ self.of / self.count

    def max(self, a):  # [N, C] (>= 0) -> [N, G]
        return (a[:, :, None] * self.of[None]).max(axis=1) if a.shape[1] else a[:, :0]

    def spread(self, s):  # [N, G] -> [N, C, 1]
        return (s @ self.of.T)[:, :, None]


def _forward(x, scale, bias, groups, epsilon, layout):
    xp = get_array_module(x)
    r = _rows(x, layout)
    g = _Groups(r, groups)
    mean = g.mean(r)
    d = r - g.spread(mean)  # two passes: no cancellation for large offsets
    # the deviations over their group's largest |d| before squaring, so that a spread past
    # sqrt(max) (1.8e19 in float32) does not overflow; std = hypot(root mean square, sqrt(eps))
    top = g.max(xp.abs(d).max(axis=2) if d.shape[2] else xp.zeros(d.shape[:2], d.dtype))
    top = xp.where(top > 0, top, 1).astype(x.dtype)
    q = d / g.spread(top)
    rms = top * xp.sqrt(g.mean(q * q))
    std = xp.hypot(rms, xp.sqrt(xp.asarray(epsilon, x.dtype)))
    # numpy's errstate (cupy has none, and does not warn): eps 0 and a constant group is NaN
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1 / std
    y = d * g.spread(inv)
    if scale is not None:
        y = y * scale[None, :, None]
    if bias is not None:
        y = y + bias[None, :, None]
    with np.errstate(over="ignore"):  # a variance past the dtype's range is inf, as it is
        var = rms * rms
    return _unrows(y, x.shape, layout), mean, var, inv


def _backward(x, scale, mean, inv, dy, groups, layout, wanted):
    r, gy = _rows(x, layout), _rows(dy, layout)
    g = _Groups(r, groups)
    xhat = (r - g.spread(mean)) * g.spread(inv)
    dscale = (gy * xhat).sum(axis=(0, 2)) if wanted[1] else None
    dbias = gy.sum(axis=(0, 2)) if wanted[2] else None
    dx = None
    if wanted[0]:
        if scale is not None:
            gy = gy * scale[None, :, None]
        dx = (gy - g.spread(g.mean(gy)) - xhat * g.spread(g.mean(gy * xhat))) * g.spread(inv)
        dx = _unrows(dx, x.shape, layout)
    return dx, dscale, dbias


@group.kernel("float32", "float64")
def group_norm(x, scale, bias, *, epsilon, groups, data_layout):
    y, mean, var, _ = _forward(x, scale, bias, groups, epsilon, data_layout)
    return y, mean, var


@instance.kernel("float32", "float64")
def instance_norm(x, scale, bias, *, epsilon):
    y, mean, _, inv = _forward(x, scale, bias, x.shape[1], epsilon, "NCHW")
    return y, mean.reshape(-1), inv.reshape(-1)


def _grad_maker(stats):
    def make(op):
        ins = {s: op.input(s) for s in ("X", "Scale", "Bias") if op.input(s)}
        if not all(op.output(s) for s in stats):
            raise ValueError(f"{op.where()}: {op.type} needs its {' and '.join(stats)} outputs "
                             f"to be differentiated")
        ins.update({s: op.output(s) for s in stats})
        ins[grad_name("Y")] = [grad_name(n) for n in op.output("Y")]
        outs = {grad_name(s): [grad_name(n) for n in op.input(s)]
                for s in ("X", "Scale", "Bias") if op.input(s)}
        return [dict(type=op.type + "_grad", inputs=ins, outputs=outs, attrs=dict(op.attrs))]
    return make


GRAD_OUTS = [grad_name("X") + "?", grad_name("Scale") + "?", grad_name("Bias") + "?"]
group.grad_maker(_grad_maker(("Mean", "Variance")))
instance.grad_maker(_grad_maker(("SavedMean", "SavedVariance")))
group_grad = register_op("group_norm_grad", inputs=["X", "Scale?", "Bias?", "Mean", "Variance",
                                                    grad_name("Y")],
                         outputs=GRAD_OUTS, attrs=GROUP_ATTRS, wants_outputs=True)
instance_grad = register_op("instance_norm_grad",
                            inputs=["X", "Scale?", "Bias?", "SavedMean", "SavedVariance",
                                    grad_name("Y")],
                            outputs=GRAD_OUTS, attrs=INSTANCE_ATTRS, wants_outputs=True)


@group_grad.kernel("float32", "float64")
def group_norm_grad(x, scale, bias, mean, var, dy, *, epsilon, groups, data_layout, wanted):
    inv = 1 / get_array_module(x).sqrt(var + epsilon)
    return _backward(x, scale, mean, inv, dy, groups, data_layout, wanted)


@instance_grad.kernel("float32", "float64")
def instance_norm_grad(x, scale, bias, mean, inv, dy, *, epsilon, wanted):
    n, c = x.shape[:2]
    return _backward(x, scale, mean.reshape(n, c), inv.reshape(n, c), dy, c, "NCHW", wanted)
