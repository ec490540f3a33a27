"""transpose, transpose2: X with its dimensions permuted by `axis`.

    Out = X.transpose(axis);  X@GRAD = dOut.transpose(argsort(axis))

transpose2 also gives XShape ([0] + X.shape, no elements), as reshape2 does; its grad op
reads only dOut. Out is a contiguous copy, not a view.
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import like

DTYPES = ("float16", "float32", "float64", "int8", "int32", "int64", "bool", "uint8")


def permuted(shape, axis):
    axis = list(axis)
    if sorted(axis) != list(range(len(shape))):
        raise ValueError(f"axis {axis} must be a permutation of the {len(shape)} dimensions of "
                         f"X (shape {list(shape)}), i.e. of {list(range(len(shape)))}")
    return tuple(shape[a] for a in axis)


def inverse(axis):
    inv = [0] * len(axis)
    for i, a in enumerate(axis):
        inv[a] = i
    return inv


def rule(op):
    x = op.in_var("X")
    return {"Out": like(x, shape=permuted(x.shape, op.attr("axis"))),
            "XShape": ((0,) + tuple(x.shape), x.dtype)}


def forward(x, *, axis):
    return x.transpose(axis).copy()  # a C-order copy; a transposed view may already be C-order


transpose = register_op("transpose", inputs=["X"], outputs=["Out"], attrs={"axis": []},
                        doc=__doc__)
transpose2 = register_op("transpose2", inputs=["X"], outputs=["Out", "XShape?"],
                         attrs={"axis": []}, doc=__doc__)
for _op in (transpose, transpose2):
    _op.shape_rule(rule)
transpose.kernel(*DTYPES)(forward)


@transpose2.kernel(*DTYPES)
def _(x, *, axis):
    return forward(x, axis=axis), get_array_module(x).empty((0,) + x.shape, x.dtype)


transpose.default_grad()
grad = register_op("transpose_grad", inputs=["X", grad_name("Out")],
                   outputs=[grad_name("X") + "?"], attrs={"axis": []})


@grad.kernel("float16", "float32", "float64")
def transpose_grad(x, dout, *, axis):
    return forward(dout, axis=inverse(axis))


@transpose2.grad_maker
def _(op):
    return [dict(type="transpose2_grad",
                 inputs={"XShape": op.output("XShape"),
                         grad_name("Out"): [grad_name(op.output("Out")[0])]},
                 outputs={grad_name("X"): [grad_name(op.input("X")[0])]},
                 attrs={"axis": op.attr("axis")})]


grad2 = register_op("transpose2_grad", inputs=["XShape", grad_name("Out")],
                    outputs=[grad_name("X") + "?"], attrs={"axis": []})
grad2.shape_rule(lambda op: like(op.in_var("XShape"), shape=op.in_var("XShape").shape[1:]))


@grad2.kernel("float16", "float32", "float64")
def transpose2_grad(xshape, dout, *, axis):
    return forward(dout, axis=inverse(axis))
