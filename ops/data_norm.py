"""data_norm: X [N, C] normalised per column by summary statistics kept as parameters
(BatchSize, BatchSum, BatchSquareSum, each [C]), as fluid 1.8's CTR models use it.

    Means = BatchSum / BatchSize;   Scales = sqrt(BatchSize / BatchSquareSum)
    Y = (X - Means) Scales  (then * scale_w + bias with enable_scale_and_shift)
    slot_dim > 0: the columns fall in slots of slot_dim; a slot whose first value ("show")
        is within 1e-7 of 0 reads as 0 in Y, gets no gradient and adds nothing to the stats
    X@GRAD = dY Scales (scale_w);  scale_w@GRAD = sum dY (X - Means) Scales;  bias@GRAD = sum dY
    The statistics' "gradients" are fluid's summary increments, not derivatives:
        BatchSize@GRAD = N,  BatchSum@GRAD = sum X,
        BatchSquareSum@GRAD = sum (X - Means)^2 + N epsilon        (sums over rows)
        with slot_dim: over the rows whose slot shows, and divided by their count n
        (BatchSize@GRAD = 1, BatchSquareSum@GRAD = sum (X - Means)^2 / n + n epsilon)
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import float_input, like

ATTRS = {"epsilon": 1e-4, "slot_dim": -1, "summary_decay_rate": 0.9999999,
         "enable_scale_and_shift": False, "data_layout": "NCHW", "sync_stats": False}
STATS = ("BatchSize", "BatchSum", "BatchSquareSum")
op = register_op("data_norm", inputs=["X", *STATS, "scale_w?", "bias?"],
                 outputs=["Y", "Means?", "Scales?"], attrs=ATTRS, doc=__doc__)


@op.shape_rule
def _(op):
    x = float_input(op)
    if len(x.shape) != 2:
        raise ValueError(f"X ('{x.name}') must be 2-D [N, C], got shape {list(x.shape)}")
    if op.attr("data_layout") not in ("NCHW", "NHWC"):
        raise ValueError(f"data_layout must be 'NCHW' or 'NHWC', got {op.attr('data_layout')!r}")
    c, slot = x.shape[1], op.attr("slot_dim")
    if slot > 0 and c != -1 and c % slot:
        raise ValueError(f"slot_dim ({slot}) must divide the {c} columns of X ('{x.name}')")
    scaled = op.attr("enable_scale_and_shift")
    for s in STATS + (("scale_w", "bias") if scaled else ()):
        v = op.in_var(s)
        if v is None:
            raise ValueError(f"{s} is required with enable_scale_and_shift")
        if v.dtype != x.dtype or len(v.shape) != 1 or -1 not in (c, v.shape[0]) \
                and v.shape[0] != c:
            raise ValueError(f"{s} ('{v.name}') must be {x.dtype}[{c}] (X's columns), got "
                             f"{v.dtype}{list(v.shape)}")
    stat = ((c,), x.dtype)
    return {"Y": like(x), "Means": stat, "Scales": stat}


def _shown(x, slot_dim):
    """[N, C] bools: the columns whose slot's show value is not ~0 (all with no slots)."""
    xp = get_array_module(x)
    if slot_dim <= 0:
        return None
    show = xp.abs(x[:, ::slot_dim]) >= 1e-7
    return xp.repeat(show, slot_dim, axis=1)


@op.kernel("float32", "float64")
def data_norm(x, size, total, square, scale_w, bias, *, epsilon, slot_dim,
              summary_decay_rate, enable_scale_and_shift, data_layout, sync_stats):
    xp = get_array_module(x)
    means, scales = total / size, xp.sqrt(size / square)
    y = (x - means) * scales
    if enable_scale_and_shift:
        y = y * scale_w + bias
    shown = _shown(x, slot_dim)
    return (y if shown is None else xp.where(shown, y, 0)), means, scales


def _grad(op):
    ins = {s: op.input(s) for s in ("X", *STATS, "scale_w", "bias") if op.input(s)}
    ins.update({"Means": op.output("Means"), "Scales": op.output("Scales"),
                grad_name("Y"): [grad_name(n) for n in op.output("Y")]})
    if not op.output("Means") or not op.output("Scales"):
        raise ValueError(f"{op.where()}: data_norm needs its Means and Scales outputs to be "
                         f"differentiated")
    outs = {grad_name(s): [grad_name(n) for n in op.input(s)]
            for s in ("X", *STATS, "scale_w", "bias") if op.input(s)}
    return [dict(type="data_norm_grad", inputs=ins, outputs=outs, attrs=dict(op.attrs))]


op.grad_maker(_grad)
grad = register_op("data_norm_grad", inputs=["X", *STATS, "scale_w?", "bias?", "Means", "Scales",
                                             grad_name("Y")],
                   outputs=[grad_name(s) + "?" for s in ("X", *STATS, "scale_w", "bias")],
                   attrs=ATTRS, wants_outputs=True)


@grad.kernel("float32", "float64")
def data_norm_grad(x, size, total, square, scale_w, bias, means, scales, dy, *, epsilon,
                   slot_dim, summary_decay_rate, enable_scale_and_shift, data_layout,
                   sync_stats, wanted):
    xp = get_array_module(x)
    shown = _shown(x, slot_dim)
    keep = xp.ones_like(x) if shown is None else shown.astype(x.dtype)
    g = dy * keep
    dx = g * scales * (scale_w if enable_scale_and_shift else 1) if wanted[0] else None
    dev = x - means
    dscale = (g * dev * scales).sum(axis=0) if wanted[4] and scale_w is not None else None
    dbias = g.sum(axis=0) if wanted[5] and bias is not None else None
    n = keep.sum(axis=0)
    d_total, d_square = (x * keep).sum(axis=0), (dev * dev * keep).sum(axis=0)
    if shown is None:
        d_size, d_square = n, d_square + n * epsilon
    else:  # fluid's per-slot form: averages over the rows that showed, size 1
        seen = n >= 1
        safe = xp.maximum(n, 1)
        d_size = seen.astype(x.dtype)
        d_total = xp.where(seen, d_total / safe, 0)
        d_square = xp.where(seen, d_square / safe + n * epsilon, 0)
    return dx, d_size, d_total, d_square, dscale, dbias
