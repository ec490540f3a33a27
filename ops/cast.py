"""cast: X converted to `out_dtype`.

    Out = X.astype(out_dtype);  X@GRAD = dOut.astype(X's dtype)   (float to float only)
"""
import numpy as np

from minifluid.registry import register_op

op = register_op("cast", inputs=["X"], outputs=["Out"], attrs={"out_dtype": "float32"},
                 doc=__doc__)


@op.shape_rule
def _(op):
    x, out = op.in_var("X"), op.out_var("Out")
    out.shape, out.dtype, out.lod_level = x.shape, np.dtype(op.attr("out_dtype")), x.lod_level


@op.kernel(("cpu", "cuda"), "float16", "float32", "float64", "int32", "int64", "bool", "uint8")
def cast(x, *, out_dtype):
    return x.astype(out_dtype)


@op.grad_maker
def _(op):
    x = op.in_var("X")
    if x.dtype.kind != "f" or np.dtype(op.attr("out_dtype")).kind != "f":
        return []
    return [dict(type="cast", inputs={"X": [op.output("Out")[0] + "@GRAD"]},
                 outputs={"Out": [x.name + "@GRAD"]}, attrs={"out_dtype": x.dtype.name})]
