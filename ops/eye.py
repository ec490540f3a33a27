"""eye and diag: matrices made from attrs (eye) or from a vector (diag).

    eye:   Out[i, j] = 1 if i == j else 0,  shape [num_rows, num_columns]
           (num_columns -1: num_rows), of `dtype`
    diag:  Out[i, j] = Diagonal[i] if i == j else 0,  shape [N, N] for Diagonal [N]

Neither has a gradient: fluid 1.8 had none.
"""
from minifluid.place import get_array_module
from minifluid.registry import register_op

from .rules import dtype_of, like

eye = register_op("eye", inputs=[], outputs=["Out"],
                  attrs={"num_rows": 0, "num_columns": -1, "dtype": 5}, doc=__doc__,
                  no_grad="a constant", needs_xp=True)


def _columns(rows, columns):
    return rows if columns == -1 else columns


@eye.shape_rule
def _(op):
    rows, columns = op.attr("num_rows"), op.attr("num_columns")
    if rows < 0 or columns < -1:
        raise ValueError(f"num_rows ({rows}) must be >= 0 and num_columns ({columns}) >= 0 "
                         f"(or -1: num_rows)")
    return (rows, _columns(rows, columns)), dtype_of(op.attr("dtype"))


# No inputs: the kernel is looked up by the output's dtype, which is `dtype`
@eye.kernel("float16", "float32", "float64", "int32", "int64")
def eye_(*, num_rows, num_columns, dtype, xp):
    return xp.eye(num_rows, _columns(num_rows, num_columns), dtype=dtype_of(dtype))


diag = register_op("diag", inputs=["Diagonal"], outputs=["Out"], doc=__doc__,
                   no_grad="fluid 1.8's diag has no gradient")


@diag.shape_rule
def _(op):
    d = op.in_var("Diagonal")
    if len(d.shape) != 1:
        raise ValueError(f"Diagonal ('{d.name}') must be 1-D, got shape {list(d.shape)}")
    return like(d, shape=(d.shape[0], d.shape[0]))


@diag.kernel("float32", "float64", "int32", "int64")
def diag_(d):
    xp = get_array_module(d)
    out = xp.zeros((d.shape[0], d.shape[0]), d.dtype)
    out[xp.arange(d.shape[0]), xp.arange(d.shape[0])] = d
    return out
