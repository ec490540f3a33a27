"""fill_constant: a new tensor of a given shape and dtype, filled with one value (the
Constant initialiser of the startup program uses it).

    Out = value everywhere

fill_constant may take its shape when it runs, as in fluid 1.8: from ShapeTensor (a 1-D
int32/int64 tensor holding the whole shape) or else from ShapeTensorList (one 1-element
int32/int64 tensor per dimension); either wins over the `shape` attr. The output's
dimensions are then -1 at build time, except those the attr states for a ShapeTensorList
of its length (the layer writes the ints of a mixed list there). A ValueTensor (a
1-element tensor, fluid 1.8 too) gives the value when the op runs, converted to `dtype`.
(ops/random.py draws uniform_random and gaussian_random the same way.)
"""
from minifluid.checks import dtype_name
from minifluid.registry import register_op

from .rules import dtype_of, run_shape, tensor_shape

FLOATS = ("float16", "float32", "float64")


fill = register_op("fill_constant", inputs=["ValueTensor?", "ShapeTensor?", "ShapeTensorList*?"],
                   outputs=["Out"], attrs={"shape": [], "dtype": "float32", "value": 0.0},
                   doc=__doc__, no_grad="a constant: its tensor inputs are shapes and a value",
                   needs_xp=True)


@fill.shape_rule
def _(op):
    value_t = op.in_var("ValueTensor")
    if value_t is not None and (value_t.dtype.kind not in "biuf" or any(
            d not in (1, -1) for d in value_t.shape)):
        raise TypeError(f"ValueTensor ('{value_t.name}') must be a 1-element numeric tensor, "
                        f"got {value_t.dtype}{list(value_t.shape)}")
    return tensor_shape(op), dtype_of(op.attr("dtype"))


def _fill(xp, value_t, shape_t, shape_list, shape, dtype, value):
    dtype = dtype_name(dtype)  # a name, or a VarType number as Paddle's tests write it
    out = xp.empty(run_shape("fill_constant", shape_t, shape_list, shape), dtype)
    if value_t is None:
        out.fill(value)
        return out
    if value_t.size != 1:
        raise ValueError(f"fill_constant: ValueTensor must hold 1 value, got shape "
                         f"{list(value_t.shape)}")
    out[...] = value_t.reshape(()).astype(dtype)  # on the device: no sync
    return out


# The kernel is looked up by the first input's dtype (ValueTensor's or ShapeTensor's when
# given), but what it makes is always `dtype`: one kernel serves every key.
KEYS = FLOATS + ("int32", "int64", "bool", "uint8")


@fill.kernel(*KEYS)
def _(value_t, shape_t, shape_list, *, shape, dtype, value, xp):
    return _fill(xp, value_t, shape_t, shape_list, shape, dtype, value)
