"""pad2d: the two spatial dimensions of an image batch grown on their borders.

    paddings = [top, bottom, left, right] (ints >= 0; or the int32 Paddings tensor, read
    when the op runs); H and W are dimensions 2, 3 (NCHW) or 1, 2 (NHWC)
    constant: the new entries are pad_value
    reflect:  mirrored about the edge row, not repeating it (each pad < that dimension)
    edge:     copies of the edge row
    X@GRAD = dOut's entries added up at the X entry each was taken from (the border cut off
             for constant)
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import int_tensor, like

DTYPES = ("float16", "float32", "float64", "int32", "int64")
ATTRS = {"paddings": [0, 0, 0, 0], "mode": "constant", "pad_value": 0.0, "data_format": "NCHW"}

op = register_op("pad2d", inputs=["X", "Paddings?"], outputs=["Out"], attrs=ATTRS, doc=__doc__)


def _axes(data_format):
    if data_format not in ("NCHW", "NHWC"):
        raise ValueError(f"data_format must be 'NCHW' or 'NHWC', got {data_format!r}")
    return (2, 3) if data_format == "NCHW" else (1, 2)


@op.shape_rule
def _(op):
    x, pads_t, pads = op.in_var("X"), op.in_var("Paddings"), op.attr("paddings")
    mode, axes = op.attr("mode"), _axes(op.attr("data_format"))
    if mode not in ("constant", "reflect", "edge"):
        raise ValueError(f"mode must be 'constant', 'reflect' or 'edge', got {mode!r}")
    if len(x.shape) != 4:
        raise ValueError(f"X ('{x.name}') must be a 4-D image batch, got shape {list(x.shape)}")
    shape = list(x.shape)
    if pads_t is not None:
        int_tensor(pads_t, "Paddings")
        if pads_t.shape[0] not in (4, -1):
            raise ValueError(f"Paddings ('{pads_t.name}') must hold 4 ints, got shape "
                             f"{list(pads_t.shape)}")
        for a in axes:
            shape[a] = -1
        return like(x, shape=shape)
    _check(pads, [x.shape[a] for a in axes], mode, "paddings")
    for k, a in enumerate(axes):
        shape[a] = -1 if x.shape[a] == -1 else x.shape[a] + pads[2 * k] + pads[2 * k + 1]
    return like(x, shape=shape)


def _check(pads, dims, mode, what):
    if len(pads) != 4 or any(p < 0 for p in pads):
        raise ValueError(f"{what} must be 4 ints >= 0 [top, bottom, left, right], got "
                         f"{list(pads)}")
    for k, d in enumerate(dims):
        most = max(pads[2 * k], pads[2 * k + 1])
        if d != -1 and most and mode == "reflect" and most >= d:
            raise ValueError(f"{what}: reflect padding of {most} must be smaller than the "
                             f"padded dimension ({d})")
        if d == 0 and most and mode == "edge":
            raise ValueError(f"{what}: edge padding of {most} needs a padded dimension of "
                             f"size >= 1, got 0")


def _sources(xp, n, before, after, mode):
    """For each position of a padded dimension, the input position it copies."""
    at = xp.arange(-before, n + after)
    if mode == "reflect":
        at = xp.abs(at)
        return xp.where(at >= n, 2 * (n - 1) - at, at)
    return xp.clip(at, 0, n - 1)


def _pads(pads_t, paddings, x, mode, axes):
    if pads_t is None:
        return list(paddings)
    pads = [int(p) for p in pads_t.reshape(-1).tolist()]  # a read of the device
    _check(pads, [x.shape[a] for a in axes], mode, "pad2d: the Paddings tensor")
    return pads


@op.kernel(*DTYPES)
def pad2d(x, pads_t, *, paddings, mode, pad_value, data_format):
    xp, axes = get_array_module(x), _axes(data_format)
    pads = _pads(pads_t, paddings, x, mode, axes)
    if mode == "constant":
        widths = [(0, 0)] * 4
        widths[axes[0]], widths[axes[1]] = pads[:2], pads[2:]
        return xp.pad(x, widths, mode="constant", constant_values=x.dtype.type(pad_value))
    for k, a in enumerate(axes):
        x = xp.take(x, _sources(xp, x.shape[a], pads[2 * k], pads[2 * k + 1], mode), axis=a)
    return x


op.default_grad(inputs=("X", "Paddings"))
grad = register_op("pad2d_grad", inputs=["X", "Paddings?", grad_name("Out")],
                   outputs=[grad_name("X") + "?"], attrs=ATTRS)


@grad.kernel("float16", "float32", "float64")
def pad2d_grad(x, pads_t, dout, *, paddings, mode, pad_value, data_format):
    xp, axes = get_array_module(dout), _axes(data_format)
    pads = _pads(pads_t, paddings, x, mode, axes)
    if mode == "constant":
        cut = [slice(None)] * 4
        for k, a in enumerate(axes):
            cut[a] = slice(pads[2 * k], pads[2 * k] + x.shape[a])
        return dout[tuple(cut)].copy()
    g = dout
    for k, a in enumerate(axes):  # one dimension at a time: sum the copies of each row
        at = _sources(xp, x.shape[a], pads[2 * k], pads[2 * k + 1], mode)
        moved = xp.moveaxis(g, a, 0)
        acc = xp.zeros((x.shape[a],) + moved.shape[1:], dout.dtype)
        if hasattr(xp.add, "at"):
            xp.add.at(acc, at, moved)
        else:  # a cupy without ufunc.at
            import cupyx
            cupyx.scatter_add(acc, at, moved)
        g = xp.moveaxis(acc, 0, a)
    return xp.ascontiguousarray(g)
