"""scale: an affine map of X.

    Out = scale * X + bias   (bias_after_scale)   or   scale * (X + bias)
    X@GRAD = scale * dOut

A ScaleTensor input (a 1-element float tensor) gives `scale` when the op runs and then wins
over the attr, as in fluid 1.8; the gradient scales dOut by the same tensor. ScaleTensor
itself gets no gradient (Paddle's scale grad has none either).
"""
from minifluid.registry import grad_name, register_op
from minifluid.selected_rows import SelectedRows

from .rules import like

ATTRS = {"scale": 1.0, "bias": 0.0, "bias_after_scale": True}
op = register_op("scale", inputs=["X", "ScaleTensor?"], outputs=["Out"], attrs=ATTRS,
                 doc=__doc__, sparse=("X",))


@op.shape_rule
def _(op):
    x, s = op.in_var("X"), op.in_var("ScaleTensor")
    if s is not None and (s.dtype.kind != "f" or any(d not in (1, -1) for d in s.shape)):
        raise TypeError(f"ScaleTensor ('{s.name}') must be a 1-element float tensor (shape [1]), "
                        f"got {s.dtype}{list(s.shape)}")
    return like(x)


@op.kernel("float16", "float32", "float64", "int32", "int64")
def scale(x, scale_t, *, scale, bias, bias_after_scale):
    if x.__class__ is SelectedRows:  # the rows given, scaled: a SelectedRows of the same rows
        return x.with_value(_dense(x.value, scale_t, scale=scale, bias=bias,
                                   bias_after_scale=bias_after_scale))
    t = x.dtype.type
    if scale_t is not None:
        if scale_t.size != 1:  # a -1 dim fed with more than one value
            raise ValueError(f"scale: ScaleTensor must hold 1 value, got shape "
                             f"{list(scale_t.shape)}")
        # A 0-d array of X's dtype (Paddle's kernel reads it as X's type); it stays on the
        # device, so a GPU run does not sync here.
        s = scale_t.reshape(()).astype(x.dtype)
        return x * s + t(bias) if bias_after_scale else (x + t(bias)) * s
    return x * t(scale) + t(bias) if bias_after_scale else (x + t(bias)) * t(scale)


_dense = scale  # inside the kernel, `scale` is the attr


@op.grad_maker
def _(op):
    ins = {"X": [grad_name(op.output("Out")[0])]}
    if op.input("ScaleTensor"):
        ins["ScaleTensor"] = op.input("ScaleTensor")
    return [dict(type="scale", inputs=ins, outputs={"Out": [grad_name(op.input("X")[0])]},
                 attrs={"scale": op.attr("scale")})]
