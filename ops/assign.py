"""assign: a copy of X;  assign_value: a tensor given whole in the op's attrs.

    assign:        Out = X;   X@GRAD = dOut (assign again)
    assign_value:  Out = reshape(values, shape) as dtype, the values from the attr its
                   dtype names: fp32_values, int32_values, int64_values or bool_values
"""
from minifluid.checks import Bools, Floats, dtype_name
from minifluid.registry import grad_name, register_op

from .rules import dtype_of, same_as

DTYPES = ("float16", "float32", "float64", "int32", "int64", "bool", "uint8", "int8")
VALUES = {"float32": "fp32_values", "int32": "int32_values", "int64": "int64_values",
          "bool": "bool_values"}

assign = register_op("assign", inputs=["X"], outputs=["Out"], doc=__doc__)
assign.shape_rule(same_as("X"))


@assign.kernel(*DTYPES)
def _(x):
    return x.copy()


@assign.grad_maker
def _(op):
    return [dict(type="assign", inputs={"X": [grad_name(op.output("Out")[0])]},
                 outputs={"Out": [grad_name(op.input("X")[0])]})]


value = register_op("assign_value", outputs=["Out"],
                    attrs={"shape": [], "dtype": 5, "fp32_values": Floats(), "int32_values": [],
                           "int64_values": [], "bool_values": Bools()},
                    doc=__doc__, no_grad="a constant: it has no inputs", needs_xp=True)


def _values(op_type, shape, dtype, attrs):
    name = dtype_name(dtype)
    if name not in VALUES:
        raise TypeError(f"{op_type}: dtype must be one of {sorted(VALUES)}, got {name}")
    values = attrs[VALUES[name]]
    n = 1
    for d in shape:
        n *= d
    if any(d < 0 for d in shape) or len(values) != n:
        raise ValueError(f"{op_type}: {VALUES[name]} holds {len(values)} values, shape "
                         f"{list(shape)} needs {n}")
    return name, values


@value.shape_rule
def _(op):
    shape = tuple(op.attr("shape"))
    _values("assign_value", shape, op.attr("dtype"), op.attrs)
    return shape, dtype_of(op.attr("dtype"))


# Looked up by the output's dtype (the op has no input); every key makes `dtype`.
@value.kernel(*DTYPES)
def _(*, shape, dtype, xp, **values):
    name, vals = _values("assign_value", shape, dtype, values)
    return xp.asarray(vals, dtype=name).reshape(shape)
