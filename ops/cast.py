"""cast: X converted to `out_dtype`.

    Out = X.astype(out_dtype);  X@GRAD = dOut.astype(X's dtype)   (float to float only)

out_dtype and in_dtype are dtype names or Paddle's VarType numbers (5 is float32, as
`int(core.VarDesc.VarType.FP32)` writes it). in_dtype is recorded (the layer gives it, as
fluid 1.8's does; -1 leaves it unsaid) but, as in Paddle, X's own dtype is what is cast:
a gradient check that runs the op in float64 keeps working.
"""
from minifluid.checks import dtype_name
from minifluid.registry import grad_name, register_op

from .rules import dtype_of, like

op = register_op("cast", inputs=["X"], outputs=["Out"],
                 attrs={"in_dtype": -1, "out_dtype": "float32"}, doc=__doc__)


@op.shape_rule
def _(op):
    return like(op.in_var("X"), dtype=dtype_of(op.attr("out_dtype")))


@op.kernel("float16", "float32", "float64", "int32", "int64", "bool", "uint8", "int8")
def cast(x, *, in_dtype, out_dtype):
    return x.astype(dtype_name(out_dtype))


@op.grad_maker
def _(op):
    x, out = op.in_var("X"), op.out_var("Out")
    if x.dtype.kind != "f" or out.dtype.kind != "f":
        return []
    return [dict(type="cast", inputs={"X": [grad_name(out.name)]},
                 outputs={"Out": [grad_name(x.name)]},
                 attrs={"in_dtype": out.dtype.name, "out_dtype": x.dtype.name})]
