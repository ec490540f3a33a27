"""scale: an affine map of X.

    Out = scale * X + bias   (bias_after_scale)   or   scale * (X + bias)
    X@GRAD = scale * dOut
"""
from minifluid.registry import register_op

ATTRS = {"scale": 1.0, "bias": 0.0, "bias_after_scale": True}
op = register_op("scale", inputs=["X"], outputs=["Out"], attrs=ATTRS, doc=__doc__)


@op.shape_rule
def _(op):
    x, out = op.in_var("X"), op.out_var("Out")
    out.shape, out.dtype, out.lod_level = x.shape, x.dtype, x.lod_level


@op.kernel(("cpu", "cuda"), "float16", "float32", "float64", "int32", "int64")
def scale(x, *, scale, bias, bias_after_scale):
    t = x.dtype.type
    return x * t(scale) + t(bias) if bias_after_scale else (x + t(bias)) * t(scale)


@op.grad_maker
def _(op):
    return [dict(type="scale", inputs={"X": [op.output("Out")[0] + "@GRAD"]},
                 outputs={"Out": [op.input("X")[0] + "@GRAD"]},
                 attrs={"scale": op.attr("scale")})]
