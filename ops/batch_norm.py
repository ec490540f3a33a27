"""batch_norm: X normalised per channel C (axis 1 for NCHW, the last for NHWC) with the
batch's statistics while training, or the moving ones (Mean, Variance) when testing.

    training:  mu, var = mean and (biased) variance of X over all axes but C
               MeanOut = Mean momentum + mu (1 - momentum);  VarianceOut likewise with var
               SavedMean = mu;  SavedVariance = 1 / sqrt(var + epsilon)
    testing (is_test without trainable_statistics, use_global_stats, or an empty batch):
               mu, var = Mean, Variance;  MeanOut = Mean;  VarianceOut = Variance
    Y = (X - mu) / sqrt(var + epsilon) Scale + Bias

    X@GRAD, with xhat = (X - mu) / sqrt(var + epsilon) and m the elements per channel:
      batch statistics:  Scale / sqrt(var + eps) (dY - sum(dY) / m - xhat sum(dY xhat) / m)
      fixed statistics:  Scale / sqrt(var + eps) dY
    Scale@GRAD = sum(dY xhat);  Bias@GRAD = sum(dY)            (sums over all axes but C)

MomentumTensor (a 1-element float tensor), where given, replaces the momentum attr.
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import float_input, like

ATTRS = {"momentum": 0.9, "epsilon": 1e-5, "is_test": False, "data_layout": "NCHW",
         "use_global_stats": False, "trainable_statistics": False, "fuse_with_relu": False}
op = register_op("batch_norm", inputs=["X", "Scale", "Bias", "Mean", "Variance",
                                       "MomentumTensor?"],
                 outputs=["Y", "MeanOut?", "VarianceOut?", "SavedMean?", "SavedVariance?",
                          "ReserveSpace?"], attrs=ATTRS, doc=__doc__)


def _channel_axis(op, x):
    layout = op.attr("data_layout")
    if layout not in ("NCHW", "NHWC", "AnyLayout"):
        raise ValueError(f"data_layout must be 'NCHW' or 'NHWC', got {layout!r}")
    if not 2 <= len(x.shape) <= 5:
        raise ValueError(f"X ('{x.name}') must have 2 to 5 dimensions, got shape "
                         f"{list(x.shape)}")
    return len(x.shape) - 1 if layout == "NHWC" else 1


@op.shape_rule
def _(op):
    x = float_input(op)
    c = x.shape[_channel_axis(op, x)]
    for slot in ("Scale", "Bias", "Mean", "Variance"):
        v = op.in_var(slot)
        if len(v.shape) != 1 or (c != -1 and v.shape[0] not in (c, -1)):
            raise ValueError(f"{slot} ('{v.name}') must have shape [{c}] (X's channels, "
                             f"data_layout {op.attr('data_layout')}), got {list(v.shape)}")
    m = op.in_var("MomentumTensor")
    if m is not None and (m.dtype.kind != "f" or tuple(m.shape) not in ((1,), (-1,))):
        raise TypeError(f"MomentumTensor ('{m.name}') must be a 1-element float tensor, got "
                        f"{m.dtype}{list(m.shape)}")
    eps = op.attr("epsilon")
    if not 0 <= eps <= 1e-3:  # fluid 1.8's range
        raise ValueError(f"epsilon must be in [0, 0.001], got {eps}")
    stat = like(op.in_var("Mean"))
    return {"Y": like(x), "MeanOut": stat, "VarianceOut": stat, "SavedMean": stat,
            "SavedVariance": stat, "ReserveSpace": like(x, shape=(0,))}


def _axes(x, layout):
    """The axes reduced (all but C) and the shape a [C] vector broadcasts as."""
    c = x.ndim - 1 if layout == "NHWC" else 1
    return tuple(i for i in range(x.ndim) if i != c), tuple(-1 if i == c else 1
                                                            for i in range(x.ndim))


def _fixed(is_test, use_global_stats, trainable_statistics):
    return use_global_stats or (is_test and not trainable_statistics)


@op.kernel("float32", "float64")
def batch_norm(x, scale, bias, mean, var, momentum_t, *, momentum, epsilon, is_test,
               data_layout, use_global_stats, trainable_statistics, fuse_with_relu):
    xp = get_array_module(x)
    axes, shape = _axes(x, data_layout)
    if momentum_t is not None:
        momentum = float(momentum_t.reshape(-1)[0])  # a read of the device on GPU
    # an empty batch has no statistics: the moving ones stay and are used (Y is empty)
    if _fixed(is_test, use_global_stats, trainable_statistics) or x.size == 0:
        mu, sigma2, mean_out, var_out = mean, var, mean, var
    else:
        mu = x.mean(axis=axes)
        sigma2 = ((x - mu.reshape(shape)) ** 2).mean(axis=axes)  # two passes: no cancellation
        mean_out = mean * momentum + mu * (1 - momentum)
        var_out = var * momentum + sigma2 * (1 - momentum)
    with np.errstate(divide="ignore", invalid="ignore"):  # epsilon 0 and a constant channel
        inv = 1 / xp.sqrt(sigma2 + epsilon)  # give inf and NaN quietly, as in fluid
        y = (x - mu.reshape(shape)) * (scale * inv).reshape(shape) + bias.reshape(shape)
    if fuse_with_relu:
        y = xp.maximum(y, 0)
    return (y.astype(x.dtype, copy=False), mean_out, var_out, mu, inv,
            xp.zeros((0,), x.dtype))


@op.grad_maker
def _(op):
    ins = {s: op.input(s) for s in ("X", "Scale", "Bias", "Mean", "Variance")}
    ins.update({"SavedMean": op.output("SavedMean"), "SavedVariance": op.output("SavedVariance"),
                grad_name("Y"): [grad_name(n) for n in op.output("Y")]})
    if not op.output("SavedMean") or not op.output("SavedVariance"):
        raise ValueError(f"{op.where()}: batch_norm needs its SavedMean and SavedVariance "
                         f"outputs to be differentiated")
    outs = {grad_name(s): [grad_name(n) for n in op.input(s)] for s in ("X", "Scale", "Bias")}
    return [dict(type="batch_norm_grad", inputs=ins, outputs=outs, attrs=dict(op.attrs))]


grad = register_op("batch_norm_grad", inputs=["X", "Scale", "Bias", "Mean", "Variance",
                                              "SavedMean", "SavedVariance", grad_name("Y")],
                   outputs=[grad_name("X") + "?", grad_name("Scale") + "?",
                            grad_name("Bias") + "?"], attrs=ATTRS, wants_outputs=True)


@grad.kernel("float32", "float64")
def batch_norm_grad(x, scale, bias, mean, var, saved_mean, saved_inv, dy, *, momentum, epsilon,
                    is_test, data_layout, use_global_stats, trainable_statistics,
                    fuse_with_relu, wanted):
    xp = get_array_module(x)
    axes, shape = _axes(x, data_layout)
    fixed = _fixed(is_test, use_global_stats, trainable_statistics)
    mu, inv = (mean, 1 / xp.sqrt(var + epsilon)) if fixed else (saved_mean, saved_inv)
    xhat = (x - mu.reshape(shape)) * inv.reshape(shape)
    if fuse_with_relu:  # Y = relu(...): no gradient where Y was clipped
        dy = dy * ((xhat * scale.reshape(shape) + bias.reshape(shape)) > 0)
    dbias = dy.sum(axis=axes)
    dscale = (dy * xhat).sum(axis=axes)
    dx = None
    if wanted[0]:
        k = (scale * inv).reshape(shape)
        if fixed:
            dx = k * dy
        else:
            m = max(x.size // max(scale.size, 1), 1)  # elements per channel
            dx = k * (dy - (dbias / m).reshape(shape) - xhat * (dscale / m).reshape(shape))
    return dx, dscale if wanted[1] else None, dbias if wanted[2] else None
